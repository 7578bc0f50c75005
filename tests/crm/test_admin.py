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


@pytest.fixture
def staff_rep(client):
    """A rep with admin access and the exchange permissions: the owner rule still applies."""
    from django.contrib.auth.models import Permission

    from tests.crm.factories import RepFactory, jurisdiction

    rep = RepFactory(user__username="rep.staff", user__is_staff=True, territories=[jurisdiction("JP")])
    rep.user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="crm", codename__endswith="exchange")
    )
    client.force_login(rep.user)
    return rep.user


def test_a_staff_rep_opens_an_account_they_only_see_read_only_and_cannot_give_theirs_away(client, staff_rep):
    from tests.crm.factories import jurisdiction

    seen = ExchangeFactory(name="Bybit", slug="bybit", headquarters=jurisdiction("JP"))
    hidden = ExchangeFactory(name="Kraken", slug="kraken", headquarters=jurisdiction("US"))
    own = ExchangeFactory(name="bitFlyer", slug="bitflyer", headquarters=jurisdiction("JP"), owner=staff_rep)

    seen_page = client.get(f"/admin/crm/exchange/{seen.pk}/change/")
    own_page = client.get(f"/admin/crm/exchange/{own.pk}/change/")
    hidden_page = client.get(f"/admin/crm/exchange/{hidden.pk}/change/")

    assert seen_page.status_code == 200
    assert seen_page.context["has_change_permission"] is False
    assert own_page.context["has_change_permission"] is True
    # the owner and the Salesforce id are shown, not editable, for a rep
    assert 'name="owner"' not in own_page.content.decode()
    assert 'name="salesforce_account_id"' not in own_page.content.decode()
    assert hidden_page.status_code == 302  # the admin's "does not exist" goes back to its index
