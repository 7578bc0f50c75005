"""Lead scores over the API: the ranked list, explanations, the change feed, follow-ups and scoring
models. Every queryset is scoped by Exchange.objects.visible_to(user) (through the models'
visible_to methods). The list and the feed are hot paths: served from values(), no serializer."""

from leads.api.views.cadences import EventCadenceView
from leads.api.views.common import LANG_PARAMETER, SentenceLanguageMixin, api_language
from leads.api.views.exchanges import ScoredExchangeViewSet
from leads.api.views.feed import DEFAULT_FEED_LIMIT, FEED_COLUMNS, MAX_FEED_LIMIT, ScoreChangeFeedView
from leads.api.views.followups import FollowUpViewSet
from leads.api.views.leads import (
    DEFAULT_PAGE_SIZE,
    LEAD_COLUMNS,
    LEAD_PAGES,
    MAX_PAGE_SIZE,
    WALK_THE_INDEX,
    CompiledQuery,
    LeadListView,
    QueryCache,
    visible_scores,
)
from leads.api.views.scoring_models import ScoringModelViewSet
from leads.api.views.webhooks import WebhookSubscriptionViewSet

__all__ = [
    "DEFAULT_FEED_LIMIT",
    "DEFAULT_PAGE_SIZE",
    "FEED_COLUMNS",
    "LANG_PARAMETER",
    "LEAD_COLUMNS",
    "LEAD_PAGES",
    "MAX_FEED_LIMIT",
    "MAX_PAGE_SIZE",
    "WALK_THE_INDEX",
    "CompiledQuery",
    "EventCadenceView",
    "FollowUpViewSet",
    "LeadListView",
    "QueryCache",
    "ScoreChangeFeedView",
    "ScoredExchangeViewSet",
    "ScoringModelViewSet",
    "SentenceLanguageMixin",
    "WebhookSubscriptionViewSet",
    "api_language",
    "visible_scores",
]
