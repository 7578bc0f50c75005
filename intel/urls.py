"""Pages of the evidence: events with their badge-scan uploads and review queue, and signals."""

from django.urls import path

from intel import views

app_name = "intel"

urlpatterns = [
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("events/<slug:slug>/upload/", views.event_upload, name="event_upload"),
    path("events/<slug:slug>/upload/progress/", views.event_upload_progress, name="event_upload_progress"),
    path(
        "events/<slug:slug>/uploads/<int:import_id>/rejected-rows.csv",
        views.import_rejected_rows,
        name="import_rejected_rows",
    ),
    path("events/<slug:slug>/review/", views.review_queue, name="review_queue"),
    path("events/<slug:slug>/review/<int:attendee_id>/", views.review_decide, name="review_decide"),
    path("events/<slug:slug>/review/company/", views.review_decide_company, name="review_decide_company"),
    path(
        "events/<slug:slug>/review/set-aside/<int:company_id>/forget/",
        views.not_an_exchange_forget,
        name="not_an_exchange_forget",
    ),
    path("signals/", views.signal_list, name="signal_list"),
    path("signals/new/", views.signal_create, name="signal_create"),
    path("radar/", views.regulatory_radar, name="radar"),
    path("data-coverage/", views.data_coverage_page, name="data_coverage"),
]
