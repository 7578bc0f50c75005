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
