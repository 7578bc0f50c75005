"""Pages of the verdict: Today, the leads list, the exchange page, follow-ups and the scoring model."""

from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("", views.today, name="today"),
    path("leads/", views.lead_list, name="list"),
    path("leads/export.csv", views.lead_export, name="export"),
    path("leads/export-salesforce.csv", views.lead_export_salesforce, name="export_salesforce"),
    path("exchanges/<slug:slug>/", views.exchange_detail, name="exchange"),
    path("exchanges/<slug:slug>/activities/", views.exchange_activity_create, name="exchange_activity"),
    path("events/<slug:slug>/follow-ups/", views.follow_up_board, name="follow_ups"),
    path("scoring-model/", views.scoring_model, name="scoring_model"),
]
