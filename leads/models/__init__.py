"""Lead scores: scoring models, current scores and their history, follow-up lists, dead letters."""

from .followups import FollowUp, FollowUpQuerySet
from .scores import DeadLetter, Score, ScoreChange, ScoreChangeQuerySet, ScoreQuerySet, ScoringModel
from .webhooks import WebhookDelivery, WebhookSubscription

__all__ = [
    "DeadLetter",
    "FollowUp",
    "FollowUpQuerySet",
    "Score",
    "ScoreChange",
    "ScoreChangeQuerySet",
    "ScoreQuerySet",
    "ScoringModel",
    "WebhookDelivery",
    "WebhookSubscription",
]
