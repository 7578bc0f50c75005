"""Lead scoring at scale on PostgreSQL: 100,000 generated exchanges with allocations and presences.

Measures the full rescore through the service path (fingerprint check, load facts, score, write
what changed, history) in one process and as the Celery chunk tasks run it on 2 worker processes,
its write step against one raw `UPDATE ... FROM (VALUES ...)` of the same rows (the physical
limit), and a rescore in which nothing changed."""

import dataclasses
import datetime
import os
import random
import time

from bench.common import copy_instances, load_average, machine, setup_django

EXCHANGES = int(os.environ.get("BENCH_SCORING_EXCHANGES", "100000"))
SLUG_PREFIX = "bench-score-"


def generate(count: int) -> None:
    """Replace the generated exchanges: 1-3 allocations and 1-2 presences each, fixed seed."""
    from django.db import connection

    from crm.models import Allocation, CloudVendor, Exchange, Jurisdiction, Presence
    from leads.models import Score, ScoreChange

    rng = random.Random(4)
    vendors = list(CloudVendor.objects.values_list("pk", flat=True))
    jurisdictions = list(Jurisdiction.objects.values_list("pk", flat=True))
    tiers = ["small", "mid", "large", "unknown"]
    statuses = ["licensed", "pending", "unlicensed", "unknown", "registered"]
    with connection.cursor() as cursor:
        # Its own database: TRUNCATE rather than DELETE, so rerunning does not measure the dead
        # rows of the previous run (a 100,000-row table had bloated to 1 GB).
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {ScoreChange._meta.db_table}, {Score._meta.db_table}")
        else:
            ScoreChange.objects.all().delete()
            Score.objects.all().delete()
        generated = "SELECT id FROM crm_exchange WHERE slug LIKE %s"
        for table in ("crm_allocation", "crm_presence", "crm_evidencechange"):
            cursor.execute(f"DELETE FROM {table} WHERE exchange_id IN ({generated})", [SLUG_PREFIX + "%"])
        cursor.execute("DELETE FROM crm_exchange WHERE slug LIKE %s", [SLUG_PREFIX + "%"])
    copy_instances(
        Exchange,
        (
            Exchange(
                name=f"Bench {n}",
                slug=f"{SLUG_PREFIX}{n}",
                size_tier=(tier := rng.choice(tiers)),
                size_tier_by_hand=tier,
                is_do_not_pursue=n % 97 == 0,
            )
            for n in range(count)
        ),
    )
    ids = list(Exchange.objects.filter(slug__startswith=SLUG_PREFIX).order_by("pk").values_list("pk", flat=True))

    def allocations():
        for exchange_id in ids:
            if rng.random() < 0.15:
                continue  # unknown allocation: research needed
            left = 100
            for vendor_id in rng.sample(vendors, rng.randint(1, 3)):
                share = rng.randint(0, left)
                left -= share
                yield Allocation(
                    exchange_id=exchange_id,
                    vendor_id=vendor_id,
                    share_percent=share,
                    evidence_source="generated",
                    confidence=10,
                    observed_on=datetime.date(2025, 1, 1),
                )

    def presences():
        for exchange_id in ids:
            for jurisdiction_id in rng.sample(jurisdictions, rng.randint(1, 2)):
                yield Presence(
                    exchange_id=exchange_id,
                    jurisdiction_id=jurisdiction_id,
                    licence_status=rng.choice(statuses),
                    source="generated",
                )

    copy_instances(Allocation, allocations())
    copy_instances(Presence, presences())
    assert Exchange.objects.filter(slug__startswith=SLUG_PREFIX).count() == count
    # What autovacuum would have done by the time a daily run comes: fresh statistics, no dead rows.
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in ("crm_exchange", "crm_allocation", "crm_presence", "leads_score", "leads_scorechange"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def setup(size: int) -> dict[str, int]:
    """The set-up from an empty database at `size` exchanges, then one first scoring of them all."""
    from crm.models import Exchange
    from leads.choices import ScoreCause
    from leads.models import Score
    from leads.services import scores_rescore

    generate(size)
    activate_model_version(1)
    scores_rescore(as_of=datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC), cause=ScoreCause.MANUAL)
    return {
        "exchanges": Exchange.objects.filter(slug__startswith=SLUG_PREFIX).count(),
        "scores": Score.objects.filter(exchange__slug__startswith=SLUG_PREFIX).count(),
    }


def activate_model_version(version: int) -> None:
    """Make `version` the active scoring model (created from v1 with the largest rival worth one
    more point per version), without queueing the rescore activation asks for: the bench runs it."""
    from django.db import transaction

    from leads.models import ScoringModel

    base = ScoringModel.objects.get(version=1).get_parameters().to_dict()
    with transaction.atomic():
        ScoringModel.objects.filter(is_active=True).update(is_active=False)
        ScoringModel.objects.update_or_create(
            version=version,
            defaults={
                "name": f"bench v{version}",
                "parameters": base | {"largest_rival_points": base["largest_rival_points"] + version - 1},
                "is_active": True,
            },
        )


class StepTimer:
    """Wrap the rescore's steps (fingerprint check, facts, write) to add up their time; the rest is
    scoring in Python (not wrapped: a timer around each of 100,000 calls would weigh on it)."""

    def __init__(self) -> None:
        from leads.services import scores

        self.module = scores
        self.seconds: dict[str, float] = {}
        self.originals = {}
        for name, label in (
            ("_stale", "fingerprint check"),
            ("load_facts", "load facts"),
            ("scores_write", "write (compare, upsert, history, under the lock)"),
        ):
            original = getattr(scores, name)
            self.originals[name] = original
            self.seconds[label] = 0.0
            setattr(scores, name, self._timed(original, label))

    def _timed(self, function, label):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started

        return timed

    def restore(self) -> None:
        for name, original in self.originals.items():
            setattr(self.module, name, original)


def _chunk_task(arguments: tuple[list[int], str, str]) -> tuple[int, int]:
    """One Celery chunk task's body (leads.rescore_exchanges), in a worker process."""
    from django.db import connection

    from leads.services import scores_rescore

    exchange_ids, cause, as_of = arguments
    summary = scores_rescore(exchange_ids=exchange_ids, cause=cause, as_of=datetime.datetime.fromisoformat(as_of))
    connection.close()
    return summary.examined, summary.created + summary.updated


def rescore_on_workers(*, as_of: datetime.datetime, cause: str, workers: int) -> tuple[int, int, float]:
    """What rescore_all_task does on a Celery pool of `workers` processes: split the ids into
    chunks of RESCORE_CHUNK_SIZE and run one chunk task each (the broker's ~0.7 ms a task left out)."""
    import multiprocessing

    from django.db import connection

    from crm.models import Exchange
    from leads.services import RESCORE_CHUNK_SIZE

    started = time.perf_counter()
    ids = list(Exchange.objects.order_by("pk").values_list("pk", flat=True))
    chunks = [
        (ids[n : n + RESCORE_CHUNK_SIZE], cause, as_of.isoformat()) for n in range(0, len(ids), RESCORE_CHUNK_SIZE)
    ]
    connection.close()  # the children open their own
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        done = pool.map(_chunk_task, chunks, chunksize=1)
    return sum(examined for examined, _ in done), sum(written for _, written in done), time.perf_counter() - started


def _update_rate(table: str, columns: dict[str, str]) -> tuple[float, int]:
    """Rows/s and rows of one UPDATE ... FROM (VALUES ...) of `table` setting each column to the expression
    given (read from the table itself, its text composed before the clock starts)."""
    import psycopg
    from django.db import connection, transaction

    names = list(columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT exchange_id, {', '.join(columns.values())} FROM {table}")
        rows = cursor.fetchall()
    client = psycopg.ClientCursor(connection.connection)
    casts = ", ".join("%s::jsonb" if name == "factors" else "%s" for name in names)
    values = ", ".join(client.mogrify(f"(%s, {casts})", row) for row in rows)
    statement = (
        f"UPDATE {table} t SET {', '.join(f'{name} = v.{name}' for name in names)} "
        f"FROM (VALUES {values}) AS v(exchange_id, {', '.join(names)}) WHERE t.exchange_id = v.exchange_id"
    )
    started = time.perf_counter()
    with transaction.atomic(), psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(statement.encode())
    return len(rows) / (time.perf_counter() - started), len(rows)


def raw_update_rate() -> tuple[float, int]:
    """The physical limit: every current score row rewritten (score, grade and factors) by one
    UPDATE ... FROM (VALUES ...), and how many rows that is."""
    return _update_rate("leads_score", {"score": "score", "grade": "grade", "factors": "factors::text"})


def narrow_update_rate(rows: int) -> float:
    """The floor for the table's shape: the same UPDATE ... FROM (VALUES ...) of score and grade on a
    narrow table of the same row count (id, score, grade; its primary key only), in the same run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_narrow")
        cursor.execute(
            "CREATE TABLE bench_narrow (exchange_id bigint PRIMARY KEY, score smallint NOT NULL, grade text NOT NULL)"
        )
        cursor.execute("INSERT INTO bench_narrow SELECT exchange_id, score, grade FROM leads_score")
        cursor.execute("ANALYZE bench_narrow")
    rate, _rows = _update_rate("bench_narrow", {"score": "100 - score", "grade": "grade"})
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_narrow")
    return rate


# Copies of the score table split the ways its design could be, to see where its shape's cost goes.
LAYOUTS = {
    "the score row without its factors (primary key, ranked index, fillfactor 70)": (
        "CREATE TABLE bench_layout WITH (fillfactor = 70) AS SELECT exchange_id, score, grade, model_version, "
        "is_defend, is_research_needed, as_of, computed_at, facts_fingerprint, factors_hash, is_time_dependent "
        "FROM leads_score; CREATE INDEX ON bench_layout (is_defend, score DESC, exchange_id)",
        {"score": "100 - score", "grade": "grade", "computed_at": "computed_at"},
    ),
    "the factors alone, as stored": (
        "CREATE TABLE bench_layout AS SELECT exchange_id, factors FROM leads_score",
        {"factors": "factors::text"},
    ),
    "the factors alone, without the English sentence and template (code, points, params, references)": (
        "CREATE TABLE bench_layout AS SELECT exchange_id, (SELECT coalesce(jsonb_agg(f - 'sentence' - 'message'), "
        "'[]') FROM jsonb_array_elements(factors) f) AS factors FROM leads_score",
        {"factors": "factors::text"},
    ),
}


def layout_rates() -> dict[str, float]:
    """The same UPDATE of each layout's copy of the score table (changed score, or factors rewritten)."""
    from django.db import connection

    rates = {}
    for label, (create, columns) in LAYOUTS.items():
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_layout")
            cursor.execute(create)
            cursor.execute("ALTER TABLE bench_layout ADD PRIMARY KEY (exchange_id)")
            cursor.execute("ANALYZE bench_layout")
        rates[label], _rows = _update_rate("bench_layout", columns)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_layout")
    return rates


def hot_updates() -> tuple[int, int]:
    """(updates, of which HOT) of the score table so far (pg_stat_user_tables; the statistics
    collector reports them within a moment of the commit)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'leads_score'")
        return cursor.fetchone()


def main() -> None:
    # Its own database: the bench deletes every score in it.
    setup_django("postgres://postgres@127.0.0.1:5432/bench_scoring")
    from django.db import connection, transaction

    from leads.choices import ScoreCause
    from leads.facts import load_facts
    from leads.models import ScoreChange
    from leads.scoring import score_exchange
    from leads.services import scores_rescore, scores_write
    from leads.services.scores import active_model

    print(f"machine: {machine()}; load average before: {load_average()}")
    started = time.perf_counter()
    generate(EXCHANGES)
    activate_model_version(1)
    print(f"generated {EXCHANGES} exchanges with allocations and presences in {time.perf_counter() - started:.1f} s")
    as_of = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)

    # 1. Every exchange scored for the first time, then a model change (every score changes),
    # end to end through the service: one process, chunks of RESCORE_CHUNK_SIZE, one transaction each.
    started = time.perf_counter()
    summary = scores_rescore(as_of=as_of, cause=ScoreCause.MANUAL)
    elapsed = time.perf_counter() - started
    print(
        f"first scoring (service path, 1 process): {summary.examined} exchanges, {summary.created} created with "
        f"history, {elapsed:.2f} s = {summary.examined / elapsed:,.0f} exchanges/s"
    )
    activate_model_version(2)
    spent = StepTimer()
    started = time.perf_counter()
    summary = scores_rescore(as_of=as_of, cause=ScoreCause.MODEL_CHANGE)
    end_to_end = time.perf_counter() - started
    spent.restore()
    full_rate = summary.examined / end_to_end
    print(
        f"full rescore after a model change (service path, 1 process): {summary.examined} exchanges, "
        f"{summary.updated} changed with history, {end_to_end:.2f} s = {summary.examined / end_to_end:,.0f} "
        "exchanges/s (target >= 50,000)"
    )
    print(
        "  where the time went: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in spent.seconds.items())
        + f", scoring in Python and the rest {end_to_end - sum(spent.seconds.values()):.2f} s"
    )
    activate_model_version(3)
    examined, written, elapsed = rescore_on_workers(as_of=as_of, cause=ScoreCause.MODEL_CHANGE, workers=2)
    print(
        f"full rescore after a model change (chunk tasks on 2 worker processes): {examined} exchanges, "
        f"{written} changed with history, {elapsed:.2f} s = {examined / elapsed:,.0f} exchanges/s"
    )

    # 2. The same again, phase by phase in one chunk, with every score changed (a later moment).
    version, parameters = active_model()
    later = as_of + datetime.timedelta(days=1)
    started = time.perf_counter()
    loaded = load_facts(exchange_ids=None, as_of=later)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    results = [score_exchange(f, parameters=parameters, home=loaded.home, as_of=later) for f in loaded.exchanges]
    score_s = time.perf_counter() - started
    # The write step and the raw UPDATE, alternately, twice each (the machine is shared: the best
    # of two keeps a neighbour's burst from deciding the ratio). Each write flips a flag on every
    # row (untimed), so it writes all of them and their history.
    flipped = [dataclasses.replace(r, is_research_needed=not r.is_research_needed) for r in results]
    write_rates, raw_rates, narrow_rates, history = [], [], [], 0
    updates_before = hot_updates()
    for attempt in range(2):
        before = ScoreChange.objects.count()
        started = time.perf_counter()
        written = scores_write(
            results=flipped if attempt % 2 == 0 else results,
            model_version=version,
            cause=ScoreCause.MANUAL,
            as_of=later,
        )
        write_s = time.perf_counter() - started
        history = ScoreChange.objects.count() - before
        write_rates.append(written.updated / write_s)
        raw_rate, raw_rows = raw_update_rate()
        raw_rates.append(raw_rate)
        narrow_rates.append(narrow_update_rate(raw_rows))
    updates_after = hot_updates()
    updates, hot = (after - before for after, before in zip(updates_after, updates_before, strict=True))
    count = len(results)
    print(
        f"  phases: load facts {load_s:.2f} s ({count / load_s:,.0f}/s), "
        f"score {score_s:.2f} s ({count / score_s:,.0f}/s), write step "
        + " / ".join(f"{rate:,.0f}" for rate in write_rates)
        + f" rows/s ({written.updated} scores and {history} history rows each time)"
    )
    print(
        f"physical limit: one raw UPDATE ... FROM (VALUES ...) of {raw_rows} scores: "
        + " / ".join(f"{rate:,.0f}" for rate in raw_rates)
        + f" rows/s; write step / raw, best of each = {max(write_rates) / max(raw_rates):.2f} (target >= 0.5)"
    )
    print(
        f"the table's shape: the same UPDATE on a narrow table (id, score, grade) of {raw_rows} rows: "
        + " / ".join(f"{rate:,.0f}" for rate in narrow_rates)
        + f" rows/s; narrow / score table, best of each = {max(narrow_rates) / max(raw_rates):.2f} (target <= 2); "
        f"HOT updates of the score table in these writes: {hot:,} of {updates:,} ({hot / max(updates, 1):.0%})"
    )

    narrow = narrow_update_rate(raw_rows)
    print(
        f"where the shape's cost goes (copies of the table, the same UPDATE; a narrow table {narrow:,.0f} rows/s): "
        + "; ".join(f"{label}: {rate:,.0f} rows/s ({narrow / rate:.2f}x)" for label, rate in layout_rates().items())
    )

    # 3. Nothing changed: same moment again (restore the flags first, untimed). The runs above left
    # several dead versions of every score row; a daily run comes after autovacuum has cleared them.
    scores_rescore(as_of=later, cause=ScoreCause.MANUAL)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leads_score")
    before = ScoreChange.objects.count()
    started = time.perf_counter()
    with transaction.atomic():
        unchanged = scores_rescore(as_of=later, cause=ScoreCause.MANUAL)
    elapsed = time.perf_counter() - started
    print(
        f"no-change rescore: {unchanged.examined} exchanges in {elapsed:.2f} s (target < 1 s), "
        f"{unchanged.skipped} skipped by their fingerprint, "
        f"{unchanged.created + unchanged.updated} scores and "
        f"{ScoreChange.objects.count() - before} history rows written"
    )
    narrow_ratio, write_ratio = max(narrow_rates) / max(raw_rates), max(write_rates) / max(raw_rates)

    def verdict(ok: bool) -> str:
        return "met" if ok else "not met"

    print(
        f"targets: score table's raw UPDATE within 2x of the narrow table's: {narrow_ratio:.2f}x, "
        f"{verdict(narrow_ratio <= 2)}; write step >= 0.5 of the raw UPDATE: {write_ratio:.2f}, "
        f"{verdict(write_ratio >= 0.5)}; full rescore >= 50,000/s: {full_rate:,.0f}/s "
        f"({full_rate / 50000:.2f} of it), {verdict(full_rate >= 50000)}; no-change rescore < 1 s: "
        f"{elapsed:.2f} s, {verdict(elapsed < 1)}; load average after: {load_average()}"
    )
