"""Lead scores: scoring models, current scores and their history, rescore runs, follow-up lists, dead letters,
opportunities and their stage history."""

from .followups import OPEN_STATUSES, Cadence, FollowUp, FollowUpQuerySet
from .opportunities import Opportunity, OpportunityQuerySet, OpportunityStageChange, WinModel, WinPrediction
from .rescores import RescoreChunk, RescoreRun
from .scores import DeadLetter, Score, ScoreChange, ScoreChangeQuerySet, ScoreQuerySet, ScoringModel
from .webhooks import WebhookDelivery, WebhookSubscription

__all__ = [
    "OPEN_STATUSES",
    "Cadence",
    "DeadLetter",
    "FollowUp",
    "FollowUpQuerySet",
    "Opportunity",
    "OpportunityQuerySet",
    "OpportunityStageChange",
    "RescoreChunk",
    "RescoreRun",
    "Score",
    "ScoreChange",
    "ScoreChangeQuerySet",
    "ScoreQuerySet",
    "ScoringModel",
    "WebhookDelivery",
    "WebhookSubscription",
    "WinModel",
    "WinPrediction",
]
