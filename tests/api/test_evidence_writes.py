"""Evidence changed over the API asks for a rescore of exactly its exchange, deletes included."""

import pytest

from crm.models import Activity, EvidenceChange
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_deleting_a_logged_meeting_asks_for_its_exchange_to_be_rescored(cast, world):
    activity_id = world["bitflyer"]["activities"]
    EvidenceChange.objects.all().delete()  # the set-up's own writes

    response = client_for(cast["japan"]).delete(f"/api/v1/activities/{activity_id}/")

    assert response.status_code == 204
    assert not Activity.objects.filter(pk=activity_id).exists()
    assert list(EvidenceChange.objects.values_list("exchange__slug", "cause", "reference")) == [
        ("bitflyer", "activity", f"activity:{activity_id}")
    ]


def test_a_rep_may_not_delete_a_meeting_at_an_account_they_do_not_own(cast, world):
    activity_id = world["bybit"]["activities"]
    EvidenceChange.objects.all().delete()  # the set-up's own writes

    response = client_for(cast["japan"]).delete(f"/api/v1/activities/{activity_id}/")

    assert response.status_code == 403
    assert Activity.objects.filter(pk=activity_id).exists()
    assert EvidenceChange.objects.count() == 0


def test_a_size_set_by_hand_over_the_api_needs_a_reason_and_records_who_and_when(world, cast):
    from crm.models import Exchange

    client = client_for(cast["manager"])

    refused = client.patch("/api/v1/exchanges/bitflyer/", {"size_tier_by_hand": "large", "notes": "x"}, format="json")
    unchanged = Exchange.objects.filter(slug="bitflyer").values_list("size_tier_by_hand", "notes").get()
    accepted = client.patch(
        "/api/v1/exchanges/bitflyer/",
        {"size_tier_by_hand": "large", "size_source": "derivatives volume, bitFlyer annual report 2025"},
        format="json",
    )

    assert refused.status_code == 400
    assert list(refused.json()) == ["size_source"]
    assert unchanged == ("unknown", "")  # nothing half-written
    assert accepted.status_code == 200
    bitflyer = Exchange.objects.get(slug="bitflyer")
    assert (bitflyer.size_tier_by_hand, bitflyer.size_source, bitflyer.size_set_by) == (
        "large",
        "derivatives volume, bitFlyer annual report 2025",
        cast["manager"],
    )
    assert EvidenceChange.objects.filter(exchange=bitflyer, cause="size", processed_at__isnull=True).count() == 1
