"""Regulatory pressure: for a date, which exchanges a regulation presses, where, since when, why. Pure."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

# A jurisdiction's code, or any key naming it one to one (scoring's facts carry its id): the rule only
# compares them.
JurisdictionKey = str | int


@dataclass(frozen=True)
class RegulationFact:
    id: int
    jurisdiction_code: JurisdictionKey
    name: str
    effective_on: datetime.date
    pressured_statuses: tuple[str, ...]
    consequence: str = ""
    forces_relocation: bool = False
    short_name: str = ""


@dataclass(frozen=True)
class PresenceFact:
    exchange_id: int
    exchange_name: str
    jurisdiction_code: JurisdictionKey
    licence_status: str
    since: datetime.date | None = None  # the day the exchange arrived in the jurisdiction, if known
    source: str = ""


@dataclass(frozen=True)
class RegulatoryPressure:
    """One exchange under one regulation's pressure in one jurisdiction."""

    exchange_id: int
    exchange_name: str
    jurisdiction_code: JurisdictionKey
    regulation_id: int
    regulation_name: str
    licence_status: str
    since: datetime.date
    reason: str
    forces_relocation: bool
    status_source: str = ""
    effective_on: datetime.date | None = None
    regulation_short_name: str = ""


def regulatory_pressures(
    *, as_of: datetime.date, regulations: Iterable[RegulationFact], presences: Iterable[PresenceFact]
) -> list[RegulatoryPressure]:
    """The pressures in force on `as_of`: a regulation in effect in a jurisdiction where the exchange
    operates with a licence status the regulation presses. Since: the later of the effective date and
    the day the exchange arrived."""
    in_force: dict[str, list[RegulationFact]] = {}
    for regulation in regulations:
        if regulation.effective_on <= as_of:
            in_force.setdefault(regulation.jurisdiction_code, []).append(regulation)
    result = []
    for presence in presences:
        for regulation in in_force.get(presence.jurisdiction_code, ()):
            if presence.licence_status not in regulation.pressured_statuses:
                continue
            since = max(regulation.effective_on, presence.since) if presence.since else regulation.effective_on
            if since > as_of:
                continue
            reason = (
                f"{presence.licence_status} in {presence.jurisdiction_code} under {regulation.name} "
                f"(in force since {regulation.effective_on.isoformat()})"
            )
            if regulation.consequence:
                reason += f": {regulation.consequence}"
            result.append(
                RegulatoryPressure(
                    exchange_id=presence.exchange_id,
                    exchange_name=presence.exchange_name,
                    jurisdiction_code=presence.jurisdiction_code,
                    regulation_id=regulation.id,
                    regulation_name=regulation.name,
                    licence_status=presence.licence_status,
                    since=since,
                    reason=reason,
                    forces_relocation=regulation.forces_relocation,
                    status_source=presence.source,
                    effective_on=regulation.effective_on,
                    regulation_short_name=regulation.short_name or regulation.name,
                )
            )
    return sorted(result, key=lambda item: (item.exchange_name, str(item.jurisdiction_code), item.regulation_id))
