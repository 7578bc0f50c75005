"""URLs of the cloud footprint API (to be included under the API root, e.g. api/v1/technographics/)."""

from django.urls import path

from intel.technographics.api.views import ExchangeFootprintView

app_name = "technographics-api"

urlpatterns = [
    path("exchanges/<slug:slug>/footprint/", ExchangeFootprintView.as_view(), name="exchange-footprint"),
]
