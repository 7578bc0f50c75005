"""Lead scores: scoring models, current scores and their history, follow-up lists, dead letters."""

from .followups import FollowUp, FollowUpQuerySet
from .scores import DeadLetter, Score, ScoreChange, ScoreChangeQuerySet, ScoreQuerySet, ScoringModel

__all__ = [
    "DeadLetter",
    "FollowUp",
    "FollowUpQuerySet",
    "Score",
    "ScoreChange",
    "ScoreChangeQuerySet",
    "ScoreQuerySet",
    "ScoringModel",
]
