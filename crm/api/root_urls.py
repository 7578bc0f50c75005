"""The whole API in one include: `path("api/", include("crm.api.root_urls"))` in a host project.

/api/v1/ holds the resources of crm, intel and leads; /api/schema/ the OpenAPI document and
/api/docs/ Swagger UI, served from the package's own static files (no CDN)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from crm.api.views import no_such_page

app_name = "api"

urlpatterns = [
    path("v1/", include("crm.api.urls")),
    path("v1/", include("intel.api.urls")),
    path("v1/", include("leads.api.urls")),
    path("v1/technographics/", include("intel.technographics.api.urls")),
    re_path(r"^v1/(?P<rest>(?:[\s\S]*/)?)$", no_such_page),  # after every route: a JSON 404
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
