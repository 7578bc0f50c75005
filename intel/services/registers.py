"""Importing a regulator's register: store the reading and its entries, match each firm to an
exchange, set the exchanges' presences (never over what a person typed), and turn what changed since
the previous reading into dated licence-change signals. All or nothing unless keep_valid."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from crm.choices import FactOrigin, LicenceStatus
from crm.models import Exchange, Jurisdiction, Presence
from crm.services import evidence_changed, jurisdiction_get_or_create
from intel.choices import MatchStatus, SignalKind
from intel.models import Register, RegisterEntry
from intel.parsing import RowProblem
from intel.queries import register_matcher_load
from intel.registers import RegisterFileError, parse_register
from intel.registers.changes import CHANGE_KINDS, CHANGE_LABELS, WITHDRAWN, changes_summary, register_changes
from intel.registers.matching import record_match
from intel.registers.records import STATUS_RANK, RegisterRecord
from intel.registers.sources import AUTHORITIES, JURISDICTIONS, SOURCE_URLS, jurisdiction_codes, register_source

from .signals import signal_record

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 50
PRESENCE_FIELDS = ("licence_status", "licence_reference", "since", "source", "source_url", "source_date", "origin")


@dataclass
class RegisterImportOutcome:
    """What a register import did (or, when not committed, why it wrote nothing)."""

    is_committed: bool
    message: str = ""
    register: Register | None = None
    rows_read: int = 0
    entries: int = 0
    duplicate_lines: int = 0
    matched: int = 0
    review: int = 0
    unmatched_names: list[str] = field(default_factory=list)
    presences_created: int = 0
    presences_updated: int = 0
    disagreements: list[str] = field(default_factory=list)
    changes: dict = field(default_factory=dict)
    signals: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    rejected_report: bytes = b""
    warnings: list[str] = field(default_factory=list)

    @property
    def unmatched(self) -> int:
        return len(self.unmatched_names)

    @property
    def rejected(self) -> int:
        return len(self.problems)

    @property
    def change_counts(self) -> dict[str, int]:
        return {kind: len(self.changes.get(kind, [])) for kind in CHANGE_KINDS}


@dataclass(frozen=True)
class _Reading:
    """What one register reading says about one exchange in one jurisdiction."""

    status: str
    reference: str
    since: datetime.date | None
    source_url: str
    rank: int


@transaction.atomic
def register_import(
    *,
    kind: str,
    data: bytes,
    filename: str = "",
    as_of: datetime.date | None = None,
    source_url: str | None = None,
    keep_valid: bool = False,
    imported_by=None,
    progress: Progress | None = None,
) -> RegisterImportOutcome:
    """Import one reading of a register. The same file twice (same sha256, same kind) changes
    nothing. Raises intel.registers.RegisterFileError when the file as a whole cannot be read."""
    sha256 = hashlib.sha256(data).hexdigest()
    known = Register.objects.filter(kind=kind, content_sha256=sha256).first()
    if known is not None:
        return RegisterImportOutcome(
            is_committed=False,
            register=known,
            message=f"Nothing changed: this file was imported on {known.imported_at:%Y-%m-%d} as {known}.",
        )
    parsed = parse_register(kind=kind, data=data, filename=filename, as_of=as_of)
    outcome = RegisterImportOutcome(
        is_committed=False,
        rows_read=parsed.rows_read,
        duplicate_lines=parsed.duplicate_lines,
        problems=parsed.problems,
        rejected_report=parsed.rejected_report() if parsed.problems else b"",
        warnings=parsed.warnings,
    )
    if parsed.problems and not keep_valid:
        outcome.message = (
            f"{len(parsed.problems)} of {parsed.rows_read} rows are invalid, so nothing was imported "
            f"(first: {parsed.problems[0]}). Fix them, or import with keep_valid to skip them."
        )
        return outcome
    if parsed.as_of is None:
        raise RegisterFileError("The register's date is neither in its valid rows nor in its name: give as_of.")
    as_of = parsed.as_of
    jurisdiction = jurisdiction_get_or_create(code=JURISDICTIONS[kind])
    previous = Register.objects.filter(kind=kind, as_of__lte=as_of).order_by("-as_of", "-imported_at").first()
    register = Register.objects.create(
        kind=kind,
        authority=AUTHORITIES[kind],
        jurisdiction=jurisdiction,
        source_url=source_url or SOURCE_URLS[kind],
        filename=filename[:300],
        content_sha256=sha256,
        as_of=as_of,
        imported_by=imported_by,
    )
    matcher = register_matcher_load()
    entries: list[RegisterEntry] = []
    for done, record in enumerate(parsed.records, start=1):
        entries.append(_entry(register, record, record_match(matcher, record)))
        if progress and (done % PROGRESS_EVERY == 0 or done == len(parsed.records)):
            progress(done, len(parsed.records))
    RegisterEntry.objects.bulk_create(entries)
    previous_entries = list(previous.entries.all()) if previous else []
    changes = (
        register_changes(previous=map(_record, previous_entries), current=parsed.records, as_of=as_of)
        if previous
        else []
    )
    source = register_source(kind=kind, filename=filename, as_of=as_of)
    gone = {change.key for change in changes if change.kind == WITHDRAWN} - {record.key for record in parsed.records}
    readings = _readings(kind, entries, [entry for entry in previous_entries if entry.key in gone])
    created, updated, disagreements, touched = _presences_apply(
        readings, source=source, source_url=register.source_url, as_of=as_of
    )
    exchange_of = {entry.key: entry.exchange_id for entry in (*previous_entries, *entries) if _is_matched(entry)}
    signals = _signals_record(register, changes, exchange_of, source=source)
    register.entries_count = len(entries)
    register.matched_count = sum(1 for entry in entries if _is_matched(entry))
    register.review_count = sum(1 for entry in entries if entry.match_status == MatchStatus.REVIEW)
    register.changes = changes_summary(changes, previous_as_of=previous.as_of if previous else None)
    register.save(update_fields=["entries_count", "matched_count", "review_count", "changes"])
    evidence_changed(exchange_ids=touched, cause="register", reference=f"register:{register.pk}")
    outcome.is_committed = True
    outcome.register = register
    outcome.entries = len(entries)
    outcome.matched, outcome.review = register.matched_count, register.review_count
    outcome.unmatched_names = [entry.legal_name for entry in entries if entry.match_status == MatchStatus.UNMATCHED]
    outcome.presences_created, outcome.presences_updated = created, updated
    outcome.disagreements = disagreements
    outcome.changes = register.changes
    outcome.signals = signals
    outcome.message = _summary(outcome, previous)
    return outcome


def _is_matched(entry: RegisterEntry) -> bool:
    return entry.match_status == MatchStatus.MATCHED and entry.exchange_id is not None


def _entry(register: Register, record: RegisterRecord, match) -> RegisterEntry:
    return RegisterEntry(
        register=register,
        key=record.key,
        line=record.line,
        legal_name=record.legal_name,
        commercial_name=record.commercial_name,
        other_names=list(record.other_names),
        lei=record.lei[:20],
        registration_number=record.registration_number,
        website=record.website,
        services=list(record.services),
        status=record.status,
        status_note=record.status_note,
        authorised_on=record.authorised_on,
        ended_on=record.ended_on,
        home_state=record.home_state,
        host_states=list(record.host_states),
        competent_authority=record.competent_authority,
        source_url=record.source_url,
        exchange_id=match.exchange_id,
        match_method=match.method,
        match_confidence=match.confidence,
        match_status=match.status,
        match_candidates=[candidate.as_dict() for candidate in match.candidates],
    )


def _record(entry: RegisterEntry) -> RegisterRecord:
    """A stored entry as the pure comparison needs it."""
    return RegisterRecord(
        key=entry.key,
        line=entry.line or 0,
        legal_name=entry.legal_name,
        status=entry.status,
        authorised_on=entry.authorised_on,
        ended_on=entry.ended_on,
    )


def _readings(
    kind: str, entries: list[RegisterEntry], withdrawn: list[RegisterEntry]
) -> dict[tuple[int, str], _Reading]:
    """(exchange, jurisdiction) -> the strongest reading of this register for it. A firm the previous
    reading listed and this one does not is read as unlicensed where nothing else covers it."""
    readings: dict[tuple[int, str], _Reading] = {}
    for entry in entries:
        if not _is_matched(entry):
            continue
        reading = _Reading(
            status=entry.status,
            reference=entry.registration_number or (f"LEI {entry.lei}" if entry.lei else ""),
            since=entry.authorised_on,
            source_url=entry.source_url,
            rank=STATUS_RANK[entry.status],
        )
        for code in jurisdiction_codes(kind=kind, home_state=entry.home_state, host_states=entry.host_states):
            current = readings.get((entry.exchange_id, code))
            if current is None or (reading.rank, -_ordinal(reading.since)) > (current.rank, -_ordinal(current.since)):
                readings[(entry.exchange_id, code)] = reading
    for entry in withdrawn:
        if not _is_matched(entry):
            continue
        reference = entry.registration_number or (f"LEI {entry.lei}" if entry.lei else "")
        for code in jurisdiction_codes(kind=kind, home_state=entry.home_state, host_states=entry.host_states):
            readings.setdefault((entry.exchange_id, code), _Reading(LicenceStatus.UNLICENSED, reference, None, "", 0))
    return readings


def _ordinal(day: datetime.date | None) -> int:
    return day.toordinal() if day else datetime.date.max.toordinal()


def _presences_apply(
    readings: dict[tuple[int, str], _Reading], *, source: str, source_url: str, as_of: datetime.date
) -> tuple[int, int, list[str], set[int]]:
    """Write the readings to the presences in bulk: created, updated, the disagreements with what a
    person typed (kept), and the exchanges whose presences changed. A presence from a newer reading
    of a register is left alone."""
    if not readings:
        return 0, 0, [], set()
    codes = {code for _, code in readings}
    jurisdictions = {jurisdiction.code: jurisdiction for jurisdiction in Jurisdiction.objects.filter(code__in=codes)}
    for code in sorted(codes - set(jurisdictions)):
        jurisdictions[code] = jurisdiction_get_or_create(code=code)
    existing = {
        (presence.exchange_id, presence.jurisdiction.code): presence
        for presence in Presence.objects.filter(
            exchange_id__in={exchange_id for exchange_id, _ in readings}, jurisdiction__code__in=codes
        ).select_related("jurisdiction", "exchange")
    }
    created: list[Presence] = []
    updated: list[Presence] = []
    disagreements: list[str] = []
    for (exchange_id, code), reading in sorted(readings.items()):
        values = {
            "licence_status": reading.status,
            "licence_reference": reading.reference[:200],
            "since": reading.since,
            "source": source,
            "source_url": (reading.source_url or source_url)[:200],
            "source_date": as_of,
            "origin": FactOrigin.REGISTER,
        }
        presence = existing.get((exchange_id, code))
        if presence is None:
            created.append(Presence(exchange_id=exchange_id, jurisdiction=jurisdictions[code], **values))
            continue
        if presence.origin == FactOrigin.PERSON:
            if presence.licence_status != reading.status:
                disagreements.append(
                    f"{presence.exchange.name} in {code}: a person recorded {presence.licence_status}, "
                    f"the register says {reading.status} ({source})"
                )
            continue
        if presence.origin == FactOrigin.REGISTER and presence.source_date and presence.source_date > as_of:
            continue
        if all(getattr(presence, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(presence, name, value)
        updated.append(presence)
    Presence.objects.bulk_create(created)
    if updated:
        Presence.objects.bulk_update(updated, list(PRESENCE_FIELDS))
    touched = {presence.exchange_id for presence in (*created, *updated)}
    return len(created), len(updated), disagreements, touched


def _signals_record(register: Register, changes, exchange_of: dict[str, int], *, source: str) -> int:
    """One dated licence-change signal per change of a firm matched to an exchange."""
    concerned = [change for change in changes if exchange_of.get(change.key)]
    if not concerned:
        return 0
    exchanges = Exchange.objects.in_bulk({exchange_of[change.key] for change in concerned})
    jurisdiction = register.jurisdiction
    for change in concerned:
        exchange = exchanges[exchange_of[change.key]]
        label = CHANGE_LABELS[change.kind]
        details = f"{change.legal_name} ({change.key})"
        if change.previous_legal_name:
            details = f"{change.previous_legal_name} is now {details}"
        signal_record(
            kind=SignalKind.LICENCE_CHANGE,
            title=f"{exchange.name}: {label} in {jurisdiction.name}"[:300],
            occurred_at=datetime.datetime.combine(change.on, datetime.time(), tzinfo=datetime.UTC),
            exchanges=[exchange],
            jurisdiction=jurisdiction,
            details=f"{details}; {label} on {change.on:%Y-%m-%d} per {source}.",
            source_url=register.source_url,
            source_note=source,
            severity=4 if change.kind == WITHDRAWN else 3,
        )
    return len(concerned)


def _summary(outcome: RegisterImportOutcome, previous: Register | None) -> str:
    register = outcome.register
    counts = outcome.change_counts
    if previous is None:
        against = "first reading of this register: nothing to compare"
    else:
        against = f"against {previous.as_of:%Y-%m-%d}: " + ", ".join(f"{counts[kind]} {kind}" for kind in CHANGE_KINDS)
    return (
        f"{register}: {outcome.entries} entries ({outcome.duplicate_lines} duplicate rows merged, "
        f"{outcome.rejected} rejected); {outcome.matched} matched, {outcome.review} to review, "
        f"{outcome.unmatched} unmatched; presences {outcome.presences_created} set, {outcome.presences_updated} "
        f"updated, {len(outcome.disagreements)} disagreements with a person kept; {against}."
    )


@transaction.atomic
def register_entry_match_confirm(*, entry: RegisterEntry, exchange: Exchange | None = None, reviewed_by=None) -> None:
    """A person confirms the suggested exchange of an entry in the review queue (or chooses another):
    the entry is matched, and when it belongs to the newest reading of its register, the exchange's
    presences are set from it like any matched entry."""
    entry.exchange = exchange or entry.exchange
    if entry.exchange is None:
        raise ValueError("This entry has no suggested exchange: choose one.")
    entry.match_status, entry.match_method, entry.match_confidence = MatchStatus.MATCHED, "manual", 100
    entry.reviewed_by, entry.reviewed_at = reviewed_by, timezone.now()
    entry.save()
    register = entry.register
    newest = Register.objects.filter(kind=register.kind).order_by("-as_of", "-imported_at").first()
    if newest != register:
        return
    source = register_source(kind=register.kind, filename=register.filename, as_of=register.as_of)
    readings = _readings(register.kind, [entry], [])
    _, _, _, touched = _presences_apply(readings, source=source, source_url=register.source_url, as_of=register.as_of)
    evidence_changed(exchange_ids=touched, cause="register", reference=f"register_entry:{entry.pk}")
