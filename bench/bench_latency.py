"""From a new signal to the changed score, end to end: PostgreSQL, Redis, a real Celery worker and
gunicorn on loopback. Each signal (an Alibaba Cloud outage naming one exchange that runs 60% on it)
is recorded through the API; the bench then polls the exchange in the API until its score has
changed, and a webhook receiver on loopback notes when the grade-change delivery arrives.

    python -m bench latency   (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench_latency;
                               BENCH_REDIS_URL, default redis://127.0.0.1:6379/15: broker and cache;
                               BENCH_LATENCY_SIGNALS, default 200)

Target: p95 under 1 s for both "score visible in the API" and "webhook received". The floor in the
same run: recording the signal and reading the exchange once (two API round trips, no worker)."""

import datetime
import json
import os
import signal as signals
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.common import load_average, machine, setup_django

SIGNALS = int(os.environ.get("BENCH_LATENCY_SIGNALS", "200"))
PORT = int(os.environ.get("BENCH_LATENCY_PORT", "8766"))
RECEIVER_PORT = int(os.environ.get("BENCH_LATENCY_RECEIVER_PORT", "8767"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
HOME_VENDOR = "tencent-cloud"
PREFIX = "bench-latency-"
SOURCE_NOTE = "GENERATED (benchmark)"
POLL_SECONDS = 0.01
TIMEOUT_SECONDS = 15.0
TARGET_SECONDS = 1.0
ROOT = Path(__file__).resolve().parent.parent


def setup(size: int, *, receiver_url: str = f"http://127.0.0.1:{RECEIVER_PORT}/hook") -> dict[str, int]:
    """From an empty database: `size` exchanges on Alibaba Cloud (60%, scored), a manager with a
    write token, and a webhook subscription to grade changes at the receiver."""
    from django.contrib.auth import get_user_model
    from django.test.utils import override_settings

    from crm.choices import RepRole, TokenAccess
    from crm.models import Allocation, CloudVendor, Exchange, Rep
    from crm.services import api_token_create
    from intel.models import Signal
    from leads.models import Score, ScoreChange, WebhookSubscription
    from leads.services import scores_rescore
    from leads.webhooks.choices import WebhookEvent

    Signal.objects.filter(source_note=SOURCE_NOTE).delete()
    ScoreChange.objects.filter(exchange__slug__startswith=PREFIX).delete()
    Score.objects.filter(exchange__slug__startswith=PREFIX).delete()
    Exchange.objects.filter(slug__startswith=PREFIX).delete()
    alibaba = CloudVendor.objects.get(slug="alibaba-cloud")
    exchanges = Exchange.objects.bulk_create(
        Exchange(name=f"Bench latency {n}", slug=f"{PREFIX}{n}") for n in range(size)
    )
    exchanges = list(Exchange.objects.filter(slug__startswith=PREFIX))
    Allocation.objects.bulk_create(
        Allocation(
            exchange=exchange,
            vendor=alibaba,
            share_percent=60,
            # In Tokyo: an outage in Hong Kong concerns only the exchanges it names (the others'
            # region is known and elsewhere), so each signal changes one score.
            region="Tokyo",
            region_code="ap-northeast-1",
            evidence_source="generated",
            confidence=10,
            observed_on=datetime.date(2025, 1, 1),
        )
        for exchange in exchanges
    )
    with override_settings(CRM_HOME_VENDOR=HOME_VENDOR):  # the vendor the worker and the server run with
        scores_rescore(exchange_ids=[exchange.pk for exchange in exchanges])
    user, _ = get_user_model().objects.get_or_create(username="bench.latency")
    Rep.objects.get_or_create(user=user, defaults={"role": RepRole.MANAGER})
    WebhookSubscription.objects.filter(owner=user).delete()
    WebhookSubscription.objects.create(
        owner=user,
        name="bench latency",
        target_url=receiver_url,
        secret="bench-" + "s" * 32,
        events=[WebhookEvent.GRADE_CHANGED],
    )
    token = api_token_create(user=user, name=f"bench {datetime.datetime.now().isoformat()}", access=TokenAccess.WRITE)
    setup.token = token.key
    return {
        "exchanges": len(exchanges),
        "scores": Score.objects.filter(exchange__slug__startswith=PREFIX).count(),
        "subscriptions": WebhookSubscription.objects.filter(owner=user).count(),
    }


class Receiver(ThreadingHTTPServer):
    """A webhook receiver on loopback: when each exchange's delivery arrived (monotonic clock)."""

    daemon_threads = True

    def __init__(self) -> None:
        self.arrived: dict[str, list[float]] = {}
        self.condition = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.monotonic()
                self.send_response(204)
                self.end_headers()
                slug = _find_exchange(json.loads(body or b"{}"))
                with receiver.condition:
                    receiver.arrived.setdefault(slug, []).append(now)
                    receiver.condition.notify_all()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", RECEIVER_PORT), Handler)

    def wait_for(self, slug: str, *, after: float, timeout: float) -> float | None:
        """The first delivery for the exchange that arrived after `after`, waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                arrived = [moment for moment in self.arrived.get(slug, []) if moment > after]
                if arrived:
                    return arrived[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.condition.wait(left)


def _find_exchange(document) -> str:
    if isinstance(document, dict):
        if isinstance(document.get("exchange"), str):
            return document["exchange"]
        for value in document.values():
            found = _find_exchange(value)
            if found:
                return found
    return ""


def _environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CRM_HOME_VENDOR": HOME_VENDOR,
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "API_THROTTLE_RATE": "100000000/minute",
        "LOG_LEVEL": "WARNING",
        "CRM_IGNORE_DOTENV": "1",
    }


def start(url: str) -> tuple[subprocess.Popen, subprocess.Popen]:
    import redis

    redis.Redis.from_url(REDIS_URL).delete("celery", "unacked", "unacked_index")
    environment = _environment(url)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "--loglevel=WARNING"],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "crm.wsgi:application", "-b", f"127.0.0.1:{PORT}"),
            *("-w", "2", "-k", "gthread", "--threads", "2", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    try:
        _wait_until_up(environment)
    except BaseException:
        stop(worker, server)
        raise
    return worker, server


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signals.SIGTERM)
    for process in processes:
        process.wait(timeout=30)


def _wait_until_up(environment: dict[str, str]) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        raise RuntimeError("gunicorn did not start")
    # A ping is a broadcast: a worker still starting (not yet listening) never sees it, so ask again.
    for _ in range(10):
        ping = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "crm", "inspect", "ping", "--timeout", "3"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if ping.returncode == 0:
            return
    raise RuntimeError(f"the Celery worker did not answer: {ping.stdout}{ping.stderr}")


def call(method: str, path: str, key: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def score_of(slug: str, key: str) -> int | None:
    summary = call("GET", f"/api/v1/exchanges/{slug}/", key).get("score")
    return None if summary is None else summary["score"]


def percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return (
        f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms "
        f"(p95 / {TARGET_SECONDS:.0f} s target = {p95 / TARGET_SECONDS:.2f}: "
        f"{'met' if p95 < TARGET_SECONDS else 'not met'})"
    )


def main() -> None:
    os.environ["CRM_HOME_VENDOR"] = HOME_VENDOR  # this process's settings, as the worker's and the server's
    url = setup_django("postgres://postgres@127.0.0.1:5432/bench_latency")
    print(f"   machine: {machine()}; load average before: {load_average()}", flush=True)
    counts = setup(SIGNALS)
    key = setup.token
    print(f"   data: {counts['exchanges']} exchanges on Alibaba Cloud (60%), scored; broker and cache {REDIS_URL}")
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    worker, server = start(url)
    to_api, to_hook, floors, missed = [], [], [], 0
    try:
        for n in range(SIGNALS):
            slug = f"{PREFIX}{n}"
            before = score_of(slug, key)
            occurred = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)).isoformat()
            started = time.monotonic()
            call(
                "POST",
                "/api/v1/signals/",
                key,
                {
                    "kind": "outage",
                    "title": f"Alibaba Cloud Hong Kong zone C outage {n}",
                    "occurred_at": occurred,
                    "exchanges": [slug],
                    "vendor": "alibaba-cloud",
                    "vendor_region": "Hong Kong",
                    "severity": 5,
                    "source_note": SOURCE_NOTE,
                },
            )
            score = score_of(slug, key)
            floors.append(time.monotonic() - started)
            while score == before and time.monotonic() - started < TIMEOUT_SECONDS:
                time.sleep(POLL_SECONDS)
                score = score_of(slug, key)
            if score == before:
                missed += 1
                continue
            to_api.append(time.monotonic() - started)
            arrived = receiver.wait_for(slug, after=started, timeout=TIMEOUT_SECONDS - (time.monotonic() - started))
            if arrived is None:
                missed += 1
            else:
                to_hook.append(arrived - started)
    finally:
        stop(server, worker)
        receiver.shutdown()
    floor = statistics.median(floors)
    print(f"   {SIGNALS} signals, one at a time ({missed} not seen within {TIMEOUT_SECONDS:.0f} s)")
    print(f"   floor, recording the signal and reading the exchange once: p50 {floor * 1000:.0f} ms")
    print(f"   score visible in the API: {percentiles(to_api)}; p50 / floor = {statistics.median(to_api) / floor:.1f}")
    print(f"   webhook received: {percentiles(to_hook)}; p50 / floor = {statistics.median(to_hook) / floor:.1f}")
    print(f"   load average after: {load_average()}", flush=True)
