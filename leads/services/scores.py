"""Rescoring: load facts in bulk, score, write only what changed with its history, idempotently."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from crm.models import EvidenceChange, Exchange
from leads.choices import ScoreCause
from leads.facts import load_facts
from leads.models import DeadLetter, Score, ScoreChange, ScoringModel
from leads.parameters import ScoringParameters
from leads.scoring import ScoreResult, score_exchange

# Exchanges per transaction (and per Celery task in a rescore-all): the facts of 2,000 exchanges
# take a few MB, a chunk writes in well under a second, and at ~0.7 ms of queue overhead per
# task 50 tasks for 100,000 exchanges cost nothing; a killed chunk loses at most its own work.
RESCORE_CHUNK_SIZE = 2000
# Evidence changes claimed per transaction by the consumer.
EVIDENCE_BATCH_SIZE = 500
# Writers of scores serialise on this PostgreSQL advisory lock, so a history id is committed
# only after every smaller one: the change feed's cursor never skips a late commit.
SCORE_WRITE_LOCK = 4_242_001


@dataclass
class RescoreSummary:
    examined: int = 0
    created: int = 0
    updated: int = 0
    model_version: int | None = None
    grade_changes: dict[str, int] = field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        return self.examined - self.created - self.updated

    def add(self, other: RescoreSummary) -> None:
        self.examined += other.examined
        self.created += other.created
        self.updated += other.updated
        self.model_version = other.model_version or self.model_version
        for key, count in other.grade_changes.items():
            self.grade_changes[key] = self.grade_changes.get(key, 0) + count


def active_model() -> tuple[int, ScoringParameters]:
    model = ScoringModel.objects.filter(is_active=True).first()
    if model is None:
        raise ValidationError("No scoring model is active: activate one in the admin.")
    return model.version, model.get_parameters()


def _state(result: ScoreResult, version: int) -> tuple:
    return (result.score, result.grade, result.factors_json(), version, result.is_defend, result.is_research_needed)


def _existing(exchange_ids: list[int]) -> dict[int, tuple]:
    table = Score._meta.db_table
    columns = "exchange_id, score, grade, factors, model_version, is_defend, is_research_needed"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT {columns} FROM {table} WHERE exchange_id = ANY(%s)", [exchange_ids])
        else:
            found = []
            for start in range(0, len(exchange_ids), 900):
                part = exchange_ids[start : start + 900]
                cursor.execute(
                    f"SELECT {columns} FROM {table} WHERE exchange_id IN ({', '.join(['%s'] * len(part))})", part
                )
                found.extend(cursor.fetchall())
            return {row[0]: (row[1], row[2], json.loads(row[3]), row[4], bool(row[5]), bool(row[6])) for row in found}
        # Django keeps psycopg from decoding jsonb (JSONField decodes it), so it arrives as text.
        return {row[0]: (row[1], row[2], json.loads(row[3]), row[4], row[5], row[6]) for row in cursor.fetchall()}


def _insert_postgresql(changed: list[tuple], version: int, cause: str, as_of, now) -> None:
    """Two statements whatever the number of rows: the scores upserted and the history inserted
    from arrays (unnest), bound server-side. Composing a statement with one placeholder per value
    costs more in Python than PostgreSQL takes to run it."""
    import psycopg

    score_table, change_table = Score._meta.db_table, ScoreChange._meta.db_table
    ids, scores, grades, factors, defend, research = [], [], [], [], [], []
    old_scores, old_grades, old_factors = [], [], []
    for exchange_id, state, old in changed:
        ids.append(exchange_id)
        scores.append(state[0])
        grades.append(state[1])
        factors.append(json.dumps(state[2]))
        defend.append(state[4])
        research.append(state[5])
        old_scores.append(old[0] if old else None)
        old_grades.append(old[1] if old else "")
        old_factors.append(json.dumps(old[2]) if old else None)
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {score_table} (exchange_id, score, grade, factors, model_version, is_defend, "
            "is_research_needed, as_of, computed_at) "
            "SELECT u.exchange_id, u.score, u.grade, u.factors::jsonb, %s, u.is_defend, u.is_research_needed, %s, %s "
            "FROM unnest(%s::bigint[], %s::int[], %s::text[], %s::text[], %s::bool[], %s::bool[]) "
            "AS u(exchange_id, score, grade, factors, is_defend, is_research_needed) "
            "ON CONFLICT (exchange_id) DO UPDATE SET score = EXCLUDED.score, grade = EXCLUDED.grade, "
            "factors = EXCLUDED.factors, model_version = EXCLUDED.model_version, is_defend = EXCLUDED.is_defend, "
            "is_research_needed = EXCLUDED.is_research_needed, as_of = EXCLUDED.as_of, "
            "computed_at = EXCLUDED.computed_at",
            [version, as_of, now, ids, scores, grades, factors, defend, research],
        )
        cursor.execute(
            f"INSERT INTO {change_table} (exchange_id, old_score, new_score, old_grade, new_grade, old_factors, "
            "new_factors, is_defend, model_version, cause, as_of, created_at) "
            "SELECT u.exchange_id, u.old_score, u.new_score, u.old_grade, u.new_grade, u.old_factors::jsonb, "
            "u.new_factors::jsonb, u.is_defend, %s, %s, %s, %s "
            "FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::text[], %s::text[], %s::text[], %s::text[], "
            "%s::bool[]) AS u(exchange_id, old_score, new_score, old_grade, new_grade, old_factors, new_factors, "
            "is_defend) ORDER BY u.exchange_id",
            [version, cause, as_of, now, ids, old_scores, scores, old_grades, grades, old_factors, factors, defend],
        )


def _insert_portable(changed: list[tuple], version: int, cause: str, as_of, now) -> None:
    scores = [
        Score(
            exchange_id=exchange_id,
            score=state[0],
            grade=state[1],
            factors=state[2],
            model_version=version,
            is_defend=state[4],
            is_research_needed=state[5],
            as_of=as_of,
            computed_at=now,
        )
        for exchange_id, state, _old in changed
    ]
    Score.objects.bulk_create(
        scores,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["exchange"],
        update_fields=[
            "score",
            "grade",
            "factors",
            "model_version",
            "is_defend",
            "is_research_needed",
            "as_of",
            "computed_at",
        ],
    )
    ScoreChange.objects.bulk_create(
        [
            ScoreChange(
                exchange_id=exchange_id,
                old_score=old[0] if old else None,
                new_score=state[0],
                old_grade=old[1] if old else "",
                new_grade=state[1],
                old_factors=old[2] if old else None,
                new_factors=state[2],
                is_defend=state[4],
                model_version=version,
                cause=cause,
                as_of=as_of,
                created_at=now,
            )
            for exchange_id, state, old in changed
        ],
        batch_size=500,
    )


@transaction.atomic
def scores_write(
    *, results: Sequence[ScoreResult], model_version: int, cause: str, as_of: datetime.datetime
) -> RescoreSummary:
    """Write the scores that differ from the stored ones (score, grade, factors, flags or model
    version) and one history row per difference; identical results write nothing."""
    summary = RescoreSummary(examined=len(results), model_version=model_version)
    if not results:
        return summary
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCORE_WRITE_LOCK])
    # Read under the lock: a concurrent writer's rows are committed and seen, so a change is
    # recorded once even when two workers rescore the same exchange.
    existing = _existing([r.exchange_id for r in results])
    changed = []
    for result in results:
        state = _state(result, model_version)
        old = existing.get(result.exchange_id)
        if old == state:
            continue
        changed.append((result.exchange_id, state, old))
        if old is None:
            summary.created += 1
        else:
            summary.updated += 1
            if old[1] != state[1]:
                key = f"{old[1]}->{state[1]}"
                summary.grade_changes[key] = summary.grade_changes.get(key, 0) + 1
    if changed:
        now = timezone.now()
        if connection.vendor == "postgresql":
            _insert_postgresql(changed, model_version, cause, as_of, now)
        else:
            _insert_portable(changed, model_version, cause, as_of, now)
    return summary


def _rescore_chunk(
    exchange_ids: Sequence[int] | None,
    *,
    cause: str,
    as_of: datetime.datetime,
    version: int,
    parameters: ScoringParameters,
    id_range: tuple[int, int] | None = None,
) -> RescoreSummary:
    loaded = load_facts(exchange_ids=exchange_ids, id_range=id_range, as_of=as_of)
    home = loaded.home
    results = [score_exchange(f, parameters=parameters, home=home, as_of=as_of) for f in loaded.exchanges]
    return scores_write(results=results, model_version=version, cause=cause, as_of=as_of)


def scores_rescore(
    *,
    exchange_ids: Sequence[int] | None = None,
    cause: str = ScoreCause.MANUAL,
    as_of: datetime.datetime | None = None,
    chunk_size: int = RESCORE_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> RescoreSummary:
    """Rescore the given exchanges (None: all), one transaction per chunk: killing it half-way
    keeps the finished chunks, and a rerun finishes the rest without duplicating history."""
    as_of = as_of or timezone.now()
    if cause not in ScoreCause.values:
        raise ValidationError({"cause": f"{cause!r} is not one of {', '.join(ScoreCause.values)}"})
    version, parameters = active_model()
    everything = exchange_ids is None
    if everything:
        ids = list(Exchange.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(exchange_ids))
    summary = RescoreSummary(model_version=version)
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        with transaction.atomic():
            # All of them: a chunk is an id range, which the indexes serve better than a list.
            summary.add(
                _rescore_chunk(
                    None if everything else chunk,
                    id_range=(chunk[0], chunk[-1]) if everything else None,
                    cause=cause,
                    as_of=as_of,
                    version=version,
                    parameters=parameters,
                )
            )
        if progress:
            progress(min(start + chunk_size, len(ids)), len(ids))
    return summary


def exchange_explain(*, exchange_id: int, as_of: datetime.datetime | None = None) -> ScoreResult:
    """The score an exchange would get now (or as of a moment), without writing it: the API's 'explain'."""
    as_of = as_of or timezone.now()
    _version, parameters = active_model()
    loaded = load_facts(exchange_ids=[exchange_id], as_of=as_of)
    if not loaded.exchanges:
        raise Exchange.DoesNotExist(f"No exchange with id {exchange_id}.")
    return score_exchange(loaded.exchanges[0], parameters=parameters, home=loaded.home, as_of=as_of)


@dataclass
class EvidenceSummary:
    changes: int = 0
    exchanges: int = 0
    rescore: RescoreSummary = field(default_factory=RescoreSummary)


def evidence_changes_process(
    *, as_of: datetime.datetime | None = None, batch_size: int = EVIDENCE_BATCH_SIZE
) -> EvidenceSummary:
    """Consume pending evidence changes: rescore exactly their exchanges and mark them processed,
    in one transaction per batch. Workers running at once claim different rows (SKIP LOCKED)."""
    summary = EvidenceSummary()
    version, parameters = active_model()
    while True:
        with transaction.atomic():
            pending = EvidenceChange.objects.filter(processed_at__isnull=True).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                pending = pending.select_for_update(skip_locked=True)
            claimed = list(pending.values_list("pk", "exchange_id")[:batch_size])
            if not claimed:
                return summary
            exchange_ids = sorted({exchange_id for _pk, exchange_id in claimed})
            moment = as_of or timezone.now()
            summary.rescore.add(
                _rescore_chunk(
                    exchange_ids, cause=ScoreCause.EVIDENCE, as_of=moment, version=version, parameters=parameters
                )
            )
            EvidenceChange.objects.filter(pk__in=[pk for pk, _ in claimed]).update(processed_at=timezone.now())
            summary.changes += len(claimed)
            summary.exchanges += len(exchange_ids)
        if len(claimed) < batch_size:
            return summary


def evidence_changes_dead_letter(*, task_name: str, error: str, attempts: int) -> int:
    """After the retries are spent: rescore pending changes one exchange at a time, and park the
    ones that still fail in a dead letter (marked processed, so the relay stops re-driving them)."""
    parked = 0
    version, parameters = active_model()
    pending = list(
        EvidenceChange.objects.filter(processed_at__isnull=True).order_by("pk").values_list("pk", "exchange_id")
    )
    by_exchange: dict[int, list[int]] = {}
    for pk, exchange_id in pending:
        by_exchange.setdefault(exchange_id, []).append(pk)
    for exchange_id, change_ids in by_exchange.items():
        try:
            with transaction.atomic():
                _rescore_chunk(
                    [exchange_id],
                    cause=ScoreCause.EVIDENCE,
                    as_of=timezone.now(),
                    version=version,
                    parameters=parameters,
                )
                EvidenceChange.objects.filter(pk__in=change_ids).update(processed_at=timezone.now())
        except Exception as failure:  # park this exchange, keep going with the others
            with transaction.atomic():
                DeadLetter.objects.create(
                    task_name=task_name,
                    payload={"exchange_id": exchange_id, "evidence_change_ids": change_ids},
                    attempts=attempts,
                    error=f"{error}\n{type(failure).__name__}: {failure}",
                )
                EvidenceChange.objects.filter(pk__in=change_ids).update(processed_at=timezone.now())
            parked += 1
    return parked


@transaction.atomic
def scoring_model_create_version(
    *, parameters: dict, name: str = "", notes: str = "", created_by=None, activate: bool = False
) -> ScoringModel:
    """A new version with validated parameters; existing versions are never edited."""
    next_version = (ScoringModel.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    model = ScoringModel(version=next_version, name=name, notes=notes, parameters=parameters, created_by=created_by)
    model.full_clean()
    model.parameters = ScoringParameters.from_dict(parameters).to_dict()
    model.save()
    if activate:
        scoring_model_activate(scoring_model=model)
    return model


@transaction.atomic
def scoring_model_activate(*, scoring_model: ScoringModel) -> ScoringModel:
    """Make this version the active one and, after commit, rescore every exchange with it.
    History keeps the scores earlier versions produced."""
    from leads.tasks import rescore_all_task  # the task module imports this one

    locked = ScoringModel.objects.select_for_update().get(pk=scoring_model.pk)
    if locked.is_active:
        return locked
    ScoringModel.objects.filter(is_active=True).update(is_active=False)
    locked.is_active = True
    locked.activated_at = timezone.now()
    locked.save(update_fields=["is_active", "activated_at"])
    transaction.on_commit(lambda: rescore_all_task.delay(cause=ScoreCause.MODEL_CHANGE))
    return locked
