"""Reads that turn stored evidence into the plain facts the pure modules work on, in a fixed,
small number of queries whatever the number of exchanges."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from crm.choices import FactOrigin
from crm.models import Allocation, CloudVendor, Exchange, Jurisdiction, Presence
from crm.regions import region_code_clean, region_label, region_resolve
from intel.choices import SignalKind
from intel.matching import AliasEntry, ExchangeEntry, Matcher
from intel.models import ExchangeAlias, Register, RegisterEntry, Regulation, Signal
from intel.outages import AffectedExchange, AllocationFact, Reach, affected_exchanges
from intel.pressure import PresenceFact, RegulationFact, RegulatoryPressure, regulatory_pressures
from intel.registers.matching import group_aliases
from intel.registers.records import STATUS_RANK
from intel.registers.sources import jurisdiction_codes, register_source


def _allocation_facts(vendor_ids: Iterable[int]) -> list[AllocationFact]:
    return [
        AllocationFact(*row)
        for row in Allocation.objects.filter(vendor_id__in=list(vendor_ids)).values_list(
            "exchange_id", "vendor_id", "workload", "share_percent", "region", "region_code"
        )
    ]


def outage_impacts(signal_ids: Iterable[int]) -> dict[int, list[AffectedExchange]]:
    """For each outage signal, the exchanges it reaches (intel.outages: from today's allocations by
    region, plus those the source names). Three queries for any number of signals."""
    outages = list(
        Signal.objects.filter(pk__in=list(signal_ids), kind=SignalKind.OUTAGE).values(
            "pk", "vendor_id", "vendor_region_code"
        )
    )
    if not outages:
        return {}
    allocations = _allocation_facts({outage["vendor_id"] for outage in outages})
    named: dict[int, list[int]] = {}
    for signal_id, exchange_id in Signal.exchanges.through.objects.filter(
        signal_id__in=[outage["pk"] for outage in outages]
    ).values_list("signal_id", "exchange_id"):
        named.setdefault(signal_id, []).append(exchange_id)
    return {
        outage["pk"]: affected_exchanges(
            vendor_id=outage["vendor_id"],
            region_code=outage["vendor_region_code"],
            allocations=allocations,
            named_exchange_ids=named.get(outage["pk"], ()),
        )
        for outage in outages
    }


def outage_affected_exchanges(signal: Signal) -> list[AffectedExchange]:
    return outage_impacts([signal.pk]).get(signal.pk, [])


def outage_reached(
    *, vendor_id: int | None, region_code: str, named_exchange_ids: Iterable[int] = ()
) -> list[AffectedExchange]:
    """The exchanges an outage at (vendor, region code) would reach: for one not saved yet (the
    preview) or as a signal was before an edit. One query."""
    named = list(named_exchange_ids)
    if vendor_id is None:
        return [AffectedExchange(exchange_id, None, is_named_by_source=True) for exchange_id in sorted(set(named))]
    return affected_exchanges(
        vendor_id=vendor_id,
        region_code=region_code,
        allocations=_allocation_facts([vendor_id]),
        named_exchange_ids=named,
    )


def signal_preview(
    *,
    kind: str,
    vendor: CloudVendor | None,
    vendor_region: str = "",
    vendor_region_code: str = "",
    jurisdiction: Jurisdiction | None = None,
    exchanges: Iterable[Exchange] = (),
    user,
) -> dict:
    """Which exchanges a signal would affect, before it is saved, limited to what the user may see:
    an outage's are hit or possibly affected (region unknown), as intel.outages decides; a
    regulation's are those present in its jurisdiction; the rest, those it names. The page and the
    API's preview both show this."""
    named = list(exchanges)
    ids = {exchange.pk for exchange in named}
    reached: dict[int, AffectedExchange] = {}
    is_outage = kind == SignalKind.OUTAGE and vendor is not None
    region_code = ""
    if is_outage:
        region_code = (
            region_code_clean(vendor=vendor.slug, value=vendor_region_code)
            if vendor_region_code
            else region_resolve(vendor=vendor.slug, text=vendor_region)
        )
        for affected in outage_reached(vendor_id=vendor.pk, region_code=region_code, named_exchange_ids=ids):
            ids.add(affected.exchange_id)
            reached[affected.exchange_id] = affected
    elif kind == SignalKind.REGULATION and jurisdiction is not None:
        ids |= set(Presence.objects.filter(jurisdiction=jurisdiction).values_list("exchange_id", flat=True))
    visible = list(Exchange.objects.visible_to(user).filter(pk__in=ids).order_by("name"))
    named_ids = {exchange.pk for exchange in named}
    rows = [
        {
            "exchange": e,
            "share": reached[e.pk].share_percent if e.pk in reached else None,
            "reach": reached[e.pk].reach if e.pk in reached else "",
            "named": reached[e.pk].is_named_by_source if e.pk in reached else e.pk in named_ids,
        }
        for e in visible
    ]
    return {
        "exchanges": rows,
        "hit": [row for row in rows if row["reach"] == Reach.HIT],
        "possible": [row for row in rows if row["reach"] == Reach.POSSIBLE],
        "is_outage": is_outage,
        "region_code": region_code,
        "region": region_label(vendor.slug, region_code) if is_outage else "",
        "region_text": vendor_region,
        "hidden": len(ids) - len(visible),
    }


def regulatory_pressure(
    *, as_of: datetime.date, exchanges: Iterable[int] | None = None, user=None
) -> list[RegulatoryPressure]:
    """Which exchanges are under regulatory pressure on `as_of`, where, since when and why.

    `exchanges` narrows to some exchange ids; `user` to what that user may see."""
    regulations = [
        RegulationFact(
            id=regulation.pk,
            jurisdiction_code=regulation.jurisdiction.code,
            name=regulation.name,
            effective_on=regulation.effective_on,
            pressured_statuses=tuple(regulation.pressured_statuses),
            consequence=regulation.consequence,
            forces_relocation=regulation.forces_relocation,
            short_name=regulation.short_name,
        )
        for regulation in Regulation.objects.filter(effective_on__lte=as_of).select_related("jurisdiction")
    ]
    if not regulations:
        return []
    statuses = {status for regulation in regulations for status in regulation.pressured_statuses}
    presences = Presence.objects.filter(
        jurisdiction__code__in={regulation.jurisdiction_code for regulation in regulations},
        licence_status__in=statuses,
    )
    if exchanges is not None:
        presences = presences.filter(exchange_id__in=list(exchanges))
    if user is not None:
        presences = presences.filter(exchange__in=Exchange.objects.visible_to(user).values("pk"))
    facts = [
        PresenceFact(*row)
        for row in presences.values_list(
            "exchange_id", "exchange__name", "jurisdiction__code", "licence_status", "since", "source"
        )
    ]
    return regulatory_pressures(as_of=as_of, regulations=regulations, presences=facts)


def matcher_load(**options) -> Matcher:
    """A Matcher over every exchange and alias: two queries."""
    exchanges = [ExchangeEntry(*row) for row in Exchange.objects.values_list("pk", "name", "website", "family_id")]
    aliases = [AliasEntry(*row) for row in ExchangeAlias.objects.values_list("exchange_id", "alias", "kind")]
    return Matcher(exchanges=exchanges, aliases=aliases, **options)


def register_matcher_load() -> Matcher:
    """A Matcher over every exchange and alias plus the registers' group entities ("OKX Europe
    Limited" is OKX): three queries."""
    rows = list(Exchange.objects.values_list("pk", "name", "website", "family_id", "slug", "ccxt_id"))
    exchanges = [ExchangeEntry(pk, name, website, family_id) for pk, name, website, family_id, _, _ in rows]
    codes = {slug: pk for pk, _, _, _, slug, _ in rows} | {ccxt_id: pk for pk, *_, ccxt_id in rows if ccxt_id}
    aliases = [AliasEntry(*row) for row in ExchangeAlias.objects.values_list("exchange_id", "alias", "kind")]
    return Matcher(exchanges=exchanges, aliases=[*aliases, *group_aliases(codes)])


@dataclass(frozen=True)
class LicenceReading:
    """An exchange's presence in a jurisdiction next to what the newest register reading says."""

    presence_id: int
    exchange_id: int
    jurisdiction_code: str
    status: str
    origin: str
    source: str
    source_date: datetime.date | None
    register_entry_id: int | None = None
    register_status: str = ""
    register_reference: str = ""
    register_source: str = ""
    register_source_url: str = ""
    register_as_of: datetime.date | None = None

    @property
    def is_disagreement(self) -> bool:
        """A person's status that the register contradicts: both are shown, neither overwrites."""
        return self.origin == FactOrigin.PERSON and bool(self.register_status) and self.register_status != self.status


def licence_readings(exchange_ids: Iterable[int]) -> list[LicenceReading]:
    """Every presence of these exchanges with the newest register reading for its jurisdiction (the
    strongest entry when a group has several). Three queries for any number of exchanges."""
    ids = list(exchange_ids)
    latest: dict[str, Register] = {}
    for register in Register.objects.order_by("kind", "-as_of", "-imported_at"):
        latest.setdefault(register.kind, register)
    by_id = {register.pk: register for register in latest.values()}
    best: dict[tuple[int, str], tuple[RegisterEntry, Register]] = {}
    entries = RegisterEntry.objects.matched().filter(register_id__in=list(by_id), exchange_id__in=ids)
    for entry in entries.only(
        "pk",
        "register_id",
        "exchange_id",
        "status",
        "registration_number",
        "lei",
        "home_state",
        "host_states",
        "authorised_on",
        "source_url",
    ):
        register = by_id[entry.register_id]
        codes = jurisdiction_codes(kind=register.kind, home_state=entry.home_state, host_states=entry.host_states)
        for code in codes:
            current = best.get((entry.exchange_id, code))
            if current is None or STATUS_RANK[entry.status] > STATUS_RANK[current[0].status]:
                best[(entry.exchange_id, code)] = (entry, register)
    readings = []
    for row in Presence.objects.filter(exchange_id__in=ids).values_list(
        "pk", "exchange_id", "jurisdiction__code", "licence_status", "origin", "source", "source_date"
    ):
        found = best.get((row[1], row[2]))
        if found is None:
            readings.append(LicenceReading(*row))
            continue
        entry, register = found
        readings.append(
            LicenceReading(
                *row,
                register_entry_id=entry.pk,
                register_status=entry.status,
                register_reference=entry.registration_number or (f"LEI {entry.lei}" if entry.lei else ""),
                register_source=register_source(kind=register.kind, filename=register.filename, as_of=register.as_of),
                register_source_url=entry.source_url or register.source_url,
                register_as_of=register.as_of,
            )
        )
    return readings


def licence_disagreements(exchange_ids: Iterable[int]) -> list[LicenceReading]:
    """The presences where a person's status and the newest register reading differ."""
    return [reading for reading in licence_readings(exchange_ids) if reading.is_disagreement]
