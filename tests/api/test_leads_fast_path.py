"""The leads list's hot path: visibility on the list's own join, tokens served from the cache, and
throttling counted in batches, each keeping what a caller sees unchanged."""

import datetime

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from crm.api.authentication import REVOKED, WORKER_CACHE_SECONDS, WORKER_TOKENS, token_cache_key
from crm.api.throttling import COUNTER, TokenOrUserRateThrottle, WindowCounter
from crm.choices import RepRole, TokenAccess
from crm.models import ApiToken, Exchange
from crm.services import api_token_create
from leads.models import Score, ScoreChange
from tests.api.conftest import client_for
from tests.crm.factories import ExchangeFactory, jurisdiction

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2025, 8, 25, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def fresh_worker_counts():
    # Each worker keeps the counts it has not yet added to the shared counter; token ids repeat
    # from test to test on SQLite, so start every test without them.
    COUNTER.forget()


def score(exchange, points: int) -> None:
    Score.objects.create(
        exchange=exchange, score=points, grade="B", factors=[], model_version=1, as_of=WHEN, computed_at=WHEN
    )


def token_client(user, name: str = "tool") -> tuple[APIClient, ApiToken]:
    issued = api_token_create(user=user, name=name, access=TokenAccess.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    return client, issued.token


def leads(client) -> list[str]:
    response = client.get("/api/v1/leads/")
    assert response.status_code == 200, response.json()
    return [row["slug"] for row in response.json()["results"]]


@pytest.fixture
def scored(cast):
    """The cast's exchanges scored, plus an account in the US owned by the Japan rep."""
    owned_abroad = ExchangeFactory(name="Gemini", slug="gemini", headquarters=jurisdiction("US"), owner=cast["japan"])
    for points, exchange in enumerate(
        [cast["bitflyer"], cast["bybit"], cast["coinhako"], cast["kraken"], owned_abroad], start=50
    ):
        score(exchange, points)
    return cast


@pytest.mark.parametrize("who", ["japan", "singapore", "manager"])
def test_the_leads_list_shows_each_caller_exactly_the_exchanges_visible_to_them(scored, who):
    visible = Exchange.objects.visible_to(scored[who])
    expected = list(
        Score.objects.filter(exchange__in=visible).order_by("-score").values_list("exchange__slug", flat=True)
    )

    shown = leads(token_client(scored[who])[0])

    assert shown == expected
    assert (
        shown
        == {
            "japan": ["gemini", "bybit", "bitflyer"],
            "singapore": ["coinhako"],
            "manager": ["gemini", "kraken", "coinhako", "bybit", "bitflyer"],
        }[who]
    )


def test_an_inactive_users_token_sees_nothing(scored):
    client, _token = token_client(scored["japan"])
    scored["japan"].is_active = False
    scored["japan"].save(update_fields=["is_active"])

    response = client.get("/api/v1/leads/")

    assert response.status_code == 401


def test_a_token_is_looked_up_once_then_served_from_the_cache(scored, django_assert_num_queries):
    client, _token = token_client(scored["japan"])
    # the token (with its user and rep), last_used_at, the page
    with django_assert_num_queries(3):
        first = leads(client)

    # the page only
    with django_assert_num_queries(1):
        second = leads(client)

    assert first == second == ["gemini", "bybit", "bitflyer"]


def test_last_used_at_is_written_once_not_per_request(scored):
    client, token = token_client(scored["japan"])
    leads(client)
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at

    leads(client)
    leads(client)

    assert first_use is not None
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first_use


@pytest.mark.parametrize("how", ["revoke", "delete"])
def test_a_token_revoked_over_the_api_is_refused_at_once_though_it_was_cached(scored, how):
    owner = client_for(scored["japan"])
    created = owner.post("/api/v1/tokens/", {"name": "tool", "access": "read"}).json()
    tool = APIClient()
    tool.credentials(HTTP_AUTHORIZATION=f"Token {created['key']}")
    assert leads(tool) == ["gemini", "bybit", "bitflyer"]

    if how == "revoke":
        answer = owner.post(f"/api/v1/tokens/{created['id']}/revoke/")
    else:
        answer = owner.delete(f"/api/v1/tokens/{created['id']}/")

    assert answer.status_code == {"revoke": 200, "delete": 204}[how]
    assert tool.get("/api/v1/leads/").status_code == 401


def test_after_a_revocation_commits_a_late_reader_cannot_put_the_live_token_back(
    scored, django_capture_on_commit_callbacks
):
    owner = client_for(scored["japan"])
    created = owner.post("/api/v1/tokens/", {"name": "tool", "access": "read"}).json()
    tool = APIClient()
    tool.credentials(HTTP_AUTHORIZATION=f"Token {created['key']}")
    leads(tool)
    token = ApiToken.objects.select_related("user", "user__rep").get(pk=created["id"])
    key = token_cache_key(token.key_hash)

    with django_capture_on_commit_callbacks(execute=True):
        owner.post(f"/api/v1/tokens/{created['id']}/revoke/")
    # a request that read the token just before the revocation committed now tries to cache it
    put_back = cache.add(key, token, 30)

    assert put_back is False
    assert cache.get(key) == REVOKED
    assert tool.get("/api/v1/leads/").status_code == 401


def test_a_token_revoked_by_another_worker_is_refused_here_once_this_workers_copy_expires(scored, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(WORKER_TOKENS, "clock", lambda: now[0])
    client, token = token_client(scored["japan"])
    leads(client)
    # another worker revokes it: the database and the shared cache know, this worker's copy does not
    token.revoke()
    cache.set(token_cache_key(token.key_hash), REVOKED, 30)

    now[0] += WORKER_CACHE_SECONDS - 0.5
    within_the_second = client.get("/api/v1/leads/").status_code
    now[0] += 0.5
    after_it = client.get("/api/v1/leads/").status_code

    assert (within_the_second, after_it) == (200, 401)


@pytest.fixture
def budget_of_three(monkeypatch):
    # 30 seconds before the end of a minute-long window (windows start at multiples of 60 seconds since the epoch)
    monkeypatch.setattr(TokenOrUserRateThrottle, "timer", lambda self: 1_000_000_050.0)
    monkeypatch.setattr(TokenOrUserRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "upload": "3/minute"})


def test_a_token_over_its_budget_gets_429_and_another_token_of_the_same_user_still_passes(scored, budget_of_three):
    first, _token = token_client(scored["japan"], "first tool")
    second, _token = token_client(scored["japan"], "second tool")

    answers = [first.get("/api/v1/leads/").status_code for _ in range(4)]
    refused = first.get("/api/v1/leads/")

    assert answers == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert second.get("/api/v1/leads/").status_code == 200


def test_a_signed_in_user_over_their_budget_gets_429(scored, budget_of_three):
    person = client_for(scored["singapore"])

    answers = [person.get("/api/v1/leads/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert client_for(scored["japan"]).get("/api/v1/leads/").status_code == 200


def test_a_worker_adds_its_count_to_the_shared_counter_in_batches_of_one_percent_of_the_budget():
    counter = WindowCounter()

    seen = [counter.count("throttle_test:1", limit=1000, timeout=60) for _ in range(9)]
    shared_after_nine = cache.get("throttle_test:1")
    tenth = counter.count("throttle_test:1", limit=1000, timeout=60)

    assert seen == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert shared_after_nine is None
    assert tenth == 10
    assert cache.get("throttle_test:1") == 10


def test_two_workers_share_one_budget_near_the_limit():
    one, other = WindowCounter(), WindowCounter()

    totals = [counter.count("throttle_test:2", limit=4, timeout=60) for counter in (one, other, one, other, one)]

    assert totals == [1, 2, 3, 4, 5]
    assert cache.get("throttle_test:2") == 5


def test_a_territory_given_to_a_rep_shows_on_their_next_page_though_the_query_was_built_before(scored):
    client, _token = token_client(scored["singapore"])
    before = leads(client)

    scored["singapore"].rep.territories.add(jurisdiction("US"))

    assert before == ["coinhako"]
    assert leads(client) == ["gemini", "kraken", "coinhako"]


def test_a_rep_made_manager_sees_every_account_on_the_next_request(scored):
    client = client_for(scored["singapore"])
    before = leads(client)

    scored["singapore"].rep.role = RepRole.MANAGER
    scored["singapore"].rep.save(update_fields=["role"])

    assert before == ["coinhako"]
    assert leads(client) == ["gemini", "kraken", "coinhako", "bybit", "bitflyer"]


def test_two_callers_asking_the_same_page_each_get_their_own(scored):
    japan, _token = token_client(scored["japan"])
    singapore, _token = token_client(scored["singapore"])

    first = japan.get("/api/v1/leads/", {"min_score": 51}).json()["results"]
    second = singapore.get("/api/v1/leads/", {"min_score": 51}).json()["results"]

    assert [row["slug"] for row in first] == ["gemini", "bybit"]
    assert [row["slug"] for row in second] == ["coinhako"]


def test_a_moment_without_an_offset_is_read_in_the_time_zone_of_each_request(scored, settings):
    ScoreChange.objects.create(
        exchange=scored["kraken"],
        new_score=53,
        new_grade="B",
        model_version=1,
        cause="manual",
        as_of=WHEN,
        created_at=datetime.datetime(2025, 8, 25, 5, tzinfo=datetime.UTC),
    )
    client, _token = token_client(scored["manager"])
    asked = {"changed_since": "2025-08-25T10:00:00"}

    settings.TIME_ZONE = "UTC"
    in_utc = client.get("/api/v1/leads/", asked).json()["results"]
    settings.TIME_ZONE = "Asia/Tokyo"  # 10:00 in Tokyo is 01:00 UTC, before the change
    in_tokyo = client.get("/api/v1/leads/", asked).json()["results"]

    assert [row["slug"] for row in in_utc] == []
    assert [row["slug"] for row in in_tokyo] == ["kraken"]
