"""URLs of the cloud footprint API, included by the API root under api/v1/technographics/."""

from django.urls import path

from intel.technographics.api.views import ExchangeFootprintDetectView, ExchangeFootprintView

app_name = "technographics-api"

urlpatterns = [
    path("exchanges/<slug:slug>/footprint/", ExchangeFootprintView.as_view(), name="exchange-footprint"),
    path(
        "exchanges/<slug:slug>/footprint/detect/",
        ExchangeFootprintDetectView.as_view(),
        name="exchange-footprint-detect",
    ),
]
