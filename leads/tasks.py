"""Celery tasks of the leads app: thin (ids in, call a service), acknowledged late, idempotent."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError
from django.utils import timezone

from crm.models import EvidenceChange, Exchange
from leads.choices import ScoreCause
from leads.services import RESCORE_CHUNK_SIZE, evidence_changes_process, scores_rescore
from leads.services.scores import evidence_changes_dead_letter, home_vendor_rescore_if_changed

logger = logging.getLogger(__name__)

PROCESS_EVIDENCE_CHANGES = "leads.process_evidence_changes"
# Retries of a failing evidence consumer before its work is parked in a dead letter: a bounded
# number, so a poison row cannot loop through redelivery for ever.
MAX_RETRIES = 5
# The relay re-publishes evidence changes left unprocessed this long (the normal path serves
# them within a second of commit).
RELAY_AFTER = datetime.timedelta(minutes=1)


def _as_of(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


@shared_task(name=PROCESS_EVIDENCE_CHANGES, bind=True, acks_late=True, max_retries=MAX_RETRIES)
def process_evidence_changes_task(self) -> int:
    """Rescore the exchanges whose evidence changed, and mark those changes processed."""
    try:
        return evidence_changes_process().changes
    except DatabaseError as error:
        if self.request.retries >= MAX_RETRIES:
            parked = evidence_changes_dead_letter(
                task_name=PROCESS_EVIDENCE_CHANGES, error=repr(error), attempts=self.request.retries + 1
            )
            logger.error("Parked %s exchanges' evidence changes in dead letters: %s", parked, error)
            return 0
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error


@shared_task(name="leads.relay_evidence_changes", acks_late=True)
def relay_evidence_changes_task() -> bool:
    """On beat: re-publish evidence changes nobody served (a lost message, a Redis restart)."""
    stale = EvidenceChange.objects.filter(processed_at__isnull=True, created_at__lt=timezone.now() - RELAY_AFTER)
    if not stale.exists():
        return False
    process_evidence_changes_task.delay()
    return True


@shared_task(name="leads.rescore_exchanges", acks_late=True, max_retries=MAX_RETRIES)
def rescore_exchanges_task(exchange_ids: list[int], cause: str = ScoreCause.MANUAL, as_of: str | None = None) -> int:
    """Rescore some exchanges (a chunk of a rescore-all, or an explicit request)."""
    summary = scores_rescore(exchange_ids=exchange_ids, cause=cause, as_of=_as_of(as_of))
    return summary.created + summary.updated


@shared_task(name="leads.rescore_all", acks_late=True)
def rescore_all_task(cause: str = ScoreCause.MANUAL, as_of: str | None = None) -> int:
    """Split every exchange into chunks of RESCORE_CHUNK_SIZE and queue one task per chunk."""
    ids = list(Exchange.objects.order_by("pk").values_list("pk", flat=True))
    # The whole run scores as of one moment, so every chunk agrees on decay.
    moment = as_of or timezone.now().isoformat()
    for start in range(0, len(ids), RESCORE_CHUNK_SIZE):
        rescore_exchanges_task.delay(ids[start : start + RESCORE_CHUNK_SIZE], cause, moment)
    return len(ids)


@shared_task(name="leads.decay_rescore", acks_late=True)
def decay_rescore_task() -> int:
    """Daily, on beat: incidents, meetings and AI interest fade, so every score is recomputed."""
    return rescore_all_task(cause=ScoreCause.DECAY)


@shared_task(name="leads.check_home_vendor", acks_late=True)
def check_home_vendor_task() -> bool:
    """On beat (and when a worker starts): rescore everything if CRM_HOME_VENDOR changed."""
    return home_vendor_rescore_if_changed() is not None


@worker_ready.connect
def _check_home_vendor_on_start(**_kwargs) -> None:
    # Queued rather than run here: the worker is not consuming yet, and the task's lock and
    # on-commit rescore are the same whoever calls it.
    check_home_vendor_task.delay()
