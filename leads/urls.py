"""Pages of the verdict: Today, the leads list, the exchange page, follow-ups and the scoring model."""

from django.urls import path

from leads import pipeline_views, views

app_name = "leads"

urlpatterns = [
    path("", views.today, name="today"),
    path("leads/", views.lead_list, name="list"),
    path("leads/defend/", views.defend_list, name="defend"),
    path("leads/export.csv", views.lead_export, name="export"),
    path("leads/export-salesforce.csv", views.lead_export_salesforce, name="export_salesforce"),
    path("exchanges/<slug:slug>/", views.exchange_detail, name="exchange"),
    path("exchanges/<slug:slug>/activities/", views.exchange_activity_create, name="exchange_activity"),
    path("exchanges/<slug:slug>/size/", views.exchange_size_set_view, name="exchange_size"),
    path("exchanges/<slug:slug>/allocations/", views.exchange_allocation_save, name="exchange_allocation_add"),
    path(
        "exchanges/<slug:slug>/allocations/<int:allocation_id>/",
        views.exchange_allocation_save,
        name="exchange_allocation_change",
    ),
    path("exchanges/<slug:slug>/presences/", views.exchange_presence_save, name="exchange_presence_add"),
    path(
        "exchanges/<slug:slug>/presences/<int:presence_id>/",
        views.exchange_presence_save,
        name="exchange_presence_change",
    ),
    path("exchanges/<slug:slug>/contacts/", views.exchange_contact_create, name="exchange_contact_add"),
    path("exchanges/<slug:slug>/merge/", views.exchange_merge_view, name="exchange_merge"),
    path("exchanges/<slug:slug>/footprint/check/", views.exchange_footprint_detect, name="exchange_footprint_detect"),
    path("events/<slug:slug>/edit/", views.event_edit, name="event_edit"),
    path("events/<slug:slug>/cadence/", views.event_cadence, name="event_cadence"),
    path("events/<slug:slug>/follow-ups/", views.follow_up_board, name="follow_ups"),
    path("events/<slug:slug>/follow-ups/assign/", views.follow_ups_assign, name="follow_ups_assign"),
    path("events/<slug:slug>/follow-ups/<int:follow_up_id>/status/", views.follow_up_status, name="follow_up_status"),
    path("events/<slug:slug>/follow-ups/export.csv", views.follow_ups_export, name="follow_ups_export"),
    path("team/", views.team_view, name="team"),
    path("scoring-model/", views.scoring_model, name="scoring_model"),
    path("pipeline/", pipeline_views.board, name="pipeline"),
    path("pipeline/forecast/", pipeline_views.forecast, name="pipeline_forecast"),
    path("pipeline/win-rates/", pipeline_views.win_rates, name="pipeline_win_rates"),
    path("pipeline/model/", pipeline_views.win_model, name="pipeline_model"),
]
