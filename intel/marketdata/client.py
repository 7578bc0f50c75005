"""Fetching CoinGecko's `GET /exchanges` pages: a timeout on every call, a minimum interval
between calls (the free plan's rate limit), and bounded retries with exponential backoff and
jitter on 429, 5xx, timeouts and dropped connections (honouring Retry-After).

Settings (Django settings first, then the environment, then the default):
COINGECKO_API_URL (https://api.coingecko.com/api/v3; https://pro-api.coingecko.com/api/v3 for a
Pro key), COINGECKO_API_KEY (environment only: a secret), COINGECKO_API_PLAN (demo | pro: which
header carries the key), COINGECKO_MIN_INTERVAL_SECONDS (2.1: about 30 calls a minute),
COINGECKO_TIMEOUT_SECONDS (10), COINGECKO_MAX_ATTEMPTS (5), COINGECKO_BACKOFF_SECONDS (1.0),
COINGECKO_MAX_RETRY_WAIT_SECONDS (120: a longer Retry-After gives up instead of waiting)."""

from __future__ import annotations

import email.utils
import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from intel.marketdata.coingecko import CoinGeckoExchange, parse_page

DEFAULT_API_URL = "https://api.coingecko.com/api/v3"
PRO_API_URL = "https://pro-api.coingecko.com/api/v3"
# CoinGecko's documented headers for the key, by plan.
KEY_HEADERS = {"demo": "x-cg-demo-api-key", "pro": "x-cg-pro-api-key"}
MAX_PER_PAGE = 250  # CoinGecko: per_page is 1..250 on /exchanges
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "exchange-intel market-data import"


class CoinGeckoError(RuntimeError):
    """The API could not be read: the message says what happened and what to do."""


@dataclass(frozen=True)
class FetchedPage:
    url: str
    number: int
    body: bytes
    records: tuple[CoinGeckoExchange, ...]


def _setting(name: str, default):
    from django.conf import settings

    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


@dataclass
class CoinGeckoClient:
    """A client for CoinGecko's /exchanges; `from_settings()` builds it from the settings above."""

    base_url: str = DEFAULT_API_URL
    api_key: str = ""
    plan: str = "demo"
    timeout: float = 10.0
    min_interval: float = 2.1
    max_attempts: int = 5
    backoff: float = 1.0
    max_retry_wait: float = 120.0
    session: requests.Session = field(default_factory=requests.Session)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _last_call: float | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(cls, **overrides) -> CoinGeckoClient:
        plan = str(_setting("COINGECKO_API_PLAN", "demo")).lower()
        options = {
            "base_url": str(_setting("COINGECKO_API_URL", PRO_API_URL if plan == "pro" else DEFAULT_API_URL)),
            "api_key": os.environ.get("COINGECKO_API_KEY", ""),
            "plan": plan,
            "timeout": float(_setting("COINGECKO_TIMEOUT_SECONDS", 10.0)),
            "min_interval": float(_setting("COINGECKO_MIN_INTERVAL_SECONDS", 2.1)),
            "max_attempts": int(_setting("COINGECKO_MAX_ATTEMPTS", 5)),
            "backoff": float(_setting("COINGECKO_BACKOFF_SECONDS", 1.0)),
            "max_retry_wait": float(_setting("COINGECKO_MAX_RETRY_WAIT_SECONDS", 120.0)),
        }
        options.update(overrides)
        return cls(**options)

    def __post_init__(self) -> None:
        if self.plan not in KEY_HEADERS:
            raise CoinGeckoError(f"COINGECKO_API_PLAN is {self.plan!r}; use one of: {', '.join(KEY_HEADERS)}.")
        if self.plan == "pro" and not self.api_key:
            raise CoinGeckoError("COINGECKO_API_PLAN is 'pro' but COINGECKO_API_KEY is not set.")
        self.max_attempts = max(1, self.max_attempts)

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if self.api_key:
            headers[KEY_HEADERS[self.plan]] = self.api_key
        return headers

    def exchanges(
        self,
        *,
        per_page: int = MAX_PER_PAGE,
        pages: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[FetchedPage]:
        """The /exchanges pages from page 1 until a short page (or `pages` pages). Raises
        CoinGeckoError once a call fails for good; the caller then writes nothing. `progress` gets
        (pages fetched, exchanges read so far)."""
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise CoinGeckoError(f"per_page must be 1..{MAX_PER_PAGE}, not {per_page}.")
        fetched: list[FetchedPage] = []
        number = 1
        while pages is None or number <= pages:
            url = f"{self.base_url.rstrip('/')}/exchanges"
            body = self._get(url, params={"per_page": per_page, "page": number})
            records = tuple(parse_page(body, label=f"CoinGecko /exchanges page {number}"))
            fetched.append(
                FetchedPage(url=f"{url}?per_page={per_page}&page={number}", number=number, body=body, records=records)
            )
            if progress:
                progress(number, sum(len(page.records) for page in fetched))
            if len(records) < per_page:
                break
            number += 1
        return fetched

    def _get(self, url: str, *, params: dict) -> bytes:
        where = f"GET {url}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
        for attempt in range(1, self.max_attempts + 1):
            self._keep_interval()
            wait: float | None = None
            try:
                response = self.session.get(url, params=params, headers=self.headers, timeout=self.timeout)
            except requests.Timeout:
                problem = f"no answer within {self.timeout:g} s"
            except requests.ConnectionError as error:
                problem = f"connection failed ({type(error).__name__})"
            else:
                if response.status_code == 200:
                    return response.content
                problem = f"HTTP {response.status_code}{_message(response)}"
                if response.status_code not in RETRY_STATUSES:
                    raise CoinGeckoError(f"{where}: {problem}.{_hint(response.status_code)}")
                wait = _retry_after(response.headers.get("Retry-After"))
            if attempt == self.max_attempts:
                raise CoinGeckoError(f"{where}: {problem}; gave up after {attempt} attempts. Nothing was imported.")
            backoff = self.backoff * 2 ** (attempt - 1)
            delay = max(wait or 0.0, backoff + random.uniform(0, self.backoff))
            if delay > self.max_retry_wait:
                raise CoinGeckoError(
                    f"{where}: {problem}; CoinGecko asks to wait {delay:.0f} s, more than "
                    f"{self.max_retry_wait:.0f} s. Try again later. Nothing was imported."
                )
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _keep_interval(self) -> None:
        now = self.clock()
        if self._last_call is not None:
            remaining = self.min_interval - (now - self._last_call)
            if remaining > 0:
                self.sleep(remaining)
                now = self.clock()
        self._last_call = now


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _message(response: requests.Response) -> str:
    try:
        payload = response.json()
    except (ValueError, json.JSONDecodeError):
        return ""
    status = payload.get("status") if isinstance(payload, dict) else None
    if isinstance(status, dict) and status.get("error_message"):
        return f" ({status.get('error_code', '')}: {status['error_message']})".replace("(: ", "(")
    if isinstance(payload, dict) and payload.get("error"):
        return f" ({payload['error']})"
    return ""


def _hint(status: int) -> str:
    if status == 401:
        return (
            " Check COINGECKO_API_KEY, and that COINGECKO_API_PLAN matches the key (a Pro key needs "
            f"plan 'pro' and {PRO_API_URL}; a Demo key plan 'demo' and {DEFAULT_API_URL})."
        )
    if status == 403:
        return " CoinGecko refused the call (blocked or not on your plan)."
    return ""
