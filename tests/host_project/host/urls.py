"""The host's URLs, plus the plugin's two includes: the API and the pages."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("intel-api/", include("crm.api.root_urls")),
    path("", include("crm.page_urls")),
]
