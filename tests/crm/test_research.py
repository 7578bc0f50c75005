"""What a research rep records through the account book's services: a size set by hand, contacts,
and the families of accounts (their primary account wins a shared domain)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm import demo
from crm.catalogue import read_snapshot
from crm.choices import SizeTier
from crm.models import Contact, EvidenceChange, Exchange
from crm.services import contact_save, exchange_catalogue_import, exchange_size_set
from intel.matching import ExchangeEntry, Matcher
from intel.queries import matcher_load
from tests.crm.factories import ExchangeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_size_set_by_hand_records_why_who_and_when_and_asks_for_a_rescore():
    # given an exchange without a size set by hand
    exchange = ExchangeFactory(name="Bitbank", slug="bitbank")
    kenji = UserFactory(username="kenji")

    # when a rep sets it, with the figure and its source
    exchange_size_set(
        exchange=exchange,
        size_tier=SizeTier.LARGE,
        reason="  24h volume 52,000 BTC, CoinGecko, 2025-08-31 ",
        user=kenji,
    )

    # then the hand-set tier, its reason, who and when are recorded (the tier in effect is scoring's)
    exchange.refresh_from_db()
    assert (exchange.size_tier_by_hand, exchange.size_source) == (
        "large",
        "24h volume 52,000 BTC, CoinGecko, 2025-08-31",
    )
    assert (exchange.size_set_by, exchange.size_set_on) == (kenji, timezone.localdate())
    assert exchange.size_tier == SizeTier.UNKNOWN
    assert list(EvidenceChange.objects.values_list("exchange_id", "cause")) == [(exchange.pk, "size")]


def test_a_size_set_by_hand_needs_a_reason_and_nothing_changes_without_one():
    exchange = ExchangeFactory(name="Bitbank", slug="bitbank")

    with pytest.raises(ValidationError) as error:
        exchange_size_set(exchange=exchange, size_tier=SizeTier.MID, reason="   ", user=UserFactory())

    assert list(error.value.message_dict) == ["size_source"]
    exchange.refresh_from_db()
    assert (exchange.size_tier_by_hand, exchange.size_source, exchange.size_set_by) == ("unknown", "", None)
    assert EvidenceChange.objects.count() == 0


def test_clearing_the_size_set_by_hand_forgets_its_reason():
    user = UserFactory()
    exchange = ExchangeFactory(name="Bitbank", slug="bitbank")
    exchange_size_set(exchange=exchange, size_tier=SizeTier.SMALL, reason="staff of 40, LinkedIn, 2025-08", user=user)

    exchange_size_set(exchange=exchange, size_tier=SizeTier.UNKNOWN, reason="", user=user)

    exchange.refresh_from_db()
    assert (exchange.size_tier_by_hand, exchange.size_source, exchange.size_set_by, exchange.size_set_on) == (
        "unknown",
        "",
        None,
        None,
    )
    assert EvidenceChange.objects.filter(exchange=exchange, cause="size").count() == 2


def test_contact_save_refuses_a_second_contact_with_the_same_email():
    exchange = ExchangeFactory()
    contact_save(contact=Contact(exchange=exchange, full_name="Aiko Mori", email="aiko@bitbank.cc"))

    with pytest.raises(ValidationError) as error:
        contact_save(contact=Contact(exchange=exchange, full_name="A. Mori", email="aiko@bitbank.cc"))

    assert error.value.messages == ["This exchange already has a contact with this email."]
    assert list(Contact.objects.values_list("full_name", flat=True)) == ["Aiko Mori"]


@pytest.fixture
def catalogue():
    exchange_catalogue_import(records=read_snapshot())


def test_load_families_groups_the_coinbase_venues_under_coinbase(catalogue):
    changed = demo.load_families()

    coinbase = Exchange.objects.get(ccxt_id="coinbase")
    assert changed == 3
    assert coinbase.family_id is None
    assert sorted(coinbase.variants.values_list("ccxt_id", flat=True)) == ["coinbaseexchange", "coinbaseinternational"]
    assert list(Exchange.objects.get(ccxt_id="kraken").variants.values_list("ccxt_id", flat=True)) == ["krakenfutures"]


def test_load_families_is_idempotent_and_survives_a_catalogue_reimport(catalogue):
    demo.load_families()

    exchange_catalogue_import(records=read_snapshot())

    assert demo.load_families() == 0
    assert Exchange.objects.get(ccxt_id="coinbaseexchange").family.ccxt_id == "coinbase"


def test_a_website_shared_by_a_family_resolves_to_its_primary_account(catalogue):
    # given the Coinbase family (coinbase.com is the website of both Coinbase Advanced and Coinbase Exchange)
    demo.load_families()
    coinbase = Exchange.objects.get(ccxt_id="coinbase")

    matcher = matcher_load()

    # then a record with that website, or a mailbox there, counts for the primary account
    for result in (
        matcher.match(company="Coinbase Exchange", website="https://coinbase.com/"),
        matcher.match(company="Coinbase", email="jane@coinbase.com"),
        matcher.match(company="Coinbase International", email="joe@international.coinbase.com"),
    ):
        assert (result.exchange_id, result.status) == (coinbase.pk, "matched")


def test_without_the_family_a_shared_website_is_ambiguous(catalogue):
    matcher = matcher_load()

    result = matcher.match(company="Someone", website="https://coinbase.com/")

    assert result.status == "review"


def test_the_matcher_folds_a_shared_domain_to_the_family_primary():
    matcher = Matcher(
        exchanges=[
            ExchangeEntry(1, "Coinbase Advanced", "https://www.coinbase.com"),
            ExchangeEntry(2, "Coinbase Exchange", "https://coinbase.com/", family_id=1),
        ]
    )

    assert matcher.match(company="", website="https://coinbase.com").exchange_id == 1


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="keeper", first_name="Kim", is_staff=True, is_superuser=True))
    return client


def admin_exchange_data(exchange, **changes) -> dict:
    data = {
        "name": exchange.name,
        "slug": exchange.slug,
        "website": exchange.website,
        "kind": "centralised",
        "size_tier_by_hand": "unknown",
        "size_source": "",
        "stage": "prospect",
        "presences-TOTAL_FORMS": "0",
        "presences-INITIAL_FORMS": "0",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "allocations-TOTAL_FORMS": "0",
        "allocations-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_the_admin_sets_the_size_by_hand_through_its_service(admin_client):
    exchange = ExchangeFactory(name="Bitbank", slug="bitbank")

    response = admin_client.post(
        f"/admin/crm/exchange/{exchange.pk}/change/",
        admin_exchange_data(exchange, size_tier_by_hand="mid", size_source="staff of 300, LinkedIn, 2025-08"),
    )

    assert response.status_code == 302
    exchange.refresh_from_db()
    assert (exchange.size_tier_by_hand, exchange.size_source, exchange.size_set_by.username) == (
        "mid",
        "staff of 300, LinkedIn, 2025-08",
        "keeper",
    )
    assert list(EvidenceChange.objects.values_list("cause", flat=True)) == ["size"]


def test_the_admin_refuses_a_size_set_by_hand_without_a_reason(admin_client):
    exchange = ExchangeFactory(name="Bitbank", slug="bitbank")

    response = admin_client.post(
        f"/admin/crm/exchange/{exchange.pk}/change/", admin_exchange_data(exchange, size_tier_by_hand="mid")
    )

    assert response.status_code == 200
    assert "Say why: the figure, its source and its date." in response.content.decode()
    exchange.refresh_from_db()
    assert (exchange.size_tier_by_hand, exchange.size_set_by) == ("unknown", None)
