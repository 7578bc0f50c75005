"""Who sees which exchange: territories, ownership, managers."""

import pytest
from django.contrib.auth.models import AnonymousUser

from crm.choices import RepRole
from crm.models import Exchange
from tests.crm.factories import ExchangeFactory, PresenceFactory, RepFactory, UserFactory, jurisdiction

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    bitflyer = ExchangeFactory(name="bitFlyer", slug="bitflyer", headquarters=jurisdiction("JP"))
    coinhako = ExchangeFactory(name="Coinhako", slug="coinhako", headquarters=jurisdiction("SG"))
    bybit = ExchangeFactory(name="Bybit", slug="bybit", headquarters=jurisdiction("AE"))
    PresenceFactory(exchange=bybit, jurisdiction=jurisdiction("JP"))
    kraken = ExchangeFactory(name="Kraken", slug="kraken", headquarters=jurisdiction("US"))
    return {"bitflyer": bitflyer, "coinhako": coinhako, "bybit": bybit, "kraken": kraken}


def slugs(queryset):
    return sorted(queryset.values_list("slug", flat=True))


def test_a_rep_sees_exchanges_headquartered_or_present_in_their_territories_and_those_they_own(book):
    rep = RepFactory(territories=[jurisdiction("JP")])
    book["kraken"].owner = rep.user
    book["kraken"].save()

    assert slugs(Exchange.objects.visible_to(rep.user)) == ["bitflyer", "bybit", "kraken"]
    assert slugs(Exchange.objects.editable_by(rep.user)) == ["kraken"]


def test_a_manager_sees_and_edits_everything(book):
    manager = RepFactory(role=RepRole.MANAGER)

    assert slugs(Exchange.objects.visible_to(manager.user)) == ["bitflyer", "bybit", "coinhako", "kraken"]
    assert slugs(Exchange.objects.editable_by(manager.user)) == ["bitflyer", "bybit", "coinhako", "kraken"]


def test_anonymous_users_and_users_without_a_rep_profile_see_nothing_they_do_not_own(book):
    stranger = UserFactory()

    assert slugs(Exchange.objects.visible_to(AnonymousUser())) == []
    assert slugs(Exchange.objects.visible_to(stranger)) == []


def test_a_rep_in_two_territories_sees_an_exchange_once(book):
    rep = RepFactory(territories=[jurisdiction("JP"), jurisdiction("AE")])

    assert list(Exchange.objects.visible_to(rep.user).order_by("slug").values_list("slug", flat=True)) == [
        "bitflyer",
        "bybit",
    ]
