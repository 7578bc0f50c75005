"""The run lock and the pause after an API limit, which a push and a pull share: one lease on the state
row (so it also works on SQLite and frees itself if a run dies), and the moment until which runs wait
after Salesforce refused a call for a limit."""

from __future__ import annotations

import datetime
import os
import socket
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from leads.salesforce.client import SalesforceLimitError
from leads.salesforce.conf import SalesforceSettings
from leads.salesforce.models import SyncRun, SyncState


@dataclass
class SyncOutcome:
    status: str
    message: str = ""
    run: SyncRun | None = None
    plan_lines: list[str] = field(default_factory=list)


def sync_state() -> SyncState:
    """The one row of the sync's state (cursors, lock, pause), created on first use."""
    try:
        state, _ = SyncState.objects.get_or_create(pk=1)
    except IntegrityError:  # created by a concurrent run between our read and insert
        state = SyncState.objects.get(pk=1)
    return state


def sync_lock_acquire(*, holder: str, now: datetime.datetime, seconds: int) -> bool:
    """Take the run lock unless another live run holds it (one conditional UPDATE: atomic)."""
    sync_state()
    taken = SyncState.objects.filter(Q(lock_expires_at__isnull=True) | Q(lock_expires_at__lt=now), pk=1).update(
        lock_holder=holder, lock_expires_at=now + datetime.timedelta(seconds=seconds)
    )
    return taken == 1


def sync_lock_renew(*, holder: str, seconds: int) -> None:
    SyncState.objects.filter(pk=1, lock_holder=holder).update(
        lock_expires_at=timezone.now() + datetime.timedelta(seconds=seconds)
    )


def sync_lock_release(*, holder: str) -> None:
    SyncState.objects.filter(pk=1, lock_holder=holder).update(lock_holder="", lock_expires_at=None)


def limit_pause_seconds(error: SalesforceLimitError, config: SalesforceSettings) -> int:
    """How long the sync waits after an API limit: the rolling 24-hour window needs the long
    cooldown when the daily budget (as the org's Sforce-Limit-Info said) is spent or at our share;
    a refusal far below it (concurrent long-running requests) passes in seconds."""
    return config.limit_cooldown_seconds if error.is_daily_budget else config.limit_short_cooldown_seconds


def pause_words(error: SalesforceLimitError, pause: int, resume_after: datetime.datetime) -> str:
    when = f"{pause // 60} minutes" if pause >= 120 else f"{pause} seconds"
    why = (
        ""
        if error.is_daily_budget or error.usage is None
        else (f" (the org has used only {error.usage.used} of {error.usage.limit} daily calls: a short limit)")
    )
    return f"Next run in {when}, at {resume_after:%H:%M:%S} UTC{why}."


def run_begin(
    *, now: datetime.datetime, force: bool, config: SalesforceSettings, waiting: str, locked: str, kind: str = ""
) -> tuple[str, SyncOutcome | None]:
    """What a push and a pull do before they start: wait out a pause after an API limit (`force` ends
    it), then take the lock. Returns the lock's holder, or the outcome saying why the run did not start."""
    state = sync_state()
    if state.resume_after and state.resume_after > now:
        if not force:
            return "", SyncOutcome(
                status="waiting",
                message=f"Paused after an API limit until {state.resume_after:%H:%M:%S} UTC; {waiting}",
            )
        SyncState.objects.filter(pk=1).update(resume_after=None)
    holder = f"{socket.gethostname()}:{os.getpid()}:{now.timestamp()}{kind}"
    if not sync_lock_acquire(holder=holder, now=now, seconds=config.lock_seconds):
        return "", SyncOutcome(status="locked", message=locked)
    return holder, None
