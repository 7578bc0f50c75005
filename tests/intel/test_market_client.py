"""The CoinGecko client against a fake CoinGecko on loopback: paging, the key header, the rate
limit, retries with backoff on 429 and 5xx, giving up cleanly, and timeouts. No internet."""

import pytest

from intel.marketdata import client as client_module
from intel.marketdata.client import CoinGeckoClient, CoinGeckoError
from tests.intel.fake_coingecko import FakeCoinGecko, Script


@pytest.fixture
def no_jitter(monkeypatch):
    monkeypatch.setattr(client_module.random, "uniform", lambda low, high: (high - low) / 2)


def make_client(server: FakeCoinGecko, **options) -> tuple[CoinGeckoClient, list[float]]:
    slept: list[float] = []
    defaults = {"base_url": server.url, "api_key": "demo-key", "min_interval": 0, "backoff": 1.0, "timeout": 5}
    client = CoinGeckoClient(**{**defaults, **options}, sleep=slept.append)
    return client, slept


def test_pages_until_a_short_page_and_sends_the_key():
    with FakeCoinGecko(Script(api_key="demo-key")) as server:
        client, slept = make_client(server)
        progress = []

        pages = client.exchanges(per_page=40, progress=lambda *args: progress.append(args))

    assert [len(page.records) for page in pages] == [40, 40, 20]
    assert [request["query"] for request in server.script.requests] == [
        {"per_page": "40", "page": "1"},
        {"per_page": "40", "page": "2"},
        {"per_page": "40", "page": "3"},
    ]
    assert {request["headers"]["x-cg-demo-api-key"] for request in server.script.requests} == {"demo-key"}
    assert pages[0].records[0].id == "gdax"
    assert pages[2].records[-1].id == "stormgain"
    assert pages[1].url == f"{server.url}/exchanges?per_page=40&page=2"
    assert progress == [(1, 40), (2, 80), (3, 100)]
    assert slept == []


def test_a_full_last_page_costs_one_more_call_and_pages_limits_the_calls():
    with FakeCoinGecko() as server:
        client, _ = make_client(server, api_key="")
        everything = client.exchanges(per_page=50)
        limited = client.exchanges(per_page=30, pages=2)

    assert [len(page.records) for page in everything] == [50, 50, 0]
    assert [len(page.records) for page in limited] == [30, 30]
    assert "x-cg-demo-api-key" not in server.script.requests[0]["headers"]


def test_a_pro_key_goes_in_the_pro_header():
    with FakeCoinGecko(Script(api_key="pro-key", key_header="x-cg-pro-api-key")) as server:
        client, _ = make_client(server, api_key="pro-key", plan="pro")
        pages = client.exchanges(per_page=250)

    assert [len(page.records) for page in pages] == [100]
    assert server.script.requests[0]["headers"]["x-cg-pro-api-key"] == "pro-key"


def test_the_minimum_interval_spaces_the_calls():
    with FakeCoinGecko() as server:
        client, slept = make_client(server, min_interval=2.1, clock=lambda: 1000.0)
        client.exchanges(per_page=40)

    assert slept == [2.1, 2.1]


def test_429_is_retried_after_the_time_retry_after_says(no_jitter):
    with FakeCoinGecko(Script(failures=2, status=429, retry_after="7")) as server:
        client, slept = make_client(server)
        pages = client.exchanges(per_page=250)

    assert [len(page.records) for page in pages] == [100]
    assert len(server.script.requests) == 3
    assert slept == [7.0, 7.0]


def test_5xx_is_retried_with_exponential_backoff_and_jitter(no_jitter):
    with FakeCoinGecko(Script(failures=3, status=500)) as server:
        client, slept = make_client(server)
        pages = client.exchanges(per_page=250)

    assert [len(page.records) for page in pages] == [100]
    assert slept == [1.5, 2.5, 4.5]  # 1, 2, 4 s plus half the jitter range


def test_gives_up_cleanly_after_the_last_attempt(no_jitter):
    with FakeCoinGecko(Script(failures=10, status=503)) as server:
        client, slept = make_client(server, max_attempts=3)
        with pytest.raises(CoinGeckoError) as error:
            client.exchanges(per_page=250)

    assert str(error.value) == (
        f"GET {server.url}/exchanges?per_page=250&page=1: HTTP 503 (503: scripted); gave up after 3 attempts. "
        "Nothing was imported."
    )
    assert len(server.script.requests) == 3
    assert slept == [1.5, 2.5]


def test_a_retry_after_longer_than_allowed_gives_up_instead_of_waiting():
    with FakeCoinGecko(Script(failures=1, status=429, retry_after="3600")) as server:
        client, slept = make_client(server)
        with pytest.raises(CoinGeckoError) as error:
            client.exchanges(per_page=250)

    assert "CoinGecko asks to wait 3600 s, more than 120 s. Try again later." in str(error.value)
    assert slept == []


def test_a_wrong_key_is_not_retried_and_says_what_to_check():
    with FakeCoinGecko(Script(api_key="right")) as server:
        client, _ = make_client(server, api_key="wrong")
        with pytest.raises(CoinGeckoError) as error:
            client.exchanges(per_page=250)

    assert str(error.value).startswith(
        f"GET {server.url}/exchanges?per_page=250&page=1: HTTP 401 (10002: API Key Missing). Check COINGECKO_API_KEY"
    )
    assert len(server.script.requests) == 1


def test_a_stalled_server_times_out_cleanly(no_jitter):
    with FakeCoinGecko(Script(failures=2, status=0, stall_seconds=1.0)) as server:
        client, slept = make_client(server, timeout=0.2, max_attempts=2, backoff=0)
        with pytest.raises(CoinGeckoError) as error:
            client.exchanges(per_page=250)

    assert str(error.value) == (
        f"GET {server.url}/exchanges?per_page=250&page=1: no answer within 0.2 s; gave up after 2 attempts. "
        "Nothing was imported."
    )
    assert slept == [0.0]


def test_settings_and_environment_configure_the_client(settings, monkeypatch):
    settings.COINGECKO_API_PLAN = "pro"
    settings.COINGECKO_MIN_INTERVAL_SECONDS = 0
    monkeypatch.setenv("COINGECKO_API_KEY", "from-env")
    monkeypatch.setenv("COINGECKO_TIMEOUT_SECONDS", "3.5")

    client = CoinGeckoClient.from_settings()

    assert (client.base_url, client.plan, client.api_key, client.timeout, client.min_interval) == (
        "https://pro-api.coingecko.com/api/v3",
        "pro",
        "from-env",
        3.5,
        0.0,
    )
    assert client.headers["x-cg-pro-api-key"] == "from-env"


def test_a_pro_plan_without_a_key_is_refused(monkeypatch):
    monkeypatch.delenv("COINGECKO_API_KEY", raising=False)
    with pytest.raises(CoinGeckoError) as error:
        CoinGeckoClient(plan="pro")
    assert str(error.value) == "COINGECKO_API_PLAN is 'pro' but COINGECKO_API_KEY is not set."
