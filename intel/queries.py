"""Reads that turn stored evidence into the plain facts the pure modules work on, in a fixed,
small number of queries whatever the number of exchanges."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from crm.models import Allocation, Exchange, Presence
from intel.choices import SignalKind
from intel.matching import AliasEntry, ExchangeEntry, Matcher
from intel.models import ExchangeAlias, Regulation, Signal
from intel.pressure import PresenceFact, RegulationFact, RegulatoryPressure, regulatory_pressures
from intel.signal_rules import AffectedExchange, AllocationFact, affected_exchanges


def outage_impacts(signal_ids: Iterable[int]) -> dict[int, list[AffectedExchange]]:
    """For each outage signal, the exchanges it concerns (from today's allocations, weighted by
    share, plus those the source names). Three queries for any number of signals."""
    outages = list(Signal.objects.filter(pk__in=list(signal_ids), kind=SignalKind.OUTAGE).values("pk", "vendor_id"))
    if not outages:
        return {}
    vendor_ids = {outage["vendor_id"] for outage in outages}
    allocations = [
        AllocationFact(*row)
        for row in Allocation.objects.filter(vendor_id__in=vendor_ids).values_list(
            "exchange_id", "vendor_id", "workload", "share_percent", "region"
        )
    ]
    named: dict[int, list[int]] = {}
    for signal_id, exchange_id in Signal.exchanges.through.objects.filter(
        signal_id__in=[outage["pk"] for outage in outages]
    ).values_list("signal_id", "exchange_id"):
        named.setdefault(signal_id, []).append(exchange_id)
    return {
        outage["pk"]: affected_exchanges(
            vendor_id=outage["vendor_id"], allocations=allocations, named_exchange_ids=named.get(outage["pk"], ())
        )
        for outage in outages
    }


def outage_affected_exchanges(signal: Signal) -> list[AffectedExchange]:
    return outage_impacts([signal.pk]).get(signal.pk, [])


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
