"""Routes of the evidence API (mounted under /api/v1/ by crm.api.root_urls)."""

from rest_framework.routers import SimpleRouter

from intel.api import views

router = SimpleRouter()
router.register("signals", views.SignalViewSet, basename="signal")
router.register("regulations", views.RegulationViewSet, basename="regulation")
router.register("events", views.EventViewSet, basename="event")
router.register("attendees", views.AttendeeViewSet, basename="attendee")

urlpatterns = router.urls
