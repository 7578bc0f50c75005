"""The project's URLs: the admin, health, and the apps' own URL modules."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from crm.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("crm.api.root_urls")),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
