"""Pages at the size the people axis grows to: 10,000 exchanges, 1,000,000 attendees over 100 events,
200,000 contacts and 100,000 follow-ups (GENERATED, written with COPY), then the server time (the
request handled in process, as gunicorn would call it) and the SQL queries of Today, Leads, an
exchange page, the follow-up board, the review queue and the API list of follow-ups, each beside
/healthz measured in the same run.

    python -m bench pages   (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench_pages;
                             BENCH_PAGES_EXCHANGES, default 10000: the rest scales with it)

Target: p95 under 100 ms each; the number of queries does not depend on the size (tests/bench)."""

import datetime
import gc
import os
import statistics
import time

from bench.common import copy_instances, load_average, machine, setup_django

EXCHANGES = int(os.environ.get("BENCH_PAGES_EXCHANGES", "10000"))
REQUESTS = int(os.environ.get("BENCH_PAGES_REQUESTS", "20"))
TARGET_MS = 100.0
PREFIX = "bench-pages-"
# Per exchange, the full size's proportions: 100 attendees, 20 contacts, 10 follow-ups; 100 exchanges an event.
ATTENDEES, CONTACTS, FOLLOW_UPS, EXCHANGES_PER_EVENT = 100, 20, 10, 100


def setup(size: int) -> dict[str, int]:
    """From an empty database (or a previous run's, replaced): `size` exchanges, scored, and the
    people around them in the proportions above; a manager and a rep (two territories)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from crm.choices import RepRole
    from crm.models import Contact, Exchange, Jurisdiction, Rep
    from intel.models import Attendee, Event
    from leads.models import FollowUp, Score

    with connection.cursor() as cursor:
        for table, column in (
            ("leads_followup", "event_id IN (SELECT id FROM intel_event WHERE slug LIKE %s)"),
            ("intel_attendee", "event_id IN (SELECT id FROM intel_event WHERE slug LIKE %s)"),
            ("intel_event", "slug LIKE %s"),
            ("crm_contact", "exchange_id IN (SELECT id FROM crm_exchange WHERE slug LIKE %s)"),
            ("leads_scorechange", "exchange_id IN (SELECT id FROM crm_exchange WHERE slug LIKE %s)"),
            ("leads_score", "exchange_id IN (SELECT id FROM crm_exchange WHERE slug LIKE %s)"),
            ("crm_exchange", "slug LIKE %s"),
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {column}", [PREFIX + "%"])
    jurisdictions = list(Jurisdiction.objects.order_by("code")[:5])
    users = get_user_model().objects
    manager, _ = users.get_or_create(username="bench.pages.manager")
    Rep.objects.get_or_create(user=manager, defaults={"role": RepRole.MANAGER})
    rep_user, _ = users.get_or_create(username="bench.pages.rep")
    rep, _ = Rep.objects.get_or_create(user=rep_user, defaults={"role": RepRole.REP})
    rep.territories.set(jurisdictions[:2])
    tiers = ["small", "mid", "large", "unknown"]
    copy_instances(
        Exchange,
        (
            Exchange(
                name=f"GENERATED Exchange {n}",
                slug=f"{PREFIX}{n}",
                headquarters_id=jurisdictions[n % len(jurisdictions)].pk,
                size_tier=tiers[n % 4],
                size_tier_by_hand=tiers[n % 4],
            )
            for n in range(size)
        ),
    )
    ids = list(Exchange.objects.filter(slug__startswith=PREFIX).order_by("pk").values_list("pk", flat=True))
    now = datetime.datetime.now(datetime.UTC)
    factors = [{"code": "size", "points": 20, "sentence": "GENERATED: mid-size exchange", "references": []}]
    copy_instances(
        Score,
        (
            Score(
                exchange_id=pk,
                score=pk * 7919 % 101,
                grade="ABCD"[min(3, (100 - pk * 7919 % 101) // 25)],
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
        Contact,
        (
            Contact(exchange_id=pk, full_name=f"GENERATED Contact {pk}-{n}", email=f"c{n}@x{pk}.example.com")
            for pk in ids
            for n in range(CONTACTS)
        ),
    )
    events = max(2, size // EXCHANGES_PER_EVENT)
    today = now.date()
    copy_instances(
        Event,
        (
            Event(
                slug=f"{PREFIX}{n}",
                name=f"GENERATED Event {n}",
                city="Tokyo",
                country_id=jurisdictions[0].pk,
                starts_on=today - datetime.timedelta(days=events - n),
                ends_on=today - datetime.timedelta(days=events - n),
                timezone="Asia/Tokyo",
            )
            for n in range(events)
        ),
    )
    event_ids = list(Event.objects.filter(slug__startswith=PREFIX).order_by("pk").values_list("pk", flat=True))
    per_event = size * ATTENDEES // len(event_ids)

    def attendees():
        for index, event_id in enumerate(event_ids):
            for n in range(per_event):
                exchange_id = ids[(index * per_event + n) % len(ids)]
                status = "matched" if n % 10 < 8 else "review" if n % 10 == 8 else "unmatched"
                yield Attendee(
                    event_id=event_id,
                    full_name=f"GENERATED Person {index}-{n}",
                    company=f"GENERATED Exchange {exchange_id}",
                    email=f"p{n}@e{index}.example.com",
                    exchange_id=exchange_id if status == "matched" else None,
                    match_status=status,
                    match_method="email_domain" if status == "matched" else "none",
                    match_confidence=90 if status == "matched" else 40,
                    match_candidates=[{"exchange": exchange_id, "score": 80}] if status == "review" else [],
                    dedupe_key=f"p{n}@e{index}.example.com",
                )

    copy_instances(Attendee, attendees())
    # A follow-up for every tenth matched attendee, half to the rep, due a day after the event.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.event_id, e.ends_on FROM intel_attendee a JOIN intel_event e ON e.id = a.event_id "
            "WHERE e.slug LIKE %s AND a.match_status = 'matched' ORDER BY a.id",
            [PREFIX + "%"],
        )
        matched = cursor.fetchall()
    wanted = size * FOLLOW_UPS
    step = max(1, len(matched) // wanted)
    chosen = matched[::step][:wanted]
    statuses = ["to_do", "contacted", "meeting_booked", "not_a_fit"]
    copy_instances(
        FollowUp,
        (
            FollowUp(
                attendee_id=attendee_id,
                event_id=event_id,
                assignee_id=rep_user.pk if n % 2 else manager.pk,
                assignment_method="round_robin",
                status=statuses[n % 4],
                due_at=datetime.datetime.combine(ends_on, datetime.time(9), tzinfo=datetime.UTC)
                + datetime.timedelta(days=1),
                person_score=n % 100,
            )
            for n, (attendee_id, event_id, ends_on) in enumerate(chosen)
        ),
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for table in (
                "crm_exchange",
                "crm_contact",
                "intel_event",
                "intel_attendee",
                "leads_followup",
                "leads_score",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
    return {
        "exchanges": len(ids),
        "events": len(event_ids),
        "attendees": Attendee.objects.filter(event_id__in=event_ids).count(),
        "contacts": Contact.objects.filter(exchange__slug__startswith=PREFIX).count(),
        "follow_ups": FollowUp.objects.filter(event_id__in=event_ids).count(),
    }


def pages() -> dict[str, str]:
    """The pages measured, by name: the latest event and the best-scored exchange both users see
    (headquartered in the rep's first territory)."""
    from crm.models import Jurisdiction
    from intel.models import Event
    from leads.models import Score

    event = Event.objects.filter(slug__startswith=PREFIX).order_by("-starts_on").first()
    exchange = (
        Score.objects.filter(
            exchange__slug__startswith=PREFIX, exchange__headquarters=Jurisdiction.objects.order_by("code").first()
        )
        .order_by("-score", "exchange_id")
        .first()
    )
    return {
        "/healthz (the floor)": "/healthz",
        "Today": "/",
        "Leads": "/leads/",
        "exchange page": f"/exchanges/{exchange.exchange.slug}/",
        "follow-up board": f"/events/{event.slug}/follow-ups/",
        "review queue": f"/events/{event.slug}/review/",
        "API follow-ups": "/api/v1/follow-ups/",
    }


def measure(client, path: str, requests: int) -> tuple[list[float], int, int]:
    """Server times (s) of `requests` requests after one warm-up, the queries of one, its status."""
    from django.db import connection

    client.get(path)
    sent = []

    def count(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = client.get(path).status_code
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - started)
    return times, len(sent), status


def query_counts(username: str) -> dict[str, int]:
    """The queries each page takes for a user (the tests compare them across sizes)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return {name: measure(client, path, 0)[1] for name, path in pages().items()}


def statuses(username: str) -> dict[str, int]:
    """The status each page answers a user (every one 200: the bench measures pages, not refusals)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return {name: client.get(path).status_code for name, path in pages().items()}


def main() -> None:
    setup_django("postgres://postgres@127.0.0.1:5432/bench_pages")
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"   machine: {machine()}; load average before: {load_average()}", flush=True)
    started = time.perf_counter()
    counts = setup(EXCHANGES)
    # Measured as a server's worker would serve them: what the process held before its first request
    # is frozen (crm.wsgi does the same when gunicorn loads the application), here with the set-up's
    # leftovers, which a server would not hold.
    gc.collect()
    gc.freeze()
    print(
        "   data (GENERATED): "
        + ", ".join(f"{value:,} {name.replace('_', '-')}" for name, value in counts.items())
        + f" in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    for who in ("bench.pages.manager", "bench.pages.rep"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=who))
        floor = None
        print(f"   as {who.rsplit('.', 1)[1]}: {REQUESTS} requests each, in process")
        for name, path in pages().items():
            times, queries, status = measure(client, path, REQUESTS)
            ordered = sorted(times)
            p50, p95 = statistics.median(ordered) * 1000, ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000
            floor = floor or p50
            verdict = (
                ""
                if floor == p50 and name.startswith("/healthz")
                else (
                    f"; p95 / {TARGET_MS:.0f} ms = {p95 / TARGET_MS:.2f} ({'met' if p95 < TARGET_MS else 'not met'}), "
                    f"p50 / floor = {p50 / floor:.0f}"
                )
            )
            print(f"     {name:22} {status} p50 {p50:7.1f} ms, p95 {p95:7.1f} ms, {queries:3} queries{verdict}")
    print(f"   load average after: {load_average()}", flush=True)
