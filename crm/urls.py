"""The project's URLs: the admin, health, the API and the pages (the two includes a host project adds)."""

from django.contrib import admin
from django.urls import include, path

from crm.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("crm.api.root_urls")),
    path("", include("crm.page_urls")),
]
