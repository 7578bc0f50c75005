"""Routes of the account book's API (mounted under /api/v1/ by crm.api.root_urls)."""

from rest_framework.routers import SimpleRouter

from crm.api import views

router = SimpleRouter()
router.register("vendors", views.CloudVendorViewSet, basename="cloudvendor")
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
# exchanges/ is served by leads.api (ScoredExchangeViewSet, this resource plus the current score).
router.register("presences", views.PresenceViewSet, basename="presence")
router.register("allocations", views.AllocationViewSet, basename="allocation")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("tokens", views.ApiTokenViewSet, basename="apitoken")

urlpatterns = router.urls
