"""Searching the API in Japanese and Chinese: leads, contacts and the review queue find an exchange
by its other names, in full-width and half-width forms."""

import pytest

from crm.choices import RepRole
from tests.api.conftest import client_for
from tests.crm.factories import RepFactory
from tests.intel.factories import EventFactory
from tests.leads.factories import named_exchanges

pytestmark = pytest.mark.django_db

SEARCHES = [
    ("コインチェック", ["coincheck"]),
    ("ｺｲﾝﾁｪｯｸ", ["coincheck"]),  # half-width katakana
    ("欧易", ["okx"]),
    ("ＯＫＸ", ["okx"]),  # full-width Latin
    ("バイナンス", ["binance"]),
    ("火币", []),
]


@pytest.fixture
def manager(db):
    named_exchanges(EventFactory())
    return client_for(RepFactory(user__username="manager", role=RepRole.MANAGER).user)


def results(response) -> list[dict]:
    assert response.status_code == 200, response.json()
    return response.json()["results"]


@pytest.mark.parametrize(("term", "slugs"), SEARCHES)
def test_the_leads_list_finds_an_exchange_by_its_other_names(manager, term, slugs):
    rows = results(manager.get("/api/v1/leads/", {"q": term}))

    assert [row["slug"] for row in rows] == slugs


def test_a_lead_search_keeps_the_other_filters(manager):
    assert [row["slug"] for row in results(manager.get("/api/v1/leads/", {"q": "o", "min_score": 55}))] == [
        "coincheck",
        "okx",
    ]
    assert results(manager.get("/api/v1/leads/", {"q": "欧易", "min_score": 65})) == []


@pytest.mark.parametrize(("term", "slugs"), SEARCHES)
def test_contacts_are_found_by_their_exchange_s_other_names(manager, term, slugs):
    rows = results(manager.get("/api/v1/contacts/", {"q": term}))

    assert [row["exchange"] for row in rows] == slugs


def test_contacts_are_still_found_by_name_title_and_email(manager):
    assert [row["full_name"] for row in results(manager.get("/api/v1/contacts/", {"q": "CONTACT@KRAKEN"}))] == [
        "Contact at Kraken"
    ]


@pytest.mark.parametrize(("term", "slugs"), SEARCHES)
def test_the_review_queue_finds_people_by_their_suggested_exchange_s_other_names(manager, term, slugs):
    rows = results(manager.get("/api/v1/attendees/", {"match_status": "review", "q": term}))

    assert [row["exchange"] for row in rows] == slugs


def test_people_are_found_by_company_in_full_width(manager):
    rows = results(manager.get("/api/v1/attendees/", {"q": "ｋｒａｋｅｎ ｉｎｃ"}))

    assert [row["full_name"] for row in rows] == ["Unsure at Kraken"]


@pytest.mark.parametrize(("term", "slugs"), SEARCHES)
def test_the_exchange_list_finds_an_exchange_by_its_other_names(manager, term, slugs):
    rows = results(manager.get("/api/v1/exchanges/", {"q": term}))

    assert [row["slug"] for row in rows] == slugs
