"""Bad input answers a 4xx naming what is wrong, and changes nothing: never a 500."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.api.views import PresenceViewSet
from crm.models import CloudVendor, EvidenceChange, Exchange, Jurisdiction
from intel.models import Attendee, AttendeeImport, Event
from leads.models import ScoringModel
from tests.api.conftest import client_for
from tests.crm.factories import AllocationFactory, ExchangeFactory, PresenceFactory, jurisdiction, vendor

pytestmark = pytest.mark.django_db


def upload(client, content: bytes, **extra):
    return client.post(
        "/api/v1/events/webx-2025/attendees/import/",
        {"file": SimpleUploadedFile("scans.csv", content, content_type="text/csv"), **extra},
        format="multipart",
    )


def test_a_nul_byte_in_an_imported_csv_rejects_its_row_naming_line_and_column_and_writes_nothing(world, cast):
    before = (Attendee.objects.count(), AttendeeImport.objects.count())

    response = upload(client_for(cast["japan"]), b"name,company\nAda,bitFly\x00er\nGrace,Coinhako\n")

    assert response.status_code == 400
    assert response.json()["is_committed"] is False
    assert response.json()["problems"] == [
        {
            "line": 2,
            "column": "company",
            "message": "contains a NUL character (byte 0), which is not text: remove it and upload the file again",
        }
    ]
    assert (Attendee.objects.count(), AttendeeImport.objects.count()) == before


def test_keeping_the_valid_rows_of_a_file_with_a_nul_byte_stores_a_report_without_it(world, cast):
    response = upload(client_for(cast["japan"]), b"name,company\nAda,bitFly\x00er\nGrace,Coinhako\n", keep_valid=True)

    assert response.status_code == 201
    assert response.json()["created"] == 1
    assert "bitFly\ufffder" in AttendeeImport.objects.get().rejected_report
    assert "\x00" not in AttendeeImport.objects.get().rejected_report


def test_json_nested_100000_deep_answers_400_and_records_nothing(cast):
    before = ScoringModel.objects.count()
    body = '{"name": "deep", "parameters": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = client_for(cast["manager"]).post(
        "/api/v1/scoring-models/", body.encode(), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - depth limit exceeded: line 1 column 1056 (char 1055)"}
    assert ScoringModel.objects.count() == before


def test_a_json_body_over_the_size_limit_answers_413_before_it_is_read(cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = ScoringModel.objects.count()
    body = b'{"name": "' + b"x" * 2000 + b'"}'

    response = client_for(cast["manager"]).post("/api/v1/scoring-models/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is 2012 bytes; the limit is 1000 bytes."}
    assert ScoringModel.objects.count() == before


@pytest.mark.parametrize(
    ("parameters", "kind"), [([1, 2], "a list"), ("grade_a", "a string"), (7, "a number"), ([], "a list")]
)
def test_scoring_model_parameters_that_are_not_an_object_answer_400_naming_the_field(cast, parameters, kind):
    before = list(ScoringModel.objects.values_list("version", "is_active"))

    response = client_for(cast["manager"]).post(
        "/api/v1/scoring-models/", {"name": "bad", "parameters": parameters}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"parameters": [f"Must be an object of parameter names and values, not {kind}."]}
    assert list(ScoringModel.objects.values_list("version", "is_active")) == before


def test_deleting_a_vendor_still_in_use_answers_409_saying_what_uses_it_and_deletes_nothing(cast):
    AllocationFactory(exchange=cast["bitflyer"], vendor=vendor("aws"))
    AllocationFactory(exchange=cast["kraken"], vendor=vendor("aws"))

    response = client_for(cast["manager"]).delete("/api/v1/vendors/aws/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The cloud vendor AWS cannot be deleted: it is still used by 2 allocations. "
        "Remove or reassign those first.",
        "used_by": {"allocations": {"count": 2, "examples": response.json()["used_by"]["allocations"]["examples"]}},
    }
    assert CloudVendor.objects.filter(slug="aws").exists()
    assert cast["bitflyer"].allocations.count() == 1


def test_deleting_a_jurisdiction_still_in_use_answers_409_and_deletes_nothing(cast):
    ExchangeFactory(name="Upbit", slug="upbit", headquarters=jurisdiction("KR"))
    PresenceFactory(exchange=cast["kraken"], jurisdiction=jurisdiction("KR"))

    response = client_for(cast["manager"]).delete("/api/v1/jurisdictions/KR/")

    assert response.status_code == 409
    assert response.json()["detail"].startswith("The jurisdiction ")
    assert response.json()["used_by"]["presences"]["count"] == 1
    assert Jurisdiction.objects.filter(code="KR").exists()


def test_a_presence_delete_racing_its_exchange_s_delete_answers_404_and_records_nothing(cast, monkeypatch):
    presence = PresenceFactory(exchange=cast["kraken"], jurisdiction=jurisdiction("GB"))
    fetch = PresenceViewSet.get_object

    def fetched_then_exchange_deleted(view):
        found = fetch(view)
        Exchange.objects.filter(pk=found.exchange_id).delete()  # another request, committed in between
        return found

    monkeypatch.setattr(PresenceViewSet, "get_object", fetched_then_exchange_deleted)
    before = EvidenceChange.objects.count()

    response = client_for(cast["manager"]).delete(f"/api/v1/presences/{presence.pk}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such presence: it was deleted meanwhile (or its exchange was)."}
    assert EvidenceChange.objects.count() == before


def test_an_event_time_zone_typo_answers_400_suggesting_the_zone_and_creates_nothing(cast):
    before = Event.objects.count()
    body = {
        "name": "Token2049",
        "slug": "token2049-2025",
        "city": "Singapore",
        "country": "SG",
        "starts_on": "2025-10-01",
        "ends_on": "2025-10-02",
        "timezone": "Asia/Tokio",
    }

    response = client_for(cast["manager"]).post("/api/v1/events/", body, format="json")
    fixed = client_for(cast["manager"]).post("/api/v1/events/", {**body, "timezone": "Asia/Singapore"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"timezone": ["'Asia/Tokio' is not a time zone name (did you mean Asia/Tokyo?)"]}
    assert fixed.status_code == 201
    assert Event.objects.count() == before + 1
    assert Event.objects.get(slug="token2049-2025").follow_up_due_at == datetime.datetime(
        2025, 10, 5, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )
