"""The lead filter: one FilterSet gives the leads page and the API the same rows for the same query string."""

import datetime

import pytest
from django.utils import timezone

from leads.models import Score, ScoreChange
from leads.services import scores_rescore
from tests.api.conftest import client_for
from tests.crm.factories import UserFactory
from tests.leads.factories import exchange_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(home_vendor_slug):
    """Five scored exchanges, each score distinct, so both lists order them the same way."""
    owner = UserFactory(username="kenji")
    rows = [
        # slug, shares, size, presences, score, grade, is_defend, stage
        ("bitflyer", {"aws": 60}, "large", {"JP": "licensed"}, 80, "A", False, "qualified"),
        ("bybit", {"alibaba-cloud": 50}, "mid", {"SG": "pending"}, 40, "C", False, "prospect"),
        ("coinhako", {home_vendor_slug: 90}, "small", {"SG": "licensed"}, 90, "A", True, "customer"),
        ("kraken", {"aws": 40, home_vendor_slug: 30}, "mid", {}, 60, "B", False, "prospect"),
        ("bitbank", {}, "small", {"JP": "unlicensed"}, 20, "D", False, "lost"),
    ]
    for slug, shares, size, presences, *_, stage in rows:
        exchange = exchange_on(slug, shares, size_tier=size, presences=presences)
        exchange.stage, exchange.size_tier = stage, size
        exchange.owner = owner if slug == "bitflyer" else None
        exchange.save()
    scores_rescore()
    for slug, *_, score, grade, is_defend, _stage in rows:
        Score.objects.filter(exchange__slug=slug).update(score=score, grade=grade, is_defend=is_defend)
    # bybit's score changed last week, the others' long ago
    ScoreChange.objects.update(created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    last_week = timezone.now() - datetime.timedelta(days=7)
    ScoreChange.objects.filter(exchange__slug="bybit").update(created_at=last_week)
    return UserFactory(username="mei", is_superuser=True)


def page_rows(user, query: str) -> list[str]:
    client = client_for(user)
    response = client.get(f"/leads/?{query}")
    assert response.status_code == 200, response.context["filter_errors"]
    return [row["exchange"].slug for row in response.context["rows"]]


def api_rows(user, query: str) -> list[str]:
    response = client_for(user).get(f"/api/v1/leads/?{query}")
    assert response.status_code == 200, response.json()
    return [row["slug"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["bitflyer", "kraken", "bybit", "bitbank"]),  # accounts to defend left out
        ("include_defend=true", ["coinhako", "bitflyer", "kraken", "bybit", "bitbank"]),
        ("grade=A&grade=B", ["bitflyer", "kraken"]),
        ("min_score=50", ["bitflyer", "kraken"]),
        ("jurisdiction=sg", ["bybit"]),
        ("jurisdiction=JP&include_defend=true", ["bitflyer", "bitbank"]),
        ("size_tier=mid&size_tier=small", ["kraken", "bybit", "bitbank"]),
        ("rival=aws", ["bitflyer", "kraken"]),
        ("rival=tencent-cloud", []),  # our own vendor is no rival
        ("our_share_min=20&include_defend=true", ["coinhako", "kraken"]),
        ("our_share_max=10", ["bitflyer", "bybit", "bitbank"]),
        ("owner=kenji", ["bitflyer"]),
        ("stage=prospect&stage=lost", ["kraken", "bybit", "bitbank"]),
        ("q=BIT", ["bitflyer", "bybit", "bitbank"]),
        (f"changed_since={(timezone.now() - datetime.timedelta(days=8)).date()}", ["bybit"]),
    ],
)
def test_the_page_and_the_api_list_the_same_leads_for_the_same_query_string(ranked, query, expected):
    assert page_rows(ranked, query) == expected
    assert api_rows(ranked, query) == expected


def test_a_filter_both_refuse_names_the_field_on_the_page_and_in_the_api(ranked):
    page = client_for(ranked).get("/leads/?changed_since=garbage")
    api = client_for(ranked).get("/api/v1/leads/?changed_since=garbage")

    assert (page.status_code, page.context["filter_errors"]) == (
        400,
        ["Score changed since: Enter an ISO 8601 date or date-time."],
    )
    assert (api.status_code, api.json()) == (400, {"changed_since": ["Enter an ISO 8601 date or date-time."]})
