"""API benchmark: the `leads` list (page of 100, filtered) under wrk against gunicorn on loopback, with
token authentication and the visibility rule on, and the change feed's catch-up throughput.

    python -m bench api      (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench_api;
                              BENCH_REDIS_URL: the server's cache, for tokens and throttling, as in production)

Sets up 100,000 scored exchanges and 100,000 score changes (once; reused on later runs). Besides the
targets, it measures the ceiling of the same stack in the same run: /healthz (one `SELECT 1`, no
authentication, no DRF) under the same load, so a figure can be read against what gunicorn, wrk and
PostgreSQL can do at all on this machine. CPU-bound: run it on an idle machine (the load average is
printed before and after)."""

import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.common import copy_instances, load_average, machine, setup_django

EXCHANGES = 100_000
PORT = int(os.environ.get("BENCH_API_PORT", "8765"))
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "2"))
# Threaded workers keep connections alive between requests (sync workers close each one, so every
# request pays a TCP handshake); one thread per worker, since a second one only contends for the GIL.
WORKER_CLASS = os.environ.get("BENCH_API_WORKER_CLASS", "gthread")
THREADS = int(os.environ.get("BENCH_API_THREADS", "1"))
DURATION = os.environ.get("BENCH_API_DURATION", "15s")
# Clients waiting at once. Latency = connections / throughput (Little's law), so at the 400 req/s target
# 8 connections mean 20 ms on average and p95 < 20 ms cannot hold; 4 (two per worker, as the reference
# measurement of a plain DRF list implies: 840 req/s at p99 7 ms) keep each worker busy while one
# request waits for PostgreSQL and the next is read.
CONNECTIONS = int(os.environ.get("BENCH_API_CONNECTIONS", "4"))
FEED_PAGE = 5000
ROOT = Path(__file__).resolve().parent.parent


def populate(count: int = EXCHANGES) -> None:
    """Build the data from an empty database (reused when a previous run left it): `count` exchanges
    headquartered in five jurisdictions, each with a score and one score change, written through
    the models (bench.common.copy_instances), so the set-up follows the schema."""
    import datetime as dt

    from crm.models import Exchange, Jurisdiction
    from leads.models import Score, ScoreChange

    if ScoreChange.objects.filter(exchange__slug__startswith="bench-").count() >= count:
        print(f"   data: {count:,} scored exchanges already present", flush=True)
        return
    print(f"   data: creating {count:,} exchanges, scores and score changes ...", flush=True)
    started = time.perf_counter()
    ScoreChange.objects.filter(exchange__slug__startswith="bench-").delete()
    Score.objects.filter(exchange__slug__startswith="bench-").delete()
    Exchange.objects.filter(slug__startswith="bench-").delete()
    headquarters = list(Jurisdiction.objects.order_by("id").values_list("pk", flat=True)[:5])
    tiers = ["small", "mid", "large", "unknown"]
    copy_instances(
        Exchange,
        (
            Exchange(
                name=f"Bench {n}",
                slug=f"bench-{n}",
                headquarters_id=headquarters[n % len(headquarters)],
                size_tier=tiers[n % 4],
                size_tier_by_hand=tiers[n % 4],
            )
            for n in range(1, count + 1)
        ),
    )
    now = dt.datetime.now(dt.UTC)
    factors = [{"code": "size", "points": 20, "sentence": "Mid-size exchange", "references": []}]
    ids = list(Exchange.objects.filter(slug__startswith="bench-").order_by("pk").values_list("pk", flat=True))

    def grade(score: int) -> str:
        return "A" if score >= 70 else "B" if score >= 50 else "C" if score >= 30 else "D"

    copy_instances(
        Score,
        (
            Score(
                exchange_id=pk,
                score=pk * 7919 % 101,
                grade=grade(pk * 7919 % 101),
                factors=factors,
                model_version=1,
                is_defend=pk % 10 == 0,
                as_of=now,
                computed_at=now,
            )
            for pk in ids
        ),
    )
    copy_instances(
        ScoreChange,
        (
            ScoreChange(
                exchange_id=pk,
                new_score=pk * 7919 % 101,
                new_grade=grade(pk * 7919 % 101),
                new_factors=factors,
                is_defend=pk % 10 == 0,
                model_version=1,
                cause="manual",
                as_of=now,
                created_at=now,
            )
            for pk in ids
        ),
    )
    print(f"   data: done in {time.perf_counter() - started:.1f} s", flush=True)


def setup(size: int) -> dict[str, int]:
    """The set-up from an empty database at `size` exchanges (the test of every benchmark's set-up runs it small)."""
    from leads.models import Score, ScoreChange

    populate(size)
    identities()
    return {
        "scores": Score.objects.filter(exchange__slug__startswith="bench-").count(),
        "changes": ScoreChange.objects.filter(exchange__slug__startswith="bench-").count(),
    }


def settle() -> None:
    """VACUUM ANALYZE, as autovacuum would have done on a live database: fresh statistics for the
    planner, and a visibility map so index scans skip the heap where they can."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("crm_exchange", "crm_presence", "leads_score", "leads_scorechange", "crm_apitoken"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def identities() -> tuple[str, str]:
    """A read-only token of a rep covering two of the five headquarters jurisdictions, and of a manager."""
    from django.contrib.auth import get_user_model

    from crm.choices import RepRole, TokenAccess
    from crm.models import Jurisdiction, Rep
    from crm.services import api_token_create

    users = get_user_model().objects
    rep_user, _ = users.get_or_create(username="bench.rep")
    rep, _ = Rep.objects.get_or_create(user=rep_user, defaults={"role": RepRole.REP})
    rep.territories.set(Jurisdiction.objects.order_by("id")[:2])
    manager_user, _ = users.get_or_create(username="bench.manager")
    Rep.objects.get_or_create(user=manager_user, defaults={"role": RepRole.MANAGER})
    stamp = datetime.datetime.now().isoformat()
    return (
        api_token_create(user=rep_user, name=f"bench {stamp}", access=TokenAccess.READ).key,
        api_token_create(user=manager_user, name=f"bench {stamp}", access=TokenAccess.READ).key,
    )


def serve(url: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "API_THROTTLE_RATE": "100000000/minute",  # the throttle runs; its budget is not the limit measured
        "LOG_LEVEL": "WARNING",
        "CRM_IGNORE_DOTENV": "1",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "crm.wsgi:application",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(WORKERS),
            "-k",
            WORKER_CLASS,
            "--threads",
            str(THREADS),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def get(path: str, key: str) -> bytes:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers={"Authorization": f"Token {key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_processes(server: subprocess.Popen) -> dict[str, list[int]]:
    """The gunicorn workers, and the PostgreSQL backends serving the benchmark database."""
    from django.db import connection

    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    return {"gunicorn": [int(pid) for pid in children], "postgres": backends}


def run_wrk(path: str, key: str = "", server: subprocess.Popen | None = None) -> dict:
    """wrk's latency percentiles and throughput; with the server given, also the CPU time its workers
    and their PostgreSQL backends spent per request (wrk itself, Redis and the rest left out)."""
    script = Path("/tmp/bench_api_latency.lua")
    script.write_text(
        "done = function(summary, latency, requests)\n"
        "  for _, p in pairs({50, 95, 99}) do\n"
        "    io.write(string.format('p%d %.3f\\n', p, latency:percentile(p) / 1000))\n"
        "  end\n"
        "end\n"
    )
    before = server_processes(server) if server else {}
    spent = {name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in before.items()}
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{DURATION}",
            "-s",
            str(script),
            *(["-H", f"Authorization: Token {key}"] if key else []),
            f"http://127.0.0.1:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = {name: float(value) for name, value in re.findall(r"^(p\d+) ([\d.]+)$", output, re.M)}
    figures["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["non_2xx"] = int(errors.group(1)) if errors else 0
    if server:
        requests = int(re.search(r"(\d+) requests in", output).group(1))
        after = server_processes(server)
        for name in ("gunicorn", "postgres"):
            pids = set(after[name]) | set(spent[name])
            used = sum(cpu_seconds(pid) - spent[name].get(pid, 0.0) for pid in pids)
            figures[f"cpu_{name}"] = used / requests * 1000
    return figures


def main() -> None:
    if shutil.which("wrk") is None:
        print("   wrk is not installed (apt-get install -y wrk); skipping")
        return
    url = setup_django("postgres://postgres@127.0.0.1:5432/bench_api")
    populate()
    settle()
    rep_key, manager_key = identities()
    cache = f"Redis ({os.environ['BENCH_REDIS_URL']})" if os.environ.get("BENCH_REDIS_URL") else "in-process"
    print(
        f"   machine: {machine()}; load average before: {load_average()}\n"
        f"   gunicorn {WORKERS} {WORKER_CLASS} workers x {THREADS} thread(s), keep-alive; cache {cache}; "
        f"wrk 2 threads x {CONNECTIONS} connections, {DURATION}",
        flush=True,
    )
    server = serve(url)
    try:
        ceiling = run_wrk("/healthz")
        print(
            f"   ceiling, /healthz (SELECT 1, no auth, no DRF): p50 {ceiling['p50']:.1f} ms, "
            f"p95 {ceiling['p95']:.1f} ms, {ceiling['rps']:.0f} req/s",
            flush=True,
        )
        leads = "/api/v1/leads/?page_size=100&min_score=40&size_tier=mid"
        rows = len(json.loads(get(leads, rep_key))["results"])
        get(leads, manager_key)
        measured = {}
        for who, key in (("rep (territory rule)", rep_key), ("manager", manager_key)):
            figures = measured[who] = run_wrk(leads, key, server)
            cpu = figures["cpu_gunicorn"] + figures["cpu_postgres"]
            print(
                f"   leads list, {rows} rows/page, as {who}: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
                f"p99 {figures['p99']:.1f} ms, {figures['rps']:.0f} req/s (non-2xx: {figures['non_2xx']}); "
                f"p95 / 20 ms target = {figures['p95'] / 20.0:.2f}, req/s / 400 target = {figures['rps'] / 400:.2f}, "
                f"req/s / ceiling = {figures['rps'] / ceiling['rps']:.2f}\n"
                f"      CPU per request: gunicorn {figures['cpu_gunicorn']:.2f} ms + PostgreSQL "
                f"{figures['cpu_postgres']:.2f} ms = {cpu:.2f} ms; {os.cpu_count()} idle cores would serve at most "
                f"{os.cpu_count() * 1000 / cpu:.0f} req/s (/ 400 target = {os.cpu_count() * 1000 / cpu / 400:.2f})",
                flush=True,
            )
        rep, manager = measured["rep (territory rule)"], measured["manager"]
        print(
            f"   rep / manager in the same run: p95 {rep['p95'] / manager['p95']:.2f}, "
            f"req/s {rep['rps'] / manager['rps']:.2f}; targets met (p95 < 20 ms, > 400 req/s): "
            + ", ".join(f"{who} {'yes' if f['p95'] < 20 and f['rps'] > 400 else 'no'}" for who, f in measured.items()),
            flush=True,
        )
        started, cursor, changes = time.perf_counter(), 0, 0
        while True:
            page = json.loads(get(f"/api/v1/score-changes/?cursor={cursor}&limit={FEED_PAGE}", manager_key))
            changes += len(page["results"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        elapsed = time.perf_counter() - started
        print(
            f"   change feed catch-up: {changes:,} changes in {elapsed:.2f} s = {changes / elapsed:,.0f} changes/s "
            f"(pages of {FEED_PAGE}); / 20,000 target = {changes / elapsed / 20000:.2f}",
            flush=True,
        )
        print(f"   load average after: {load_average()}", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
