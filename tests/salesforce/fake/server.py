"""A fake Salesforce on loopback: a real HTTP server in a thread, answering the documented requests
with the documented shapes, so the product's client is tested over real HTTP.

Endpoints: POST /services/oauth2/token (JWT bearer: signature checked with the test's public key,
claims iss/sub/aud/exp checked; client credentials), and under /services/data/vNN.N: sobjects/{o}/describe,
limits, composite/sobjects (create POST, update PATCH) and composite/sobjects/{o}/{extField} (upsert
PATCH), jobs/ingest (Bulk API 2.0: create, upload CSV, UploadComplete, job info, result CSVs), query and
queryAll (the SOQL subset of tests/salesforce/fake/soql.py, in pages with nextRecordsUrl; queryAll
includes the recycle bin; a relationship field such as Owner.Email comes as the parent's nested
object, or null), and jobs/query (Bulk API 2.0 query: create, job info through UploadComplete,
InProgress and JobComplete, results as CSV in sets of maxRecords with the Sforce-Locator and
Sforce-NumberOfRecords headers; a relationship field is a dotted column, "Owner.Email").
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

from tests.salesforce.fake import soql as soql_subset
from tests.salesforce.fake.org import FakeOrg

API = re.compile(r"^/services/data/v(\d+\.\d)(/.*)$")
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: str = ""  # the URL's query string

    @property
    def soql(self) -> str:
        """The SOQL of a query call (the q parameter, or a Bulk query job's body)."""
        if "q=" in self.query:
            return parse_qs(self.query).get("q", [""])[0]
        if self.path.endswith("/jobs/query") and self.body:
            return json.loads(self.body).get("query", "")
        return ""

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


@dataclass
class QueryJob:
    """A Bulk API 2.0 query job: the SOQL runs when the job completes; results are read in sets."""

    id: str
    operation: str
    query: soql_subset.Query
    polls_left: int = 1
    state: str = "UploadComplete"
    rows: list[dict] = field(default_factory=list)
    error_message: str = ""


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
        self.query_jobs: dict[str, QueryJob] = {}
        self.query_job_polls = 1  # polls answering InProgress before a query job is JobComplete
        self.query_job_failure = ""  # when set, query jobs end Failed with this errorMessage
        self.bulk_result_page_size = 50_000  # the most rows one results set holds, whatever maxRecords says
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

            def _send(
                self, status: int, body, content_type: str = "application/json", usage: bool = True, headers=None
            ):
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
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
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
                    fake.requests.append(
                        Recorded(method, path, dict(self.headers.items()), body, urlsplit(self.path).query)
                    )
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
                status, answer, content_type, *extra = fake._api(
                    method, match.group(2), body, urlsplit(self.path).query
                )
                if fault == "timeout":
                    # The work is done but the answer comes too late: the client must resend, and the
                    # upsert by external id must make that harmless.
                    time.sleep(fake.timeout_delay)
                self._send(status, answer, content_type, headers=extra[0] if extra else None)

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
        if parts[:1] in (["query"], ["queryAll"]) and method == "GET":
            return self._query(parts[1:], parse_qs(query).get("q", [""])[0], include_deleted=parts[0] == "queryAll")
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
        if parts[:2] == ["jobs", "query"]:
            return self._bulk_query(method, parts[2:], body, parse_qs(query))
        return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], "application/json"

    def _select(self, soql: str, *, include_deleted: bool) -> soql_subset.Query | tuple[int, object, str]:
        try:
            query = soql_subset.parse(soql)
        except soql_subset.SoqlError as problem:
            return 400, [{"errorCode": "MALFORMED_QUERY", "message": str(problem)}], "application/json"
        known = {f["name"] for f in self.org.fields.get(query.object_name, [])}
        if not known:
            message = f"sObject type '{query.object_name}' is not supported."
            return 400, [{"errorCode": "INVALID_TYPE", "message": message}], "application/json"
        unknown = [f for f in (*query.fields, *(c[0] for c in query.conditions)) if f not in known]
        unknown = [f for f in unknown if "." not in f or not self.org.knows(query.object_name, f)]
        if unknown and "." in unknown[0]:
            # As the org words it for a relationship it does not have, or a field the parent lacks.
            message = f"Didn't understand relationship '{unknown[0].split('.')[0]}' in field path '{unknown[0]}'."
            return 400, [{"errorCode": "INVALID_FIELD", "message": message}], "application/json"
        if unknown:
            message = f"No such column '{unknown[0]}' on entity '{query.object_name}'."
            return 400, [{"errorCode": "INVALID_FIELD", "message": message}], "application/json"
        return query

    def _query(self, rest: list[str], soql: str, *, include_deleted: bool = False) -> tuple[int, object, str]:
        """REST query and queryAll over the SOQL subset (soql.py), answered in pages of
        `query_page_size` with a `nextRecordsUrl` locator, as Salesforce does; COUNT() answers
        `totalSize` and no records. queryAll also answers the deleted records (IsDeleted true)."""
        if rest:
            records = self.query_cursors.pop(rest[0], None)
            if records is None:
                return (
                    400,
                    [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}],
                    "application/json",
                )
        else:
            query = self._select(soql, include_deleted=include_deleted)
            if isinstance(query, tuple):
                return query
            stored = self.org.all(query.object_name, include_deleted=include_deleted)
            rows = soql_subset.run(query, stored, parent=self.org.parent, nested=True)
            if query.is_count:
                return 200, {"totalSize": len(rows), "done": True, "records": []}, "application/json"
            records = [{"attributes": {"type": query.object_name}, **row} for row in rows]
        page, rest_of = records[: self.query_page_size], records[self.query_page_size :]
        answer = {"totalSize": len(records), "done": not rest_of, "records": page}
        if rest_of:
            locator = f"01g{len(self.query_cursors) + 1:012d}AAA-{self.query_page_size}"
            self.query_cursors[locator] = rest_of
            answer["nextRecordsUrl"] = f"/services/data/v62.0/query/{locator}"
        return 200, answer, "application/json"

    def _bulk_query(self, method: str, rest: list[str], body: bytes, params: dict) -> tuple:
        """Bulk API 2.0 query (no ORDER BY, LIMIT or COUNT(), as documented; results in no order):
        POST jobs/query creates a job (state UploadComplete); GET jobs/query/{id}
        moves it to InProgress, then (after `query_job_polls` polls) JobComplete; GET .../results
        answers a CSV set (booleans true/false, empty for null, datetimes ...Z) with Sforce-Locator
        (the next set, or "null") and Sforce-NumberOfRecords."""
        if not rest and method == "POST":
            spec = json.loads(body)
            if spec.get("operation") not in ("query", "queryAll"):
                return 400, [{"errorCode": "INVALIDJOB", "message": "operation"}], "application/json"
            query = self._select(spec.get("query", ""), include_deleted=spec["operation"] == "queryAll")
            if isinstance(query, tuple):
                return query
            if query.is_count:
                message = "Aggregate queries are not supported by Bulk API 2.0 query."
                return 400, [{"errorCode": "API_ERROR", "message": message}], "application/json"
            if query.order or query.limit is not None:
                # As the documentation's SOQL considerations say: no ORDER BY or LIMIT in a query job.
                message = "ORDER BY and LIMIT are not supported by Bulk API 2.0 query."
                return 400, [{"errorCode": "API_ERROR", "message": message}], "application/json"
            job = QueryJob(
                id=f"750{len(self.jobs) + len(self.query_jobs) + 1:012d}QRY",
                operation=spec["operation"],
                query=query,
                polls_left=self.query_job_polls,
            )
            self.query_jobs[job.id] = job
            return 200, self._query_job_info(job), "application/json"
        job = self.query_jobs.get(rest[0]) if rest else None
        if job is None:
            return 404, [{"errorCode": "NOT_FOUND", "message": "job not found"}], "application/json"
        if len(rest) == 1 and method == "GET":
            if job.state == "UploadComplete":
                job.state = "InProgress"
            elif job.state == "InProgress":
                job.polls_left -= 1
                if job.polls_left <= 0 and self.query_job_failure:
                    job.state, job.error_message = "Failed", self.query_job_failure
                elif job.polls_left <= 0:
                    records = self.org.all(job.query.object_name, include_deleted=job.operation == "queryAll")
                    job.rows = soql_subset.run(job.query, records, parent=self.org.parent)
                    # The org chunks a job and answers its sets in no order: newest first here, so a
                    # client that relies on the order of a query job's results fails the tests.
                    job.rows.reverse()
                    job.state = "JobComplete"
            return 200, self._query_job_info(job), "application/json"
        if rest[1:] == ["results"] and method == "GET":
            if job.state != "JobComplete":
                message = f"Job {job.id} is not complete: {job.state}"
                return 400, [{"errorCode": "INVALIDJOBSTATE", "message": message}], "application/json"
            start = int(params.get("locator", ["0"])[0] or 0)
            size = min(int(params.get("maxRecords", [self.bulk_result_page_size])[0]), self.bulk_result_page_size)
            rows = job.rows[start : start + size]
            next_start = start + len(rows)
            headers = {
                "Sforce-Locator": str(next_start) if next_start < len(job.rows) else "null",
                "Sforce-NumberOfRecords": str(len(rows)),
            }
            return 200, self._query_csv(job.query.fields, rows), "text/csv", headers
        return 405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": method}], "application/json"

    @staticmethod
    def _query_csv(fields: tuple[str, ...], rows: list[dict]) -> str:
        def cell(value) -> str:
            if value is None:
                return ""
            if isinstance(value, bool):
                return "true" if value else "false"
            instant = soql_subset.to_instant(value) if isinstance(value, str) else None
            if instant is not None:
                return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
            return str(value)

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(fields)
        writer.writerows([cell(row.get(f)) for f in fields] for row in rows)
        return out.getvalue()

    def _query_job_info(self, job: QueryJob) -> dict:
        info = {
            "id": job.id,
            "operation": job.operation,
            "object": job.query.object_name,
            "createdById": "005fake",
            "state": job.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": 62.0,
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        if job.state == "JobComplete":
            info.update(numberRecordsProcessed=len(job.rows), retries=0, totalProcessingTime=1)
        if job.state == "Failed":
            info["errorMessage"] = job.error_message
        return info

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
            if job.operation == "update":  # rows name their record by its Id
                result = {"created": False, **self.org.update(job.object, values.pop("Id", ""), values)}
            else:
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
