"""Who holds an exchange's cloud spend: the workload in view, our share of it and the rivals' shares.

The one owner of that answer. Scoring, the exchange page, the API, the Salesforce export and the admin
call `shares_in_view`, so none of them can name a share of another workload than the others do.
Pure: plain facts in, no ORM."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ALL_WORKLOADS = "all"

Share = float | Decimal


@dataclass(frozen=True, slots=True)
class AllocationFact:
    """One allocation: a vendor's share of one workload of an exchange."""

    id: int
    vendor_id: int
    vendor_name: str
    workload: str
    share_percent: Share
    region_code: str = ""  # the vendor's region code (crm.regions), "" unknown: outages read it

    @classmethod
    def of(cls, allocation) -> AllocationFact:
        """The fact of a stored allocation (its vendor loaded with it)."""
        return cls(
            allocation.pk,
            allocation.vendor_id,
            allocation.vendor.name,
            allocation.workload,
            allocation.share_percent,
            allocation.region_code,
        )


@dataclass(frozen=True, slots=True)
class SharesInView:
    """The shares of the workload that describes the account best."""

    workload: str
    shares: dict[int, AllocationFact]  # by vendor id
    ours: AllocationFact | None  # our vendor's allocation of that workload, if any
    rivals: tuple[AllocationFact, ...]  # the other vendors' allocations over 0%, largest first

    @property
    def our_share(self) -> Share | None:
        return self.ours.share_percent if self.ours is not None else None

    @property
    def largest_rival(self) -> AllocationFact | None:
        return self.rivals[0] if self.rivals else None

    @property
    def rivals_total(self) -> Share:
        return sum(a.share_percent for a in self.rivals)


NO_SHARES = SharesInView(workload="", shares={}, ours=None, rivals=())


def _rival_order(allocation: AllocationFact) -> tuple[Share, str]:
    return -allocation.share_percent, allocation.vendor_name


def shares_in_view(allocations: Iterable[AllocationFact], *, home_vendor_id: int | None) -> SharesInView:
    """The workload in view ('all' when known, else the one whose known shares add up to most, ties
    to the later name), our allocation of it and the rivals', largest first (ties by vendor name).
    No allocations: NO_SHARES (research needed)."""
    by_workload: dict[str, dict[int, AllocationFact]] = {}
    for allocation in allocations:
        by_workload.setdefault(allocation.workload, {})[allocation.vendor_id] = allocation
    if not by_workload:
        return NO_SHARES
    if ALL_WORKLOADS in by_workload:
        workload = ALL_WORKLOADS
    else:
        workload = max(by_workload, key=lambda w: (sum(a.share_percent for a in by_workload[w].values()), w))
    shares = by_workload[workload]
    rivals = [a for vendor_id, a in shares.items() if vendor_id != home_vendor_id and a.share_percent > 0]
    if len(rivals) > 1:
        rivals.sort(key=_rival_order)
    ours = shares.get(home_vendor_id) if home_vendor_id is not None else None
    return SharesInView(workload=workload, shares=shares, ours=ours, rivals=tuple(rivals))


def stored_shares_in_view(allocations: Iterable, *, home_slug: str) -> SharesInView:
    """shares_in_view of stored allocations (each with its vendor loaded), our vendor named by its slug."""
    allocations = list(allocations)
    home_vendor_id = next((a.vendor_id for a in allocations if a.vendor.slug == home_slug), None)
    return shares_in_view((AllocationFact.of(a) for a in allocations), home_vendor_id=home_vendor_id)
