"""A fake CoinGecko API on loopback, built from the documented /exchanges request and response:
`per_page` (1..250) and `page` over the shipped reading's records, the key in the
x-cg-demo-api-key (or x-cg-pro-api-key) header, and scripted failures (429 with Retry-After,
500, or a stall past the client's timeout) for the first N calls."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from intel.services.market import SHIPPED_FILE


@dataclass
class Script:
    """What the server does: `failures` answers of `status` (429, 500, or 0 for a stall of
    `stall_seconds`) before answering normally."""

    api_key: str = ""
    key_header: str = "x-cg-demo-api-key"
    failures: int = 0
    status: int = 429
    retry_after: str | None = None
    stall_seconds: float = 0.0
    records: list[dict] = field(default_factory=lambda: json.loads(SHIPPED_FILE.read_bytes()))
    requests: list[dict] = field(default_factory=list)


class FakeCoinGecko:
    def __init__(self, script: Script | None = None):
        self.script = script or Script()
        handler = type("Handler", (_Handler,), {"script": self.script})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/v3"

    def __enter__(self) -> FakeCoinGecko:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    script: Script

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        self.script.requests.append({"path": parts.path, "query": query, "headers": dict(self.headers)})
        if self.script.failures > 0:
            self.script.failures -= 1
            if self.script.status == 0:
                time.sleep(self.script.stall_seconds)
                self._send(200, [])
                return
            headers = {"Retry-After": self.script.retry_after} if self.script.retry_after is not None else {}
            self._send(
                self.script.status, {"status": {"error_code": self.script.status, "error_message": "scripted"}}, headers
            )
            return
        if parts.path != "/api/v3/exchanges":
            self._send(404, {"error": "Not found"})
            return
        if self.script.api_key and self.headers.get(self.script.key_header) != self.script.api_key:
            self._send(401, {"status": {"error_code": 10002, "error_message": "API Key Missing"}})
            return
        try:
            per_page, page = int(query.get("per_page", 100)), int(query.get("page", 1))
        except ValueError:
            self._send(400, {"error": "invalid per_page or page"})
            return
        if not 1 <= per_page <= 250 or page < 1:
            self._send(400, {"error": "per_page must be 1..250 and page >= 1"})
            return
        start = (page - 1) * per_page
        self._send(200, self.script.records[start : start + per_page])

    def _send(self, status: int, payload, headers: dict | None = None) -> None:
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass
