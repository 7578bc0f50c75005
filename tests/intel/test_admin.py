"""The evidence admin: lists load, the review queue shows only what needs review, actions decide."""

import pytest
from django.urls import reverse

from intel.choices import MatchStatus
from intel.models import Attendee, AttendeeImport
from intel.services import attendee_import
from tests.crm.factories import ExchangeFactory, UserFactory
from tests.intel.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    ExchangeFactory(name="Binance", slug="binance", website="https://www.binance.com")
    attendee_import(
        event=EventFactory(), data=b"Name,Company,Email\nBob,Binance Wallet,\nAnn,Binance,ann@binance.com\n"
    )
    return client


@pytest.mark.parametrize(
    "model", ["signal", "regulation", "event", "attendee", "attendeetoreview", "exchangealias", "attendeeimport"]
)
def test_every_evidence_list_loads(admin_client, model):
    response = admin_client.get(reverse(f"admin:intel_{model}_changelist"))

    assert response.status_code == 200


def test_the_review_queue_lists_only_people_to_review_and_confirming_empties_it(admin_client):
    url = reverse("admin:intel_attendeetoreview_changelist")
    assert [a.full_name for a in admin_client.get(url).context["cl"].result_list] == ["Bob"]

    bob = Attendee.objects.get(full_name="Bob")
    response = admin_client.post(url, {"action": "confirm_match", "_selected_action": [bob.pk]}, follow=True)

    assert response.status_code == 200
    bob.refresh_from_db()
    assert bob.match_status == MatchStatus.MATCHED
    assert list(admin_client.get(url).context["cl"].result_list) == []


def test_an_attendee_page_shows_the_candidates(admin_client):
    bob = Attendee.objects.get(full_name="Bob")

    response = admin_client.get(reverse("admin:intel_attendee_change", args=[bob.pk]))

    assert response.status_code == 200
    assert "Binance (80%)" in response.content.decode()


def test_the_rejected_rows_action_refuses_more_than_one_upload(admin_client):
    event = EventFactory(slug="second")
    for data in (b"Name,Email\n,a@a.example\nAnn,\n", b"Name,Email\n,b@b.example\nBen,\n"):
        attendee_import(event=event, data=data, keep_valid=True)
    url = reverse("admin:intel_attendeeimport_changelist")
    selected = list(AttendeeImport.objects.filter(event=event).values_list("pk", flat=True))

    response = admin_client.post(url, {"action": "download_rejected_rows", "_selected_action": selected}, follow=True)

    assert response["Content-Type"].startswith("text/html")
    assert [str(m) for m in response.context["messages"]] == [
        "Select exactly one upload: its rejected rows are one CSV file."
    ]


def test_the_rejected_rows_action_downloads_the_one_selected_upload(admin_client):
    outcome = attendee_import(event=EventFactory(slug="third"), data=b"Name,Email\n,=1+1\nAnn,\n", keep_valid=True)
    url = reverse("admin:intel_attendeeimport_changelist")

    response = admin_client.post(url, {"action": "download_rejected_rows", "_selected_action": [outcome.batch.pk]})

    assert response.content.decode("utf-8").splitlines() == [
        "\ufeffline,reason,Name,Email",
        "2,\"line 2, column 'Name': the name is empty\",,'=1+1",
    ]
