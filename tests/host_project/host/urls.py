"""The host's URLs, plus the one include the plugin needs."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("intel-api/", include("crm.api.root_urls")),
]
