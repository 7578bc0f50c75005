"""Rescore runs, the outbox of rescoring work: a run and its chunks are rows first (written in the
transaction that owes the work), published after commit, claimed with SKIP LOCKED, marked done in the
chunk's own transaction, and published again by the relay when nobody served them."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from crm.models import Exchange
from leads.choices import ScoreCause
from leads.models import DeadLetter, RescoreChunk, RescoreRun
from leads.services import scores
from leads.services.score_writes import RescoreSummary
from leads.services.scores import RESCORE_CHUNK_SIZE, active_model

logger = logging.getLogger(__name__)

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
        summary = scores._rescore_chunk(
            exchange_ids, cause=run.cause, as_of=run.as_of, version=version, parameters=parameters
        )
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
