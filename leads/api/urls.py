"""Routes of the lead-score API (mounted under /api/v1/ by crm.api.root_urls)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from leads.api import pipeline, views

router = SimpleRouter()
# The exchange resource lives here because it carries the current score (crm cannot import leads).
router.register("exchanges", views.ScoredExchangeViewSet, basename="exchange")
router.register("follow-ups", views.FollowUpViewSet, basename="followup")
router.register("opportunities", pipeline.OpportunityViewSet, basename="opportunity")
router.register("scoring-models", views.ScoringModelViewSet, basename="scoringmodel")
router.register("webhooks", views.WebhookSubscriptionViewSet, basename="webhooksubscription")

urlpatterns = [
    path("leads/", views.LeadListView.as_view(), name="lead-list"),
    # Any segment, like the router's lookups, so an id that is no slug answers the API's own 404.
    re_path(r"^events/(?P<slug>[-a-zA-Z0-9_]+)/cadence/$", views.EventCadenceView.as_view(), name="event-cadence"),
    path("score-changes/", views.ScoreChangeFeedView.as_view(), name="scorechange-list"),
    *router.urls,
]
