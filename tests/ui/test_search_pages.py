"""Searching the pages in Japanese and Chinese: the leads list and an event's review queue."""

import pytest

from crm.choices import RepRole
from tests.crm.factories import RepFactory
from tests.intel.factories import EventFactory
from tests.leads.factories import named_exchanges

pytestmark = pytest.mark.django_db

SEARCHES = [
    ("コインチェック", ["Coincheck"]),
    ("ｺｲﾝﾁｪｯｸ", ["Coincheck"]),  # half-width katakana
    ("こいんちぇっく", ["Coincheck"]),  # hiragana
    ("欧易", ["OKX"]),
    ("ＯＫＸ", ["OKX"]),  # full-width Latin
    ("バイナンス", ["Binance"]),
    ("火币", []),
]


@pytest.fixture
def event(db):
    return EventFactory()


@pytest.fixture
def manager_client(client, event):
    named_exchanges(event)
    client.force_login(RepFactory(user__username="manager", role=RepRole.MANAGER).user)
    return client


@pytest.mark.parametrize(("term", "names"), SEARCHES)
def test_the_leads_page_finds_an_exchange_by_its_other_names(manager_client, term, names):
    response = manager_client.get("/leads/", {"q": term})

    assert response.status_code == 200
    assert [row["exchange"].name for row in response.context["rows"]] == names


def test_the_leads_page_without_a_search_lists_every_exchange_best_first(manager_client):
    response = manager_client.get("/leads/")

    assert [row["exchange"].name for row in response.context["rows"]] == ["Coincheck", "OKX", "Binance", "Kraken"]


@pytest.mark.parametrize(("term", "names"), SEARCHES)
def test_the_review_queue_finds_people_by_their_suggested_exchange_s_other_names(manager_client, event, term, names):
    response = manager_client.get(f"/events/{event.slug}/review/", {"q": term})

    assert response.status_code == 200
    assert [item.exchange.name for item in response.context["items"]] == names
    html = response.content.decode()
    assert f'<input type="search" name="q" id="review-q" value="{term}"' in html
    if not names:
        assert f"No one waiting for review matches “{term}”." in html


def test_the_review_queue_without_a_search_shows_everyone_waiting(manager_client, event):
    response = manager_client.get(f"/events/{event.slug}/review/")

    assert [item.full_name for item in response.context["items"]] == [
        "Unsure at Coincheck",
        "Unsure at OKX",
        "Unsure at Binance",
        "Unsure at Kraken",
    ]
