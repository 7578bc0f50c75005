"""A URL conf for the footprint API tests (the API root includes it the same way)."""

from django.urls import include, path

urlpatterns = [path("api/v1/technographics/", include("intel.technographics.api.urls"))]
