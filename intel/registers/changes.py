"""What changed between two readings of the same register, entry by entry (by key: LEI or
registration number, else the name). Pure."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from crm.choices import LicenceStatus
from intel.matching import normalise_company
from intel.registers.records import ACTIVE_STATUSES, RegisterRecord

GRANTED, WITHDRAWN, LAPSED, RENAMED = "granted", "withdrawn", "lapsed", "renamed"
CHANGE_KINDS = (GRANTED, WITHDRAWN, LAPSED, RENAMED)
CHANGE_LABELS = {
    GRANTED: "licence granted",
    WITHDRAWN: "licence withdrawn",
    LAPSED: "licence lapsed",
    RENAMED: "licensee renamed",
}
# A licence with a future end date is still held (the firm is exiting).
HELD_STATUSES = ACTIVE_STATUSES | {LicenceStatus.EXITING}


@dataclass(frozen=True)
class RegisterChange:
    kind: str
    key: str
    legal_name: str
    on: datetime.date
    previous_legal_name: str = ""

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "key": self.key,
            "legal_name": self.legal_name,
            "on": self.on.isoformat(),
            "previous_legal_name": self.previous_legal_name,
        }


def _holds(record: RegisterRecord) -> bool:
    return record.status in HELD_STATUSES


def register_changes(
    *, previous: Iterable[RegisterRecord], current: Iterable[RegisterRecord], as_of: datetime.date
) -> list[RegisterChange]:
    """Granted: a licence held now and not before. Withdrawn: held before, and now gone from the
    register or ended without notice. Lapsed: held before with a known end date, which has passed.
    Renamed: the same entry under another legal name. Dated when the register says when."""
    before = {record.key: record for record in previous}
    changes: list[RegisterChange] = []
    for record in current:
        earlier = before.pop(record.key, None)
        if earlier is None or not _holds(earlier):
            if _holds(record):
                changes.append(RegisterChange(GRANTED, record.key, record.legal_name, record.authorised_on or as_of))
        elif not _holds(record):
            kind = LAPSED if earlier.ended_on else WITHDRAWN
            changes.append(RegisterChange(kind, record.key, record.legal_name, record.ended_on or as_of))
        if earlier is not None and normalise_company(earlier.legal_name) != normalise_company(record.legal_name):
            changes.append(RegisterChange(RENAMED, record.key, record.legal_name, as_of, earlier.legal_name))
    for earlier in before.values():
        if _holds(earlier):
            changes.append(RegisterChange(WITHDRAWN, earlier.key, earlier.legal_name, as_of))
    return sorted(changes, key=lambda change: (CHANGE_KINDS.index(change.kind), change.legal_name, change.key))


def changes_summary(changes: Iterable[RegisterChange], *, previous_as_of: datetime.date | None) -> dict:
    """What Register.changes stores: the previous reading's date and the changes by kind."""
    summary: dict = {"previous_as_of": previous_as_of.isoformat() if previous_as_of else None}
    for kind in CHANGE_KINDS:
        summary[kind] = []
    for change in changes:
        summary[change.kind].append(change.as_dict())
    return summary
