"""Rescoring: load facts in bulk, score, write only what changed with its history, idempotently."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from crm.models import EvidenceChange, Exchange
from leads.choices import ScoreCause
from leads.facts import Fingerprint, fingerprint_sql, fingerprints, home_vendor, load_facts, run_salt
from leads.models import DeadLetter, RescoreChunk, RescoreRun, Score, ScoringModel
from leads.parameters import ScoringParameters
from leads.scoring import ScoreResult, score_exchange
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
# The relay publishes a rescore chunk again when nobody served it this long after its last
# publication and no chunk at all was done meanwhile (the workers are idle, not busy with a queue).
RESCORE_RELAY_AFTER = datetime.timedelta(seconds=60)
# Failed runs of a chunk before it is parked in a dead letter for a person to look at.
RESCORE_MAX_FAILURES = 5
# Each further publication of a chunk waits twice as long (1, 2, 4 ... 64 x RESCORE_RELAY_AFTER), so
# chunks waiting through a long outage of the workers do not pile up in the broker.
RESCORE_RELAY_BACKOFF_CAP = 6
RESCORE_CHUNK_TASK = "leads.rescore_chunk"


def rescore_chunk_size() -> int:
    """Exchanges per chunk of a rescore run (settings.RESCORE_CHUNK_SIZE, else RESCORE_CHUNK_SIZE)."""
    return int(getattr(settings, "RESCORE_CHUNK_SIZE", RESCORE_CHUNK_SIZE))


def rescore_relay_after() -> datetime.timedelta:
    seconds = getattr(settings, "RESCORE_RELAY_AFTER_SECONDS", None)
    return RESCORE_RELAY_AFTER if seconds is None else datetime.timedelta(seconds=seconds)


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
        model = scoring_model_activate(scoring_model=model)
    return model


@transaction.atomic
def scoring_model_activate(*, scoring_model: ScoringModel) -> ScoringModel:
    """Make this version the active one and record a rescore of every exchange with it (a run of
    chunks, published after commit: a broker that is down delays it, the relay publishes it again).
    History keeps the scores earlier versions produced."""
    locked = ScoringModel.objects.select_for_update().get(pk=scoring_model.pk)
    if locked.is_active:
        return locked
    ScoringModel.objects.filter(is_active=True).update(is_active=False)
    locked.is_active = True
    locked.activated_at = timezone.now()
    locked.scored_for_home_vendor = settings.CRM_HOME_VENDOR
    locked.save(update_fields=["is_active", "activated_at", "scored_for_home_vendor"])
    rescore_run_record(cause=ScoreCause.MODEL_CHANGE)
    return locked


@dataclass(frozen=True)
class HomeVendorChange:
    previous: str
    configured: str

    def __str__(self) -> str:
        before = self.previous or "an unrecorded vendor"
        return (
            f"CRM_HOME_VENDOR is now {self.configured!r}; the stored scores were computed for {before}: "
            "rescoring every exchange."
        )


def home_vendor_rescore_if_changed() -> HomeVendorChange | None:
    """When the configured home vendor differs from the one the active model's scores were computed
    for, record the new one and a rescore run of everything (cause "home_vendor") in the same
    transaction; the worker's start and the beat call it. The row lock makes one caller of several
    do it; a rescore whose home vendor did not really change skips every exchange on its fingerprint."""
    with transaction.atomic():
        model = ScoringModel.objects.select_for_update().filter(is_active=True).first()
        if model is None or model.scored_for_home_vendor == settings.CRM_HOME_VENDOR:
            return None
        change = HomeVendorChange(model.scored_for_home_vendor, settings.CRM_HOME_VENDOR)
        model.scored_for_home_vendor = settings.CRM_HOME_VENDOR
        model.save(update_fields=["scored_for_home_vendor"])
        rescore_run_record(cause=ScoreCause.HOME_VENDOR)
    logger.warning("%s", change)
    return change


def _skip_locked(queryset):
    """Rows another transaction holds are left to it (PostgreSQL); plain on SQLite, which has one writer."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


@transaction.atomic
def rescore_run_record(
    *, cause: str, as_of: datetime.datetime | None = None, chunk_size: int | None = None
) -> RescoreRun:
    """Record a rescore of every exchange (a run and its chunks of consecutive ids) in the caller's
    transaction; its chunks are published once that commits. Scoring happens in the chunks."""
    if cause not in ScoreCause.values:
        raise ValidationError({"cause": f"{cause!r} is not one of {', '.join(ScoreCause.values)}"})
    size = chunk_size or rescore_chunk_size()
    version, _parameters = active_model()
    ids = list(Exchange.objects.order_by("pk").values_list("pk", flat=True))
    run = RescoreRun.objects.create(
        cause=cause, as_of=as_of or timezone.now(), model_version=version, exchanges=len(ids)
    )
    RescoreChunk.objects.bulk_create(
        RescoreChunk(run=run, first_id=part[0], last_id=part[-1], exchanges=len(part))
        for part in (ids[start : start + size] for start in range(0, len(ids), size))
    )
    if ids:
        transaction.on_commit(lambda: rescore_chunks_publish(run_id=run.pk))
    else:
        run.finished_at = run.created_at
        run.save(update_fields=["finished_at"])
    return run


def rescore_chunks_publish(*, run_id: int | None = None, chunk_ids: Sequence[int] | None = None) -> int:
    """Hand chunks to the worker (a run's pending ones, or the given ones) and note when; returns how
    many were published. A broker that is down stops it: the relay publishes the rest later."""
    task = current_app.tasks[RESCORE_CHUNK_TASK]
    if chunk_ids is None:
        chunk_ids = list(
            RescoreChunk.objects.filter(run_id=run_id, done_at__isnull=True, parked_at__isnull=True)
            .order_by("first_id")
            .values_list("pk", flat=True)
        )
    published: list[int] = []
    try:
        for chunk_id in chunk_ids:
            task.delay(chunk_id)
            published.append(chunk_id)
    except (BrokerError, OSError):  # the broker is down: the relay publishes again
        logger.exception(
            "Could not publish %s of %s rescore chunks; the relay will retry.",
            len(chunk_ids) - len(published),
            len(chunk_ids),
        )
    finally:
        if published:
            RescoreChunk.objects.filter(pk__in=published).update(
                published_at=timezone.now(), publications=F("publications") + 1
            )
    return len(published)


def rescore_chunk_serve(*, chunk_id: int) -> RescoreSummary | None:
    """Claim a chunk and rescore its exchanges with the active model, as of its run's moment, and
    mark it done, all in one transaction: a second delivery finds it done (None), a delivery while
    another worker holds it leaves it to that worker (None), a crash leaves it pending."""
    with transaction.atomic():
        chunk = (
            _skip_locked(RescoreChunk.objects.filter(pk=chunk_id, done_at__isnull=True, parked_at__isnull=True))
            .select_related("run")
            .first()
        )
        if chunk is None:
            return None
        run = chunk.run
        version, parameters = active_model()
        exchange_ids = list(
            Exchange.objects.filter(pk__gte=chunk.first_id, pk__lte=chunk.last_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        summary = _rescore_chunk(exchange_ids, cause=run.cause, as_of=run.as_of, version=version, parameters=parameters)
        now = timezone.now()
        RescoreChunk.objects.filter(pk=chunk.pk).update(done_at=now)
        _rescore_runs_close(run_ids=[run.pk], now=now)
    return summary


def _rescore_runs_close(*, run_ids: Sequence[int] | None = None, now: datetime.datetime) -> int:
    """Mark finished the open runs none of whose chunks is pending."""
    open_runs = RescoreRun.objects.filter(finished_at__isnull=True)
    if run_ids is not None:
        open_runs = open_runs.filter(pk__in=run_ids)
    pending = RescoreChunk.objects.filter(run=OuterRef("pk"), done_at__isnull=True, parked_at__isnull=True)
    return open_runs.exclude(Exists(pending)).update(finished_at=now)


def rescore_runs_with_progress():
    """Rescore runs with their chunks counted: chunk_count and chunks_done."""
    return RescoreRun.objects.annotate(
        chunk_count=Count("chunks"), chunks_done=Count("chunks", filter=Q(chunks__done_at__isnull=False))
    )


@dataclass
class RelaySummary:
    published: int = 0
    parked: int = 0
    finished_runs: int = 0


def rescore_chunk_failed(*, chunk_id: int, error: BaseException) -> None:
    """Count a failed run of a chunk (not a transient database error: those are retried)."""
    RescoreChunk.objects.filter(pk=chunk_id).update(
        failures=F("failures") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
    )


def rescore_chunks_relay(*, now: datetime.datetime | None = None) -> RelaySummary:
    """On beat: publish again the chunks nobody is serving, i.e. pending, not held by a worker
    (SKIP LOCKED), and never published, or published over RESCORE_RELAY_AFTER ago (twice that after
    the second publication, and so on) while no chunk at all was done since: a Redis restart lost
    the queue, or a killed worker's message waits for the broker's visibility timeout. A chunk that
    failed RESCORE_MAX_FAILURES times is parked in a dead letter. Runs whose chunks are all served
    are marked finished."""
    now = now or timezone.now()
    after = rescore_relay_after()
    summary = RelaySummary()
    pending = RescoreChunk.objects.filter(done_at__isnull=True, parked_at__isnull=True)
    busy = RescoreChunk.objects.filter(done_at__gte=now - after).exists()
    unserved = Q(published_at__isnull=True) if busy else Q(published_at__isnull=True) | Q(published_at__lt=now - after)
    with transaction.atomic():
        claimed = list(
            _skip_locked(pending.filter(unserved))
            .order_by("run_id", "first_id")
            .values_list("pk", "published_at", "publications", "failures")
        )
        spent = [pk for pk, _at, _publications, failures in claimed if failures >= RESCORE_MAX_FAILURES]
        for chunk in RescoreChunk.objects.filter(pk__in=spent):
            DeadLetter.objects.create(
                task_name=RESCORE_CHUNK_TASK,
                payload={
                    "chunk_id": chunk.pk,
                    "run_id": chunk.run_id,
                    "first_id": chunk.first_id,
                    "last_id": chunk.last_id,
                },
                attempts=chunk.failures,
                error=chunk.last_error,
            )
        RescoreChunk.objects.filter(pk__in=spent).update(parked_at=now)
        summary.parked = len(spent)
        summary.finished_runs = _rescore_runs_close(now=now)
    again = [
        pk
        for pk, published_at, publications, failures in claimed
        if failures < RESCORE_MAX_FAILURES
        and (
            published_at is None
            or published_at < now - after * 2 ** min(max(publications - 1, 0), RESCORE_RELAY_BACKOFF_CAP)
        )
    ]
    if again:
        summary.published = rescore_chunks_publish(chunk_ids=again)
        logger.warning("Published again %s rescore chunks nobody was serving.", summary.published)
    if spent:
        logger.error("Parked %s rescore chunks in dead letters after %s failures.", len(spent), RESCORE_MAX_FAILURES)
    return summary
