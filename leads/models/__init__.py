"""Lead scores: scoring models, current scores and their history, rescore runs, follow-up lists, dead letters."""

from .followups import OPEN_STATUSES, Cadence, FollowUp, FollowUpQuerySet
from .rescores import RescoreChunk, RescoreRun
from .scores import DeadLetter, Score, ScoreChange, ScoreChangeQuerySet, ScoreQuerySet, ScoringModel
from .webhooks import WebhookDelivery, WebhookSubscription

__all__ = [
    "OPEN_STATUSES",
    "Cadence",
    "DeadLetter",
    "FollowUp",
    "FollowUpQuerySet",
    "RescoreChunk",
    "RescoreRun",
    "Score",
    "ScoreChange",
    "ScoreChangeQuerySet",
    "ScoreQuerySet",
    "ScoringModel",
    "WebhookDelivery",
    "WebhookSubscription",
]
