"""A thin Salesforce REST client: sObject Collections, Bulk API 2.0 ingest and query, REST query and
queryAll, describe and limits.

Why a client of our own rather than simple-salesforce: simple-salesforce has no sObject Collections
helper (the call this sync makes most), no retry on 503 or timeouts, no REQUEST_LIMIT_EXCEEDED handling
and no Sforce-Limit-Info bookkeeping, and it builds https:// URLs only, so it cannot talk to the fake
org the tests run on loopback. What it would give us (JWT sign-in, Bulk 2.0) is a few dozen lines with
PyJWT and requests. So every call goes through one method, `request`, which:

- sends with a (connect, read) timeout, never without;
- reads `Sforce-Limit-Info: api-usage=N/M` on every response and refuses to send once N/M reaches the
  configured share of the daily budget (SalesforceLimitError, nothing sent);
- stops on 403 REQUEST_LIMIT_EXCEEDED (SalesforceLimitError: the run ends and is rescheduled);
- retries 5xx answers, timeouts and dropped connections with exponential backoff and jitter
  (safe: upserts by external id are idempotent), up to `max_retries`, then SalesforceUnavailable;
- signs in again once on 401 (JWT has no refresh token) and resends.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from leads.salesforce.auth import Authenticator, Session, session_open
from leads.salesforce.conf import SalesforceSettings

COLLECTION_SIZE = 200  # Salesforce's limit for one sObject Collections call
LIMIT_HEADER = "Sforce-Limit-Info"
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class SalesforceError(Exception):
    """A Salesforce call failed in a way the sync cannot fix by itself."""


class SalesforceLimitError(SalesforceError):
    """The org's API budget is spent (403 REQUEST_LIMIT_EXCEEDED) or at the share we may use.

    `usage` is the budget the org reported last (None when it never said). A refusal while the daily
    budget is far from spent is another limit (concurrent long-running requests): it passes in
    seconds, not with the 24-hour window."""

    def __init__(self, message: str, *, usage: ApiUsage | None = None, budget_share: float = 1.0):
        super().__init__(message)
        self.usage = usage
        self.budget_share = budget_share

    @property
    def is_daily_budget(self) -> bool:
        return self.usage is None or self.usage.share >= self.budget_share


class SalesforceUnavailable(SalesforceError):
    """5xx answers or timeouts persisted through every retry."""


class SalesforceRequestError(SalesforceError):
    """Salesforce refused a request (4xx): the code and message are Salesforce's."""

    def __init__(self, status: int, code: str, message: str, method: str, path: str):
        self.status, self.code, self.message = status, code, message
        super().__init__(f"{method} {path}: HTTP {status} {code}: {message}")


@dataclass
class ApiUsage:
    used: int
    limit: int

    @property
    def share(self) -> float:
        return self.used / self.limit if self.limit else 0.0


@dataclass
class SalesforceClient:
    """One sign-in and its bookkeeping: API calls made, retries, and the last budget seen."""

    auth: Authenticator
    api_version: str = "62.0"
    timeout_seconds: float = 30.0
    budget_share: float = 0.8
    max_retries: int = 5
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    calls: int = 0
    retries: int = 0
    usage: ApiUsage | None = None
    events: list[str] = field(default_factory=list)
    http: requests.Session = field(default_factory=requests.Session)
    session: Session | None = None

    @classmethod
    def from_settings(cls, config: SalesforceSettings) -> SalesforceClient:
        from leads.salesforce.auth import ClientCredentialsAuth, JwtBearerAuth

        config.check()
        auth: Authenticator
        if config.auth_flow == "jwt":
            auth = JwtBearerAuth(
                login_url=config.login_url,
                client_id=config.client_id,
                username=config.username,
                private_key=config.private_key,
                audience=config.audience,
            )
        else:
            auth = ClientCredentialsAuth(
                login_url=config.login_url, client_id=config.client_id, client_secret=config.client_secret
            )
        return cls(
            auth=auth,
            api_version=config.api_version,
            timeout_seconds=config.timeout_seconds,
            budget_share=config.budget_share,
            max_retries=config.max_retries,
            retry_base_seconds=config.retry_base_seconds,
            retry_max_seconds=config.retry_max_seconds,
        )

    # -- the one way out -------------------------------------------------------------------------

    @property
    def data_path(self) -> str:
        return f"/services/data/v{self.api_version}"

    def sign_in(self) -> Session:
        self.session = session_open(http=self.http, auth=self.auth, timeout=self.timeout_seconds)
        return self.session

    def budget_left(self) -> bool:
        return self.usage is None or self.usage.share < self.budget_share

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        data: bytes | None = None,
        content_type: str = "application/json",
        accept: str = "application/json",
    ) -> requests.Response:
        """Send one API request (path below the instance URL), with the rules in the module docstring."""
        if self.session is None:
            self.sign_in()
        payload = json.dumps(body, separators=(",", ":")).encode() if body is not None else data
        signed_in_again = False
        attempt = 0
        while True:
            if not self.budget_left():
                raise SalesforceLimitError(
                    f"Stopped before {method} {path}: the org has used {self.usage.used} of its "
                    f"{self.usage.limit} daily API calls, at or over the {self.budget_share:.0%} share we may use.",
                    usage=self.usage,
                    budget_share=self.budget_share,
                )
            assert self.session is not None
            headers = {"Authorization": f"Bearer {self.session.access_token}", "Accept": accept}
            if payload is not None:
                headers["Content-Type"] = content_type
            problem = ""
            try:
                response = self.http.request(
                    method,
                    self.session.instance_url + path,
                    data=payload,
                    headers=headers,
                    timeout=(min(self.timeout_seconds, 10.0), self.timeout_seconds),
                    allow_redirects=False,
                )
            except (requests.Timeout, requests.ConnectionError) as error:
                self.calls += 1
                problem = f"{type(error).__name__} on {method} {path}"
            else:
                self.calls += 1
                self._read_usage(response)
                if response.status_code == 401 and not signed_in_again:
                    self.events.append(f"401 on {method} {path}: signed in again")
                    signed_in_again = True
                    self.sign_in()
                    continue
                if response.status_code >= 500:
                    problem = f"HTTP {response.status_code} on {method} {path}"
                elif response.status_code >= 400:
                    code, message = _error_of(response)
                    if response.status_code == 403 and code == "REQUEST_LIMIT_EXCEEDED":
                        raise SalesforceLimitError(
                            f"Salesforce refused {method} {path}: {code}: {message}",
                            usage=self.usage,
                            budget_share=self.budget_share,
                        )
                    raise SalesforceRequestError(response.status_code, code, message, method, path)
                else:
                    return response
            if attempt >= self.max_retries:
                raise SalesforceUnavailable(f"{problem}; gave up after {attempt + 1} attempts")
            delay = self._backoff(attempt)
            attempt += 1
            self.retries += 1
            self.events.append(f"{problem}: retry {attempt} in {delay:.2f} s")
            self.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        # Exponential with "equal jitter": half the step fixed, half random, so retries of many
        # clients spread out but never come back at once.
        step = min(self.retry_max_seconds, self.retry_base_seconds * 2**attempt)
        return step / 2 + self.jitter() * step / 2

    def _read_usage(self, response: requests.Response) -> None:
        match = _USAGE.search(response.headers.get(LIMIT_HEADER, ""))
        if match:
            self.usage = ApiUsage(used=int(match.group(1)), limit=int(match.group(2)))

    # -- resources ---------------------------------------------------------------------------

    def describe(self, object_name: str) -> dict:
        return self.request("GET", f"{self.data_path}/sobjects/{object_name}/describe").json()

    def limits(self) -> dict:
        return self.request("GET", f"{self.data_path}/limits").json()

    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[list[dict]]:
        """The records a SOQL query answers, a page at a time (REST `query`, or `queryAll` with the
        deleted records too, then each `nextRecordsUrl` until `done`)."""
        for records, _ in self.query_pages_ending(soql, include_deleted=include_deleted):
            yield records

    def query_pages_ending(self, soql: str, *, include_deleted: bool = False) -> Iterator[tuple[list[dict], bool]]:
        """As query_pages, each page with whether it is the last (Salesforce's `done`), so a caller can
        act on a page before the next one is asked for."""
        resource = "queryAll" if include_deleted else "query"
        path = f"{self.data_path}/{resource}?{urlencode({'q': soql})}"
        while path:
            answer = self.request("GET", path).json()
            path = "" if answer.get("done", True) else answer.get("nextRecordsUrl", "")
            yield [{k: v for k, v in r.items() if k != "attributes"} for r in answer.get("records", [])], not path

    def query_count(self, soql: str, *, include_deleted: bool = False) -> int:
        """The `totalSize` of a `SELECT COUNT() ...` query: one call, no records."""
        resource = "queryAll" if include_deleted else "query"
        return int(self.request("GET", f"{self.data_path}/{resource}?{urlencode({'q': soql})}").json()["totalSize"])

    def bulk_query_create(self, soql: str, *, include_deleted: bool = False) -> dict:
        """A Bulk API 2.0 query job (`queryAll` with the deleted records too); answers its JobInfo."""
        body = {
            "operation": "queryAll" if include_deleted else "query",
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        return self.request("POST", f"{self.data_path}/jobs/query", body=body).json()

    def bulk_query_info(self, job_id: str) -> dict:
        return self.request("GET", f"{self.data_path}/jobs/query/{job_id}").json()

    def bulk_query_results(self, job_id: str, *, locator: str = "", max_records: int = 0) -> tuple[str, str]:
        """One set of a finished query job's results: (CSV text, the next set's locator or "")."""
        params = {k: v for k, v in (("locator", locator), ("maxRecords", max_records)) if v}
        query = f"?{urlencode(params)}" if params else ""
        response = self.request("GET", f"{self.data_path}/jobs/query/{job_id}/results{query}", accept="text/csv")
        next_locator = response.headers.get("Sforce-Locator", "")
        return response.content.decode("utf-8"), "" if next_locator in ("", "null") else next_locator

    def collection_upsert(self, object_name: str, external_id_field: str, records: list[dict]) -> list[dict]:
        """Upsert up to 200 records of one type on an external id; one result per record, in order."""
        _check_size(records)
        body = {"allOrNone": False, "records": [{"attributes": {"type": object_name}, **r} for r in records]}
        path = f"{self.data_path}/composite/sobjects/{object_name}/{external_id_field}"
        return self.request("PATCH", path, body=body).json()

    def collection_update(self, object_name: str, records: list[dict]) -> list[dict]:
        """Update up to 200 records by Salesforce id (each record carries "id")."""
        _check_size(records)
        body = {"allOrNone": False, "records": [{"attributes": {"type": object_name}, **r} for r in records]}
        return self.request("PATCH", f"{self.data_path}/composite/sobjects", body=body).json()

    def collection_create(self, object_name: str, records: list[dict]) -> list[dict]:
        _check_size(records)
        body = {"allOrNone": False, "records": [{"attributes": {"type": object_name}, **r} for r in records]}
        return self.request("POST", f"{self.data_path}/composite/sobjects", body=body).json()

    def bulk_job_create(self, object_name: str, external_id_field: str, *, operation: str = "upsert") -> dict:
        """An ingest job: an upsert on an external id field, or an update (rows carry their Id)."""
        body = {"object": object_name, "contentType": "CSV", "operation": operation, "lineEnding": "LF"}
        if operation == "upsert":
            body["externalIdFieldName"] = external_id_field
        return self.request("POST", f"{self.data_path}/jobs/ingest", body=body).json()

    def bulk_job_upload(self, job_id: str, csv_text: str) -> None:
        self.request(
            "PUT", f"{self.data_path}/jobs/ingest/{job_id}/batches", data=csv_text.encode(), content_type="text/csv"
        )

    def bulk_job_close(self, job_id: str) -> dict:
        return self.request("PATCH", f"{self.data_path}/jobs/ingest/{job_id}", body={"state": "UploadComplete"}).json()

    def bulk_job_info(self, job_id: str) -> dict:
        return self.request("GET", f"{self.data_path}/jobs/ingest/{job_id}").json()

    def bulk_job_results(self, job_id: str, kind: str) -> str:
        """kind: successfulResults, failedResults or unprocessedrecords; a CSV text."""
        return self.request("GET", f"{self.data_path}/jobs/ingest/{job_id}/{kind}/", accept="text/csv").text


def _check_size(records: list[dict]) -> None:
    if not 0 < len(records) <= COLLECTION_SIZE:
        raise ValueError(f"An sObject Collections call takes 1 to {COLLECTION_SIZE} records, not {len(records)}.")


def _error_of(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:300]
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if isinstance(body, dict):
        return str(body.get("errorCode", "")), str(body.get("message", ""))
    return "", str(body)[:300]
