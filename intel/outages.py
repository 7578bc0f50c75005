"""Outage reach, the one owner: which allocations a vendor's outage reaches, and how. Pure.

An outage reaches an allocation on its vendor:
- fully ("hit") when both are in the same region (the vendor's region code, crm.regions);
- "possibly affected (region unknown)" when the region of either is unknown;
- not at all when they are in different regions, or on different vendors.
An exchange the outage's source names as affected is hit whatever its allocations say.

The scorer (leads.scoring), the signal preview, the admin and the rescore after an evidence edit
all ask here; how much a possible hit weighs is the scoring model's business."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class Reach(enum.StrEnum):
    HIT = "hit"
    POSSIBLE = "possible"  # the region of the allocation or of the outage is unknown
    NONE = "none"

    @property
    def words(self) -> str:
        return {"hit": "hit", "possible": "possibly affected (region unknown)", "none": "not affected"}[self.value]


def outage_reach(
    *, allocation_vendor_id: int, allocation_region_code: str, outage_vendor_id: int | None, outage_region_code: str
) -> Reach:
    """How an outage at (vendor, region code) reaches an allocation at (vendor, region code); ""
    is a region unknown."""
    if outage_vendor_id is None or allocation_vendor_id != outage_vendor_id:
        return Reach.NONE
    if not allocation_region_code or not outage_region_code:
        return Reach.POSSIBLE
    return Reach.HIT if allocation_region_code == outage_region_code else Reach.NONE


class RegionedShare(Protocol):
    """What the owner reads of an allocation (intel's and leads' allocation facts both have it)."""

    vendor_id: int
    workload: str
    share_percent: Decimal | float
    region_code: str


@dataclass(frozen=True)
class OutageExposure:
    """How one exchange is exposed to one outage: hit or possibly affected, through its largest share
    on the vendor reached that way (None: named by the source, no share known on the vendor)."""

    reach: Reach
    share_percent: Decimal | float | None
    workload: str = ""
    region_code: str = ""
    is_named_by_source: bool = False


def outage_exposure(
    *,
    outage_vendor_id: int | None,
    outage_region_code: str,
    allocations: Iterable[RegionedShare],
    names_exchange: bool = False,
) -> OutageExposure | None:
    """One exchange's exposure to an outage from its allocations (any vendors), or None when the
    outage does not reach it. A hit wins over a possible hit; the largest share of each reach counts.
    Named by the source: hit, through its largest share on the vendor whatever the region."""
    on_vendor = [a for a in allocations if a.vendor_id == outage_vendor_id and a.share_percent > 0]
    if names_exchange:
        best = max(on_vendor, key=lambda a: a.share_percent, default=None)
        if best is None:
            return OutageExposure(Reach.HIT, None, is_named_by_source=True)
        return OutageExposure(Reach.HIT, best.share_percent, best.workload, best.region_code, True)
    by_reach: dict[Reach, RegionedShare] = {}
    for allocation in on_vendor:
        reach = outage_reach(
            allocation_vendor_id=allocation.vendor_id,
            allocation_region_code=allocation.region_code,
            outage_vendor_id=outage_vendor_id,
            outage_region_code=outage_region_code,
        )
        current = by_reach.get(reach)
        if current is None or allocation.share_percent > current.share_percent:
            by_reach[reach] = allocation
    for reach in (Reach.HIT, Reach.POSSIBLE):
        if reach in by_reach:
            best = by_reach[reach]
            return OutageExposure(reach, best.share_percent, best.workload, best.region_code)
    return None


@dataclass(frozen=True)
class AllocationFact:
    """An allocation as the outage readers load it."""

    exchange_id: int
    vendor_id: int
    workload: str
    share_percent: Decimal
    region: str = ""
    region_code: str = ""


@dataclass(frozen=True)
class AffectedExchange:
    """An exchange an outage reaches, how (hit or possibly affected) and through which share (None
    when the source names it but its share on the vendor is unknown)."""

    exchange_id: int
    share_percent: Decimal | None
    workload: str = ""
    region: str = ""
    is_named_by_source: bool = False
    reach: Reach = Reach.HIT
    region_code: str = ""


def affected_exchanges(
    *,
    vendor_id: int,
    region_code: str = "",
    allocations: Iterable[AllocationFact],
    named_exchange_ids: Iterable[int] = (),
) -> list[AffectedExchange]:
    """Every exchange the outage at (vendor, region code) reaches, plus those the source names: hit
    ones first, then the possibly affected, each largest share first."""
    by_exchange: dict[int, list[AllocationFact]] = defaultdict(list)
    for allocation in allocations:
        if allocation.vendor_id == vendor_id:
            by_exchange[allocation.exchange_id].append(allocation)
    named = set(named_exchange_ids)
    result = []
    for exchange_id in sorted(set(by_exchange) | named):
        own = by_exchange.get(exchange_id, [])
        exposure = outage_exposure(
            outage_vendor_id=vendor_id,
            outage_region_code=region_code,
            allocations=own,
            names_exchange=exchange_id in named,
        )
        if exposure is None:
            continue
        # One allocation per exchange, vendor and workload: the workload finds the text people wrote.
        text = next((a.region for a in own if a.workload == exposure.workload), "")
        result.append(
            AffectedExchange(
                exchange_id=exchange_id,
                share_percent=exposure.share_percent,
                workload=exposure.workload,
                region=text,
                is_named_by_source=exposure.is_named_by_source,
                reach=exposure.reach,
                region_code=exposure.region_code,
            )
        )
    order = {Reach.HIT: 0, Reach.POSSIBLE: 1}
    return sorted(
        result,
        key=lambda item: (order[item.reach], -(item.share_percent or Decimal("-1")), item.exchange_id),
    )
