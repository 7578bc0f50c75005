"""Recording signals and regulations, and telling the scorer which exchanges they concern."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.models import CloudVendor, Exchange, Jurisdiction, Presence
from crm.services import evidence_changed
from intel.choices import SignalKind
from intel.models import Regulation, Signal
from intel.queries import outage_affected_exchanges
from intel.signal_rules import signal_problems


def signal_validate(*, signal: Signal, exchange_count: int) -> None:
    """Raise a ValidationError naming each field a signal of its kind is missing."""
    problems = signal_problems(
        kind=signal.kind,
        title=signal.title or "",
        has_vendor=signal.vendor_id is not None,
        has_jurisdiction=signal.jurisdiction_id is not None,
        exchange_count=exchange_count,
        has_source=bool(signal.source_url or signal.source_note),
        severity=signal.severity,
    )
    if problems:
        raise ValidationError(problems, code="signal_incomplete")


@transaction.atomic
def signal_record(
    *,
    kind: str,
    title: str,
    occurred_at: datetime.datetime,
    ended_at: datetime.datetime | None = None,
    exchanges: Iterable[Exchange] = (),
    vendor: CloudVendor | None = None,
    vendor_region: str = "",
    vendor_region_code: str = "",
    jurisdiction: Jurisdiction | None = None,
    details: str = "",
    source_url: str = "",
    source_note: str = "",
    severity: int = 3,
    recorded_by=None,
) -> Signal:
    """Validate and save a signal, then mark the exchanges it concerns for rescoring. An outage's
    region is resolved from `vendor_region` unless `vendor_region_code` gives it as such (checked
    against the vendor's regions: a ValidationError naming the field when it is not one)."""
    exchanges = list(exchanges)
    signal = Signal(
        kind=kind,
        title=title,
        occurred_at=occurred_at,
        ended_at=ended_at,
        vendor=vendor,
        vendor_region=vendor_region,
        vendor_region_code=vendor_region_code,
        jurisdiction=jurisdiction,
        details=details,
        source_url=source_url,
        source_note=source_note,
        severity=severity,
        recorded_by=recorded_by,
    )
    signal_validate(signal=signal, exchange_count=len(exchanges))
    signal.full_clean()
    signal.save()
    signal.exchanges.set(exchanges)
    signal_evidence_changed(signal=signal)
    return signal


def signal_concerned_exchange_ids(*, signal: Signal) -> set[int]:
    """As the signal is stored: an outage, every exchange it reaches on its vendor (hit or possibly
    affected, intel.outages) plus those named; a regulation, every exchange present in the
    jurisdiction plus those named; any other kind, the exchanges named."""
    named = set(signal.exchanges.values_list("pk", flat=True))
    if signal.kind == SignalKind.OUTAGE:
        return named | {affected.exchange_id for affected in outage_affected_exchanges(signal)}
    if signal.kind == SignalKind.REGULATION and signal.jurisdiction_id:
        return named | set(
            Presence.objects.filter(jurisdiction_id=signal.jurisdiction_id).values_list("exchange_id", flat=True)
        )
    return named


def signal_concerned_before(*, signal: Signal) -> set[int]:
    """The exchanges the signal concerns as stored now, before an edit of the instance in hand is
    saved (its vendor, region, date, jurisdiction or kind may be about to move)."""
    if signal.pk is None:
        return set()
    stored = Signal.objects.filter(pk=signal.pk).first()
    return signal_concerned_exchange_ids(signal=stored) if stored is not None else set()


def signal_evidence_changed(*, signal: Signal, before: Iterable[int] = ()) -> int:
    """Rescore the exchanges the signal concerns, and those it concerned before an edit."""
    return evidence_changed(
        exchange_ids=set(before) | signal_concerned_exchange_ids(signal=signal),
        cause="signal",
        reference=f"signal:{signal.pk}",
    )


@transaction.atomic
def signal_update(*, signal: Signal, changes: dict, exchanges: Iterable[Exchange] | None = None) -> Signal:
    """Change a recorded signal (any of its fields; `exchanges`, when given, replaces those it names),
    validate it, and rescore the union of the exchanges it reached before and after: an outage moved
    from AWS to Alibaba Cloud, or from one region to another, leaves no exchange with a stale factor."""
    before = signal_concerned_before(signal=signal)
    for name, value in changes.items():
        setattr(signal, name, value)
    exchanges = list(exchanges) if exchanges is not None else None
    signal_validate(signal=signal, exchange_count=len(exchanges) if exchanges is not None else signal.exchanges.count())
    signal.full_clean()
    signal.save()
    if exchanges is not None:
        signal.exchanges.set(exchanges)
    signal_evidence_changed(signal=signal, before=before)
    return signal


@transaction.atomic
def signal_delete(*, signal: Signal) -> None:
    """Delete a signal; the exchanges it concerned are rescored without it."""
    concerned, reference = signal_concerned_exchange_ids(signal=signal), f"signal:{signal.pk}"
    signal.delete()
    evidence_changed(exchange_ids=concerned, cause="signal", reference=reference)


@transaction.atomic
def regulation_exchange_ids(*, jurisdiction_ids) -> set[int]:
    """The exchanges a regulation of these jurisdictions reaches: those present there (scoring reads a
    regulation through the exchange's presence and licence status in its jurisdiction)."""
    return set(
        Presence.objects.filter(jurisdiction_id__in=list(jurisdiction_ids)).values_list("exchange_id", flat=True)
    )


def regulation_save(*, regulation: Regulation, also_rescore: set[int] | frozenset[int] = frozenset()) -> Regulation:
    """Validate and save a regulation; every exchange present in its jurisdiction is rescored (and
    `also_rescore`: those it reached before an edit)."""
    regulation.full_clean()
    regulation.save()
    evidence_changed(
        exchange_ids=regulation_exchange_ids(jurisdiction_ids=[regulation.jurisdiction_id]) | set(also_rescore),
        cause="regulation",
        reference=f"regulation:{regulation.pk}",
    )
    return regulation


@transaction.atomic
def regulation_update(*, regulation: Regulation, changes: dict) -> Regulation:
    """Edit a regulation: the exchanges it reached before the edit (its old jurisdiction) and after are
    rescored, so moving it to another jurisdiction clears it from the first one's exchanges at once."""
    before = regulation_exchange_ids(jurisdiction_ids=[regulation.jurisdiction_id])
    for name, value in changes.items():
        setattr(regulation, name, value)
    return regulation_save(regulation=regulation, also_rescore=before)


@transaction.atomic
def regulation_delete(*, regulation: Regulation) -> None:
    """Delete a regulation and rescore the exchanges it reached."""
    reached, reference = (
        regulation_exchange_ids(jurisdiction_ids=[regulation.jurisdiction_id]),
        f"regulation:{regulation.pk}",
    )
    regulation.delete()
    evidence_changed(exchange_ids=reached, cause="regulation", reference=reference)
