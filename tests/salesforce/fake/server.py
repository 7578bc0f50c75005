"""A fake Salesforce on loopback: a real HTTP server in a thread, answering the documented requests
with the documented shapes, so the product's client is tested over real HTTP.

Endpoints: POST /services/oauth2/token (JWT bearer: signature checked with the test's public key,
claims iss/sub/aud/exp checked; client credentials), and under /services/data/vNN.N: sobjects/{o}/describe,
limits, composite/sobjects (create POST, update PATCH) and composite/sobjects/{o}/{extField} (upsert
PATCH), jobs/ingest (Bulk API 2.0: create, upload CSV, UploadComplete, job info, result CSVs).
Every API answer carries `Sforce-Limit-Info: api-usage=N/M`; over the limit is 403 REQUEST_LIMIT_EXCEEDED.
Faults are injected per request (503, timeout, 403 limit, 401) or at random with a seeded rate."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt

from tests.salesforce.fake.org import FakeOrg

API = re.compile(r"^/services/data/v(\d+\.\d)(/.*)$")
SOQL = re.compile(r"SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(\w+)\s*!=\s*null)?", re.IGNORECASE)
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class BulkJob:
    id: str
    object: str
    external_id_field: str
    operation: str
    state: str = "Open"
    csv_text: str = ""
    polls_left: int = 1
    successful: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)


class FakeSalesforce:
    """Start with `with FakeSalesforce(...) as fake:`; `fake.url` is the login and instance URL."""

    def __init__(
        self,
        *,
        client_id: str = "fake-connected-app",
        username: str = "integration@example.com",
        public_key: str = "",
        client_secret: str = "",
        timeout_delay: float = 0.5,
    ):
        self.org = FakeOrg()
        self.client_id, self.username, self.public_key, self.client_secret = (
            client_id,
            username,
            public_key,
            client_secret,
        )
        self.timeout_delay = timeout_delay
        self.requests: list[Recorded] = []  # API requests (not the token endpoint)
        self.token_requests: list[dict] = []
        self.tokens: set[str] = set()
        self.faults: list[str] = []  # the next API requests fail this way, in order
        self.fault_rate = 0.0
        self.fault_kinds: tuple[str, ...] = ()
        self.faults_served: list[str] = []
        self.jobs: dict[str, BulkJob] = {}
        self.query_page_size = 2000  # Salesforce's default batch of a REST query
        self.query_cursors: dict[str, list[dict]] = {}
        self._random = random.Random(0)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSalesforce:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- controls for tests ------------------------------------------------------------------

    def fail_next(self, *kinds: str) -> None:
        """The next API requests fail: '503', 'timeout', 'limit' (403 REQUEST_LIMIT_EXCEEDED), '401'."""
        self.faults.extend(kinds)

    def fail_randomly(self, rate: float, kinds: tuple[str, ...] = ("503", "timeout"), seed: int = 7) -> None:
        self.fault_rate, self.fault_kinds, self._random = rate, kinds, random.Random(seed)

    def expire_sessions(self) -> None:
        self.tokens.clear()

    def calls_to(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    # -- the server --------------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _send(self, status: int, body, content_type: str = "application/json", usage: bool = True):
                data = (
                    body
                    if isinstance(body, bytes)
                    else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
                )
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    if usage:
                        self.send_header("Sforce-Limit-Info", f"api-usage={fake.org.api_used}/{fake.org.api_limit}")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            def do_POST(self):
                self._dispatch("POST")

            def do_GET(self):
                self._dispatch("GET")

            def do_PATCH(self):
                self._dispatch("PATCH")

            def do_PUT(self):
                self._dispatch("PUT")

            def _dispatch(self, method: str):
                body = self._body()
                path = urlsplit(self.path).path
                if path == "/services/oauth2/token" and method == "POST":
                    status, answer = fake._token(body)
                    return self._send(status, answer, usage=False)
                match = API.match(path)
                if not match:
                    return self._send(
                        404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
                    )
                with fake._lock:
                    fake.requests.append(Recorded(method, path, dict(self.headers.items()), body))
                    fault = fake._next_fault()
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if fault == "401" or token not in fake.tokens:
                    return self._send(
                        401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], usage=False
                    )
                with fake._lock:
                    fake.org.api_used += 1
                if fault == "limit" or fake.org.api_used > fake.org.api_limit:
                    return self._send(
                        403,
                        [
                            {
                                "message": f"TotalRequests Limit exceeded. Limit: {fake.org.api_limit}",
                                "errorCode": "REQUEST_LIMIT_EXCEEDED",
                            }
                        ],
                    )
                if fault == "503":
                    return self._send(503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "Service unavailable"}])
                status, answer, content_type = fake._api(method, match.group(2), body, urlsplit(self.path).query)
                if fault == "timeout":
                    # The work is done but the answer comes too late: the client must resend, and the
                    # upsert by external id must make that harmless.
                    time.sleep(fake.timeout_delay)
                self._send(status, answer, content_type)

        return Handler

    def _next_fault(self) -> str:
        fault = ""
        if self.faults:
            fault = self.faults.pop(0)
        elif self.fault_rate and self._random.random() < self.fault_rate:
            fault = self._random.choice(self.fault_kinds)
        if fault:
            self.faults_served.append(fault)
        return fault

    # -- OAuth -------------------------------------------------------------------------------

    def _token(self, body: bytes) -> tuple[int, dict]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.token_requests.append(form)
        if form.get("grant_type") == JWT_GRANT:
            try:
                claims = jwt.decode(
                    form.get("assertion", ""),
                    self.public_key,
                    algorithms=["RS256"],
                    audience=self.url,
                    issuer=self.client_id,
                    options={"require": ["exp", "iss", "sub", "aud"]},
                )
            except jwt.PyJWTError as problem:
                return 400, {"error": "invalid_grant", "error_description": f"invalid assertion: {problem}"}
            if claims["sub"] != self.username:
                return 400, {"error": "invalid_grant", "error_description": "user hasn't approved this consumer"}
            if claims["exp"] > time.time() + 180:
                return 400, {"error": "invalid_grant", "error_description": "expiration too far in the future"}
        elif form.get("grant_type") == "client_credentials":
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
        token = "00Dfake!" + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return 200, {
            "access_token": token,
            "instance_url": self.url,
            "id": f"{self.url}/id/00Dfake/005fake",
            "token_type": "Bearer",
            "scope": "api",
            "issued_at": str(int(time.time() * 1000)),
        }

    # -- the REST API ------------------------------------------------------------------------

    def _api(self, method: str, path: str, body: bytes, query: str = "") -> tuple[int, object, str]:
        org = self.org
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["query"] and method == "GET":
            return self._query(parts[1:], parse_qs(query).get("q", [""])[0])
        if parts == ["limits"] and method == "GET":
            limit = {"Max": org.api_limit, "Remaining": org.api_limit - org.api_used}
            return 200, {"DailyApiRequests": limit}, "application/json"
        if len(parts) == 3 and parts[0] == "sobjects" and parts[2] == "describe" and method == "GET":
            describe = org.describe(parts[1])
            if describe is None:
                return (
                    404,
                    [{"errorCode": "NOT_FOUND", "message": f"sObject type '{parts[1]}' is not supported."}],
                    ("application/json"),
                )
            return 200, describe, "application/json"
        if parts[:2] == ["composite", "sobjects"]:
            return self._collections(method, parts[2:], json.loads(body or b"{}"))
        if parts[:2] == ["jobs", "ingest"]:
            return self._bulk(method, parts[2:], body)
        return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], "application/json"

    def _query(self, rest: list[str], soql: str) -> tuple[int, object, str]:
        """REST query, the subset this product sends: SELECT fields FROM object [WHERE field != null],
        answered in pages of `query_page_size` with a `nextRecordsUrl` locator, as Salesforce does."""
        if rest:
            records = self.query_cursors.pop(rest[0], None)
            if records is None:
                return (
                    400,
                    [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}],
                    "application/json",
                )
        else:
            match = SOQL.fullmatch(soql.strip())
            if not match:
                return 400, [{"errorCode": "MALFORMED_QUERY", "message": soql}], "application/json"
            fields = [f.strip() for f in match.group(1).split(",")]
            object_name, not_null = match.group(2), match.group(3)
            records = [
                {"attributes": {"type": object_name}, **{f: r.get(f) for f in fields}}
                for r in self.org.all(object_name)
                if not not_null or r.get(not_null) is not None
            ]
        page, rest_of = records[: self.query_page_size], records[self.query_page_size :]
        answer = {"totalSize": len(records), "done": not rest_of, "records": page}
        if rest_of:
            locator = f"01g{len(self.query_cursors) + 1:012d}AAA-{self.query_page_size}"
            self.query_cursors[locator] = rest_of
            answer["nextRecordsUrl"] = f"/services/data/v62.0/query/{locator}"
        return 200, answer, "application/json"

    def _collections(self, method: str, rest: list[str], body: dict) -> tuple[int, object, str]:
        records = body.get("records", [])
        if len(records) > 200:
            return (
                400,
                [
                    {
                        "errorCode": "EXCEEDED_ID_LIMIT",
                        "message": "record limit reached. cannot submit more than 200 records into this call",
                    }
                ],
                "application/json",
            )
        results = []
        for record in records:
            values = dict(record)
            object_name = values.pop("attributes", {}).get("type")
            if method == "PATCH" and len(rest) == 2:
                if object_name != rest[0]:
                    return 400, [{"errorCode": "INVALID_TYPE", "message": "type mismatch"}], "application/json"
                results.append(self.org.upsert(object_name, rest[1], values))
            elif method == "PATCH" and not rest:
                results.append(self.org.update(object_name, values.pop("id"), values))
            elif method == "POST" and not rest:
                results.append(self.org.create(object_name, values))
            else:
                return 405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": method}], "application/json"
        return 200, results, "application/json"

    def _bulk(self, method: str, rest: list[str], body: bytes) -> tuple[int, object, str]:
        if not rest and method == "POST":
            spec = json.loads(body)
            job = BulkJob(
                id=f"750{len(self.jobs) + 1:012d}AAA",
                object=spec["object"],
                external_id_field=spec.get("externalIdFieldName", ""),
                operation=spec["operation"],
            )
            self.jobs[job.id] = job
            return 200, self._job_info(job), "application/json"
        job = self.jobs.get(rest[0]) if rest else None
        if job is None:
            return 404, [{"errorCode": "NOT_FOUND", "message": "job not found"}], "application/json"
        if rest[1:] == ["batches"] and method == "PUT":
            if job.state != "Open":
                return 400, [{"errorCode": "INVALIDJOBSTATE", "message": "job is not open"}], "application/json"
            job.csv_text += body.decode()
            return 201, b"", "text/plain"
        if len(rest) == 1 and method == "PATCH":
            if json.loads(body).get("state") == "UploadComplete":
                job.state = "UploadComplete"
                self._process(job)
            return 200, self._job_info(job), "application/json"
        if len(rest) == 1 and method == "GET":
            if job.state == "UploadComplete":
                job.state = "InProgress"
            elif job.state == "InProgress":
                job.polls_left -= 1
                if job.polls_left <= 0:
                    job.state = "JobComplete"
            return 200, self._job_info(job), "application/json"
        if len(rest) == 2 and method == "GET":
            rows = {"successfulResults": job.successful, "failedResults": job.failed}.get(rest[1])
            if rows is None:
                rows = []
            return 200, self._result_csv(rest[1], rows), "text/csv"
        return 405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": method}], "application/json"

    def _process(self, job: BulkJob) -> None:
        for row in csv.DictReader(io.StringIO(job.csv_text)):
            values = {k: (None if v == "#N/A" else v) for k, v in row.items() if v != ""}
            result = self.org.upsert(job.object, job.external_id_field, values)
            if result["success"]:
                job.successful.append({"sf__Id": result["id"], "sf__Created": str(result["created"]).lower(), **row})
            else:
                first = result["errors"][0]
                job.failed.append({"sf__Id": "", "sf__Error": f"{first['statusCode']}:{first['message']}", **row})

    @staticmethod
    def _result_csv(kind: str, rows: list[dict]) -> str:
        if not rows:
            return ""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()

    def _job_info(self, job: BulkJob) -> dict:
        done = job.state == "JobComplete"
        return {
            "id": job.id,
            "operation": job.operation,
            "object": job.object,
            "externalIdFieldName": job.external_id_field,
            "state": job.state,
            "contentType": "CSV",
            "lineEnding": "LF",
            "numberRecordsProcessed": len(job.successful) + len(job.failed) if done else 0,
            "numberRecordsFailed": len(job.failed) if done else 0,
            "contentUrl": f"services/data/v62.0/jobs/ingest/{job.id}/batches",
        }
