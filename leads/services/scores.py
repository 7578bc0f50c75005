"""Rescoring: load facts in bulk, score, write only what changed with its history, idempotently."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from crm.models import EvidenceChange, Exchange
from leads.choices import ScoreCause
from leads.facts import home_vendor, load_facts
from leads.fingerprints import Fingerprint, fingerprint_sql, fingerprints, run_salt
from leads.models import DeadLetter, Score, ScoringModel
from leads.parameters import ScoringParameters
from leads.scoring import ScoreResult, score_exchange
from leads.services.cadences import follow_ups_steps_from_references
from leads.services.followups import follow_ups_rescore_people
from leads.services.score_writes import SCORE_WRITE_LOCK, RescoreSummary, scores_write
from leads.webhooks.events import signals_recorded_emit

__all__ = ["SCORE_WRITE_LOCK", "RescoreSummary", "scores_write"]  # re-exported: callers import them from here

logger = logging.getLogger(__name__)

# Exchanges per transaction (and per Celery task in a rescore-all): the facts of 2,000 exchanges
# take a few MB, a chunk writes in well under a second, and at ~0.7 ms of queue overhead per
# task 50 tasks for 100,000 exchanges cost nothing; a killed chunk loses at most its own work.
RESCORE_CHUNK_SIZE = 2000
# Evidence changes claimed per transaction by the consumer.
EVIDENCE_BATCH_SIZE = 500


def active_model() -> tuple[int, ScoringParameters]:
    model = ScoringModel.objects.filter(is_active=True).first()
    if model is None:
        raise ValidationError("No scoring model is active: activate one in the admin.")
    return model.version, model.get_parameters()


def _stale(
    *, salt: str, as_of: datetime.datetime, exchange_ids: Sequence[int] | None = None
) -> tuple[int, dict[int, Fingerprint]]:
    """(exchanges examined, the fingerprints of those to compute): an exchange is skipped when its
    stored fingerprint matches and its score does not depend on the moment or was stored for this
    same moment. On PostgreSQL one statement, which returns only the exchanges to compute."""
    if connection.vendor != "postgresql":
        found = fingerprints(salt=salt, exchange_ids=exchange_ids)
        scores = Score.objects.all() if exchange_ids is None else Score.objects.filter(exchange_id__in=list(found))
        stored = {
            pk: (digest, moment)
            for pk, digest, moment in scores.values_list("exchange_id", "facts_fingerprint", "as_of")
        }
        stale = {}
        for exchange_id, fingerprint in found.items():
            digest, moment = stored.get(exchange_id, ("", None))
            if digest != fingerprint.digest or (fingerprint.is_time_dependent and moment != as_of):
                stale[exchange_id] = fingerprint
        return len(found), stale
    sql, params = fingerprint_sql(salt=salt, exchange_ids=exchange_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH f AS MATERIALIZED ({sql}), stale AS (SELECT f.exchange_id, f.fingerprint, f.is_time_dependent "
            f"FROM f LEFT JOIN {Score._meta.db_table} s ON s.exchange_id = f.exchange_id WHERE s.id IS NULL "
            "OR s.facts_fingerprint <> f.fingerprint OR (f.is_time_dependent AND s.as_of <> %s)) "
            "SELECT (SELECT count(*) FROM f), array_agg(exchange_id), array_agg(fingerprint), "
            "array_agg(is_time_dependent) FROM stale",
            [*params, as_of],
        )
        examined, ids, digests, dated = cursor.fetchone()
    return examined, {
        pk: Fingerprint(digest, flag) for pk, digest, flag in zip(ids or (), digests or (), dated or (), strict=True)
    }


def _rescore_chunk(
    exchange_ids: Sequence[int] | None,
    *,
    cause: str,
    as_of: datetime.datetime,
    version: int,
    parameters: ScoringParameters,
    salt: str | None = None,
    stale: Mapping[int, Fingerprint] | None = None,
) -> RescoreSummary:
    """Rescore the given exchanges: those whose inputs are unchanged since their stored score are
    skipped (checked here, unless the caller passes the `stale` ones it checked already)."""
    if salt is None:
        salt = run_salt(home=home_vendor(), model_version=version, parameters=parameters.to_dict())
    if stale is None:
        examined, stale = _stale(salt=salt, as_of=as_of, exchange_ids=exchange_ids)
    else:
        examined = len(stale)
    summary = RescoreSummary(model_version=version)
    if stale:
        loaded = load_facts(exchange_ids=sorted(stale), as_of=as_of)
        home = loaded.home
        results = [score_exchange(f, parameters=parameters, home=home, as_of=as_of) for f in loaded.exchanges]
        summary = scores_write(results=results, model_version=version, cause=cause, as_of=as_of, fingerprints=stale)
        _size_tiers_store(results, loaded.stored_size_tiers)
        summary.people = follow_ups_rescore_people(
            exchange_scores={r.exchange_id: r.score for r in results}, parameters=parameters
        )
    # An exchange deleted since the check counts as examined and unchanged.
    summary.examined, summary.skipped = examined, examined - len(stale)
    return summary


def _size_tiers_store(results: Sequence[ScoreResult], stored: Mapping[int, str]) -> None:
    """Store the size tier each new score used on its exchange, where it moved, so lists, filters
    and exports read the same answer as the score (leads.scoring.size_in_effect owns it)."""
    moved: dict[str, list[int]] = {}
    for result in results:
        if stored.get(result.exchange_id, result.size_tier) != result.size_tier:
            moved.setdefault(result.size_tier, []).append(result.exchange_id)
    for tier, exchange_ids in moved.items():
        Exchange.objects.filter(pk__in=exchange_ids).update(size_tier=tier)


def scores_rescore(
    *,
    exchange_ids: Sequence[int] | None = None,
    cause: str = ScoreCause.MANUAL,
    as_of: datetime.datetime | None = None,
    chunk_size: int = RESCORE_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> RescoreSummary:
    """Rescore the given exchanges (None: all), one transaction per chunk: killing it half-way
    keeps the finished chunks, and a rerun finishes the rest without duplicating history.
    Exchanges whose inputs have not changed since their stored score are skipped without loading
    their facts (a fingerprint computed in the database); so are the whole run's unchanged ones."""
    as_of = as_of or timezone.now()
    if cause not in ScoreCause.values:
        raise ValidationError({"cause": f"{cause!r} is not one of {', '.join(ScoreCause.values)}"})
    version, parameters = active_model()
    salt = run_salt(home=home_vendor(), model_version=version, parameters=parameters.to_dict())
    summary = RescoreSummary(model_version=version)
    if exchange_ids is None:
        # One check for the whole book, then chunks of the exchanges to compute only. A fingerprint
        # is read before the facts it stands for: if evidence changes in between, the stored
        # fingerprint is the older one, and the next rescore computes the exchange again.
        examined, stale = _stale(salt=salt, as_of=as_of)
        summary.examined = summary.skipped = examined - len(stale)
        ids = sorted(stale)
        for start in range(0, len(ids), chunk_size):
            chunk = ids[start : start + chunk_size]
            with transaction.atomic():
                summary.add(
                    _rescore_chunk(
                        chunk,
                        cause=cause,
                        as_of=as_of,
                        version=version,
                        parameters=parameters,
                        salt=salt,
                        stale={pk: stale[pk] for pk in chunk},
                    )
                )
            if progress:
                progress(summary.examined, examined)
        if progress and not ids:
            progress(examined, examined)
        return summary
    ids = sorted(set(exchange_ids))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        with transaction.atomic():
            summary.add(
                _rescore_chunk(chunk, cause=cause, as_of=as_of, version=version, parameters=parameters, salt=salt)
            )
        if progress:
            progress(min(start + chunk_size, len(ids)), len(ids))
    return summary


def exchange_explain(
    *, exchange_id: int, as_of: datetime.datetime | None = None, model_version: int | None = None
) -> ScoreResult:
    """The score an exchange gets now (or as of a moment) with the active model (or a given version),
    without writing it: the API's 'explain' of the stored score or of any moment."""
    as_of = as_of or timezone.now()
    if model_version is None:
        _version, parameters = active_model()
    else:
        parameters = ScoringModel.objects.get(version=model_version).get_parameters()
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
            claimed = list(pending.values_list("pk", "exchange_id", "reference")[:batch_size])
            if not claimed:
                return summary
            exchange_ids = sorted({exchange_id for _pk, exchange_id, _reference in claimed})
            moment = as_of or timezone.now()
            # An activity logged any way (page, API, admin) does its follow-ups' cadence step, on the plan
            # they had when it happened (before the rescore it causes may change their grade).
            follow_ups_steps_from_references(references=[reference for _pk, _exchange_id, reference in claimed])
            summary.rescore.add(
                _rescore_chunk(
                    exchange_ids, cause=ScoreCause.EVIDENCE, as_of=moment, version=version, parameters=parameters
                )
            )
            signals_recorded_emit(references=[reference for _pk, _exchange_id, reference in claimed])
            EvidenceChange.objects.filter(pk__in=[pk for pk, _exchange_id, _reference in claimed]).update(
                processed_at=timezone.now()
            )
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
