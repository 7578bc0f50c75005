"""The win likelihood at scale: training on 100,000 closed opportunities and scoring 100,000 open ones
(features as of each opening, loaded from the database), against floors measured in the same run.

Training floor: fitting the same calibrated regression on the ready feature matrix (what any
training costs). Scoring floor: reading the 100,000 open opportunities' rows from the database, plus
writing the same 100,000 predictions again as a new version inside PostgreSQL (INSERT ... SELECT, its
foreign-key checks included). The set-up's own deferred checks are run before anything is timed.
Targets: training under 60 s, scoring under 5 s, on the 2-core CI machine. The data is GENERATED,
made up for the benchmark, and rolled back at the end."""

import datetime
import random
import time
from decimal import Decimal

from bench.common import machine, setup_django

CLOSED = 100_000
OPEN = 100_000
EXCHANGES = 5_000
TRAIN_TARGET_SECONDS = 60.0
SCORE_TARGET_SECONDS = 5.0
DATABASE = "postgres://postgres@127.0.0.1:5432/bench_pipeline"


def _populate(rng: random.Random, *, accounts: int = EXCHANGES, closed: int = CLOSED):
    from crm.choices import EvidenceSource
    from crm.models import Activity, Allocation, CloudVendor, Exchange
    from leads.models import Opportunity, ScoreChange

    start = datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC)
    exchanges = Exchange.objects.bulk_create(
        Exchange(name=f"Bench exchange {n} (GENERATED)", slug=f"generated-bench-{n}") for n in range(accounts)
    )
    vendors = list(CloudVendor.objects.order_by("pk"))
    allocations, activities, scores = [], [], []
    quality = {}
    for exchange in exchanges:
        quality[exchange.pk] = rng.random()
        allocations.append(
            Allocation(
                exchange=exchange,
                vendor=rng.choice(vendors),
                workload="all",
                share_percent=Decimal(rng.choice([30, 60, 90])),
                evidence_source=EvidenceSource.GENERATED,
                confidence=10,
                observed_on=datetime.date(2022, 1, 1),
            )
        )
        for _ in range(rng.randint(0, 12)):
            activities.append(
                Activity(
                    exchange=exchange,
                    kind="meeting",
                    occurred_at=start + datetime.timedelta(days=rng.randint(0, 1400)),
                    summary="[GENERATED] bench",
                )
            )
        scores.append(
            ScoreChange(
                exchange=exchange,
                new_score=int(10 + 80 * quality[exchange.pk]),
                new_grade="B",
                model_version=1,
                cause="evidence",
                as_of=start,
                created_at=start,
            )
        )
    Allocation.objects.bulk_create(allocations, batch_size=5000)
    Allocation.objects.update(created_at=start, updated_at=start)
    Activity.objects.bulk_create(activities, batch_size=5000)
    from django.db.models import F

    Activity.objects.update(created_at=F("occurred_at"))
    ScoreChange.objects.bulk_create(scores, batch_size=5000)
    rows = []
    for n in range(closed):
        exchange = rng.choice(exchanges)
        won = rng.random() < 0.3 + 0.4 * quality[exchange.pk]
        rows.append(
            Opportunity(
                exchange=exchange,
                name=f"GENERATED bench deal {n}",
                stage="closed_won" if won else "closed_lost",
                opened_at=start + datetime.timedelta(minutes=rng.randint(0, 1400 * 24 * 60)),
                workloads=["ai"] if rng.random() < 0.3 else ["trading_engine"],
                is_generated=True,
            )
        )
    Opportunity.objects.bulk_create(rows, batch_size=5000)
    return exchanges


def _open(rng: random.Random, exchanges, *, count: int = OPEN) -> None:
    from leads.models import Opportunity

    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    Opportunity.objects.bulk_create(
        (
            Opportunity(
                exchange=rng.choice(exchanges),
                name=f"GENERATED bench open deal {n}",
                stage="negotiation",
                opened_at=now - datetime.timedelta(minutes=rng.randint(0, 300 * 24 * 60)),
                workloads=["ai"],
                is_generated=True,
            )
            for n in range(count)
        ),
        batch_size=5000,
    )


def setup(size: int) -> dict[str, int]:
    """The set-up from an empty database: `size` GENERATED accounts with 10 closed opportunities each
    and `size` open ones (the run itself uses EXCHANGES, CLOSED and OPEN)."""
    from leads.models import Opportunity

    rng = random.Random(16)
    exchanges = _populate(rng, accounts=size, closed=10 * size)
    _open(rng, exchanges, count=size)
    closed = Opportunity.objects.filter(stage__in=["closed_won", "closed_lost"]).count()
    return {"exchanges": len(exchanges), "closed": closed, "open": Opportunity.objects.count() - closed}


def _check_constraints(connection) -> None:
    """Run the foreign-key checks PostgreSQL defers to the commit (the run rolls back at the end, so
    without this they would never be paid)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _write_floor(connection, model) -> float:
    """What writing the predictions costs the database alone: the rows just written copied, inside
    PostgreSQL, as a new version (the same table, indexes and checks; no row crosses to Python),
    timed, then undone."""
    from django.db import transaction

    from leads.models import WinModel, WinPrediction

    table = WinPrediction._meta.db_table
    columns = "opportunity_id, likelihood, contributions, features, as_of, predicted_at"
    undo = transaction.savepoint()
    again = WinModel.objects.create(version=model.version + 1, trained_at=model.trained_at)
    _check_constraints(connection)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (model_id, {columns}) SELECT %s, {columns} FROM {table} WHERE model_id = %s",
            [again.pk, model.pk],
        )
    _check_constraints(connection)
    elapsed = time.perf_counter() - started
    transaction.savepoint_rollback(undo)
    return elapsed


def main() -> None:
    setup_django(DATABASE)
    from django.db import connection, transaction

    from leads.models import Opportunity, WinPrediction
    from leads.pipeline_features import features_as_of_opening, opportunities_at
    from leads.pipeline_model import fit
    from leads.pipeline_training import win_model_train, win_predictions_refresh

    print(f"   machine: {machine()}; database: {connection.vendor}")
    rng = random.Random(16)
    with transaction.atomic():
        started = time.perf_counter()
        exchanges = _populate(rng)
        _check_constraints(connection)
        print(
            f"   GENERATED {CLOSED:,} closed opportunities on {EXCHANGES:,} accounts "
            f"in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        model = win_model_train()
        train = time.perf_counter() - started
        closed = Opportunity.objects.closed().order_by("opened_at", "pk")
        features = features_as_of_opening(opportunities_at(closed))
        won = set(closed.filter(stage="closed_won").values_list("pk", flat=True))
        vectors = [f.vector() for f in features]
        labels = [int(f.opportunity_id in won) for f in features]
        started = time.perf_counter()
        fit(vectors, labels)
        train_floor = time.perf_counter() - started
        print(
            f"   training on {CLOSED:,}: {train:.1f} s (AUC {model.metrics['auc']}); floor (one fit on the ready "
            f"matrix) {train_floor:.2f} s: {train / train_floor:.1f}x the floor; "
            f"{train / TRAIN_TARGET_SECONDS:.2f} of the {TRAIN_TARGET_SECONDS:.0f} s target "
            f"({'met' if train < TRAIN_TARGET_SECONDS else 'not met'})"
        )

        _open(rng, exchanges)
        # The set-up's own deferred checks (the keys of the 100,000 open deals just made) are paid
        # here, so that the scoring's time holds only the checks of the predictions it writes.
        _check_constraints(connection)
        sql, params = (
            Opportunity.objects.open()
            .values_list("pk", "exchange_id", "opened_at", "workloads")
            .query.sql_with_params()
        )
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        read_floor = time.perf_counter() - started
        started = time.perf_counter()
        written = win_predictions_refresh(model=model)
        _check_constraints(connection)
        score = time.perf_counter() - started
        assert written == len(rows) == OPEN == WinPrediction.objects.filter(model=model).count()
        write_floor = _write_floor(connection, model)
        floor = read_floor + write_floor
        print(
            f"   scoring {OPEN:,} open (features, likelihood, reasons, written and checked): {score:.1f} s; "
            f"floor (reading their rows with a plain cursor {read_floor:.2f} s, writing the same predictions "
            f"again {write_floor:.2f} s) "
            f"{floor:.2f} s: {score / floor:.1f}x the floor; {score / SCORE_TARGET_SECONDS:.2f} of the "
            f"{SCORE_TARGET_SECONDS:.0f} s target ({'met' if score < SCORE_TARGET_SECONDS else 'not met'})"
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
