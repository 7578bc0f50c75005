"""The admin a manager works in: the exchange page with its inlines, and the allocation rule."""

import pytest

from crm.models import Allocation
from tests.crm.factories import AllocationFactory, ExchangeFactory, UserFactory, vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(username="keeper", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_the_exchange_page_shows_presences_allocations_and_contacts_inline(admin_client):
    okx = ExchangeFactory(name="OKX", slug="okx")
    AllocationFactory(exchange=okx, vendor=vendor("alibaba-cloud"), share_percent=60)

    response = admin_client.get(f"/admin/crm/exchange/{okx.pk}/change/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Presences" in body
    assert "Allocations" in body
    assert "Contacts" in body


def test_saving_inline_allocations_over_100_percent_is_refused_with_a_message(admin_client):
    okx = ExchangeFactory(name="OKX", slug="okx")
    data = {
        "name": "OKX",
        "slug": "okx",
        "website": okx.website,
        "kind": "centralised",
        "size_tier_by_hand": "unknown",
        "stage": "prospect",
        "presences-TOTAL_FORMS": "0",
        "presences-INITIAL_FORMS": "0",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "allocations-TOTAL_FORMS": "2",
        "allocations-INITIAL_FORMS": "0",
    }
    for index, (slug, share) in enumerate([("alibaba-cloud", "60"), ("aws", "50")]):
        data.update(
            {
                f"allocations-{index}-vendor": vendor(slug).pk,
                f"allocations-{index}-workload": "all",
                f"allocations-{index}-share_percent": share,
                f"allocations-{index}-evidence_source": "news",
                f"allocations-{index}-observed_on": "2025-08-25",
            }
        )

    response = admin_client.post(f"/admin/crm/exchange/{okx.pk}/change/", data)

    assert response.status_code == 200
    assert "OKX: the shares for workload &#x27;all&#x27; add up to 110%, more than 100%." in response.content.decode()
    assert Allocation.objects.count() == 0


def test_deleting_a_vendor_still_in_use_in_the_admin_names_what_protects_it_and_deletes_nothing(admin_client):
    from crm.models import CloudVendor

    aws = vendor("aws")
    AllocationFactory(exchange=ExchangeFactory(name="OKX", slug="okx"), vendor=aws, share_percent=60)

    page = admin_client.post(f"/admin/crm/cloudvendor/{aws.pk}/delete/", {"post": "yes"})
    bulk = admin_client.post(
        "/admin/crm/cloudvendor/", {"action": "delete_selected", "_selected_action": [aws.pk], "post": "yes"}
    )

    assert page.status_code == 200
    assert "would require deleting the following protected related objects" in page.content.decode()
    assert "Allocation: " in page.content.decode()
    assert bulk.status_code == 200
    assert "would require deleting the following protected related objects" in bulk.content.decode()
    assert CloudVendor.objects.filter(pk=aws.pk).exists()
    assert Allocation.objects.filter(vendor=aws).count() == 1


def test_the_admin_picks_an_event_s_time_zone_from_the_iana_list(admin_client):
    response = admin_client.get("/admin/intel/event/add/")

    body = response.content.decode()
    assert '<select name="timezone"' in body
    assert '<option value="Asia/Tokyo">Asia/Tokyo</option>' in body
