"""Badge-scan import: parse, match and write 1,000, 10,000 and 100,000 GENERATED rows against 10,000
GENERATED exchanges on PostgreSQL (with the follow-up list it builds), and show the number of SQL
queries does not depend on the number of rows; the memory it takes as the process's resident set.

Targets (issue 18): 10,000 rows under 5 s and 100,000 rows under 60 s, first import, on the 2-core CI
machine; each beside reading the CSV alone (the floor), in the same run."""

import os
import resource
import time

from bench.common import machine, setup_django

EXCHANGES = 10_000
ROWS = (1_000, 10_000, 100_000)
TARGET_SECONDS = {10_000: 5.0, 100_000: 60.0}


def rss_mib() -> float:
    """The process's resident set now, in MiB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    """The largest resident set the process has had so far, in MiB (getrusage reports KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def setup(count: int) -> dict[str, int]:
    """From an empty database: `count` GENERATED exchanges (replacing a previous run's)."""
    from django.db import transaction

    from crm.models import Exchange
    from intel.generated import generated_exchanges
    from intel.models import Event

    samples = generated_exchanges(count)
    with transaction.atomic():
        Exchange.objects.filter(slug__startswith="bench-").delete()
        Event.objects.filter(slug__startswith="bench-").delete()
        Exchange.objects.bulk_create(
            Exchange(name=sample.name, slug=f"bench-{index}", website=f"https://{sample.domain}")
            for index, sample in enumerate(samples)
        )
    return {"exchanges": Exchange.objects.filter(slug__startswith="bench-").count()}


def main() -> None:
    setup_django("postgres://postgres@127.0.0.1:5432/bench_import")
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from crm.models import Exchange
    from crm.services import jurisdiction_get_or_create
    from intel.generated import badge_scan_csv, generated_exchanges
    from intel.models import Event
    from intel.parsing import parse
    from intel.services import attendee_import
    from leads.services.followups import follow_ups_build_for_event

    print(f"   machine: {machine()}; database: {connection.vendor}; {load()} before")
    setup(EXCHANGES)
    samples = generated_exchanges(EXCHANGES)  # the same ones (fixed seed): the CSV names them
    japan = jurisdiction_get_or_create(code="JP")
    total = Exchange.objects.count()
    print(f"   {total} exchanges in the account book ({EXCHANGES} generated)")
    for rows in ROWS:
        data = badge_scan_csv(rows=rows, exchanges=samples, seed=rows)
        started = time.perf_counter()
        parse(data)
        parse_seconds = time.perf_counter() - started
        print(f"   {rows:>6} rows, reading the CSV alone (the floor): {parse_seconds:.2f} s")
        # Rolled back at the end: the rescoring the import asks for after commit is not measured here.
        with transaction.atomic():
            event = Event.objects.create(
                slug=f"bench-{rows}",
                name=f"Bench {rows}",
                city="Tokyo",
                country=japan,
                starts_on="2025-08-25",
                ends_on="2025-08-25",
                timezone="Asia/Tokyo",
            )
            event.refresh_from_db()  # its dates as dates
            for attempt in ("first import", "re-import"):
                before = rss_mib()
                with CaptureQueriesContext(connection) as queries:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    outcome = attendee_import(event=event, data=data, keep_valid=True)
                    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                print(
                    f"   {rows:>6} rows, {attempt:>12}: {seconds:6.2f} s ({cpu:.2f} s CPU here), "
                    f"{rows / seconds:8.0f} rows/s, "
                    f"{seconds / parse_seconds:5.1f}x the floor, {len(queries.captured_queries)} SQL queries; "
                    f"{outcome.created} created, {outcome.unchanged} unchanged, {outcome.matched} matched, "
                    f"{outcome.review} to review, {outcome.rejected} rejected; "
                    f"RSS {before:.0f} MiB before, {rss_mib():.0f} MiB after, peak so far {peak_rss_mib():.0f} MiB"
                )
                target = TARGET_SECONDS.get(rows)
                if target and attempt == "first import":
                    verdict = "met" if seconds < target else "NOT met"
                    print(f"   target {target:.0f} s for {rows} rows: {seconds / target:.2f} of the target, {verdict}")
            # Refreshing the list (the board's button) when nothing changed: every follow-up compared, none written.
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                listed = follow_ups_build_for_event(event=event)
                seconds = time.perf_counter() - started
            print(
                f"   {rows:>6} rows, list refresh (nothing changed): {seconds:6.2f} s, {listed} follow-ups, "
                f"{len(queries.captured_queries)} SQL queries"
            )
            transaction.set_rollback(True)
    with transaction.atomic():
        Event.objects.filter(slug__startswith="bench-").delete()
        Exchange.objects.filter(slug__startswith="bench-").delete()
    print(f"   peak RSS of the whole run {peak_rss_mib():.0f} MiB; {load()} after")
