"""Routes of the lead-score API (mounted under /api/v1/ by crm.api.root_urls)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls
