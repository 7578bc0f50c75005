"""Pages of the evidence: events with their badge-scan uploads and review queue, and signals."""

from django.urls import path

from intel import views

app_name = "intel"

urlpatterns = [
    path("events/", views.event_list, name="event_list"),
    path("signals/", views.signal_list, name="signal_list"),
]
