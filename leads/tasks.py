"""Celery tasks of the leads app: thin (ids in, call a service), acknowledged late, idempotent.

Every task retries a transient database error (a dropped connection, a failover: OperationalError,
InterfaceError) with exponential backoff and jitter, MAX_RETRIES times; rescore work also lives in
rows (crm.EvidenceChange, leads.RescoreChunk) that the relays on beat publish again, so a task that
gives up delays the work, never loses it."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from crm.models import EvidenceChange
from leads.choices import ScoreCause
from leads.services import evidence_changes_process, scores_rescore
from leads.services.rescore_runs import (
    RESCORE_CHUNK_TASK,
    rescore_chunk_failed,
    rescore_chunk_serve,
    rescore_chunks_relay,
    rescore_run_record,
)
from leads.services.scores import evidence_changes_dead_letter
from leads.services.scoring_models import home_vendor_rescore_if_changed

logger = logging.getLogger(__name__)

PROCESS_EVIDENCE_CHANGES = "leads.process_evidence_changes"
# Retries of a failing task (the evidence consumer then parks its work in a dead letter): a bounded
# number, so a poison row cannot loop through redelivery for ever.
MAX_RETRIES = 5
# The relay re-publishes evidence changes left unprocessed this long (the normal path serves
# them within a second of commit).
RELAY_AFTER = datetime.timedelta(minutes=1)
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)
# Retried after about 2, 4, 8, 16 and 32 s (each with jitter): a minute covers a restart or a failover.
RETRY_TRANSIENT = {
    "autoretry_for": TRANSIENT_DATABASE_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": MAX_RETRIES,
}
# A chunk of RESCORE_CHUNK_SIZE exchanges takes about 2 s: a minute is a wide margin, and a chunk
# that hangs is killed (its transaction rolled back, its row lock released) for the relay to redo.
RESCORE_CHUNK_TIME_LIMIT = 60


def _as_of(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


@shared_task(name=PROCESS_EVIDENCE_CHANGES, bind=True, acks_late=True, max_retries=MAX_RETRIES)
def process_evidence_changes_task(self) -> int:
    """Rescore the exchanges whose evidence changed, and mark those changes processed."""
    try:
        return evidence_changes_process().changes
    except (DatabaseError, InterfaceError) as error:
        if self.request.retries >= MAX_RETRIES:
            parked = evidence_changes_dead_letter(
                task_name=PROCESS_EVIDENCE_CHANGES, error=repr(error), attempts=self.request.retries + 1
            )
            logger.error("Parked %s exchanges' evidence changes in dead letters: %s", parked, error)
            return 0
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error


@shared_task(name="leads.relay_evidence_changes", acks_late=True, **RETRY_TRANSIENT)
def relay_evidence_changes_task() -> bool:
    """On beat: re-publish evidence changes nobody served (a lost message, a Redis restart)."""
    stale = EvidenceChange.objects.filter(processed_at__isnull=True, created_at__lt=timezone.now() - RELAY_AFTER)
    if not stale.exists():
        return False
    process_evidence_changes_task.delay()
    return True


@shared_task(
    name=RESCORE_CHUNK_TASK,
    acks_late=True,
    time_limit=RESCORE_CHUNK_TIME_LIMIT,
    soft_time_limit=RESCORE_CHUNK_TIME_LIMIT - 10,
    **RETRY_TRANSIENT,
)
def rescore_chunk_task(chunk_id: int) -> int:
    """Rescore one chunk of a rescore run and mark it done (nothing when it is done already)."""
    try:
        summary = rescore_chunk_serve(chunk_id=chunk_id)
    except TRANSIENT_DATABASE_ERRORS:
        raise  # retried with backoff
    except Exception as error:  # counted: the relay parks a chunk that keeps failing
        rescore_chunk_failed(chunk_id=chunk_id, error=error)
        raise
    return 0 if summary is None else summary.created + summary.updated


@shared_task(name="leads.relay_rescore_chunks", acks_late=True, **RETRY_TRANSIENT)
def relay_rescore_chunks_task() -> int:
    """On beat: publish again the rescore chunks nobody is serving; close finished runs."""
    return rescore_chunks_relay().published


@shared_task(name="leads.rescore_exchanges", acks_late=True, **RETRY_TRANSIENT)
def rescore_exchanges_task(exchange_ids: list[int], cause: str = ScoreCause.MANUAL, as_of: str | None = None) -> int:
    """Rescore some exchanges (an explicit request)."""
    summary = scores_rescore(exchange_ids=exchange_ids, cause=cause, as_of=_as_of(as_of))
    return summary.created + summary.updated


@shared_task(name="leads.rescore_all", acks_late=True, **RETRY_TRANSIENT)
def rescore_all_task(cause: str = ScoreCause.MANUAL, as_of: str | None = None) -> int:
    """Record a rescore run of every exchange (its chunks are published after commit); returns its size."""
    return rescore_run_record(cause=cause, as_of=_as_of(as_of)).exchanges


@shared_task(name="leads.decay_rescore", acks_late=True, **RETRY_TRANSIENT)
def decay_rescore_task() -> int:
    """Daily, on beat: incidents, meetings and AI interest fade, so every score is recomputed."""
    return rescore_run_record(cause=ScoreCause.DECAY).exchanges


@shared_task(name="leads.check_home_vendor", acks_late=True, **RETRY_TRANSIENT)
def check_home_vendor_task() -> bool:
    """On beat (and when a worker starts): rescore everything if CRM_HOME_VENDOR changed."""
    return home_vendor_rescore_if_changed() is not None


@worker_ready.connect
def _check_home_vendor_on_start(**_kwargs) -> None:
    # Queued rather than run here: the worker is not consuming yet, and the task's lock and
    # on-commit rescore are the same whoever calls it.
    check_home_vendor_task.delay()


TRAIN_WIN_MODEL = "leads.train_win_model"


@shared_task(name=TRAIN_WIN_MODEL, acks_late=True, **RETRY_TRANSIENT)
def train_win_model_task() -> dict:
    """Weekly on beat: train a new win-likelihood version (leads.pipeline_training). Too little history,
    or no scikit-learn, is logged with the counts and trains nothing."""
    from leads.pipeline_model import NotEnoughHistory, ScikitLearnMissing
    from leads.pipeline_training import win_model_train

    try:
        model = win_model_train()
    except (NotEnoughHistory, ScikitLearnMissing) as refused:
        logger.info("Win likelihood not trained: %s", refused)
        return {"trained": False, "reason": str(refused)}
    return {"trained": True, "version": model.version, "metrics": model.metrics}
