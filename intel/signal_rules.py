"""What each kind of signal must name, and which exchanges a vendor outage concerns. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from intel.choices import SignalKind

# kind -> what it must name: "vendor", "jurisdiction", "exchange", or "exchange_or_vendor".
REQUIREMENTS: dict[str, tuple[str, ...]] = {
    SignalKind.OUTAGE: ("vendor",),
    SignalKind.REGULATION: ("jurisdiction",),
    SignalKind.RELOCATION: ("exchange",),
    SignalKind.AI_INTEREST: ("exchange",),
    SignalKind.FUNDING: ("exchange",),
    SignalKind.EXECUTIVE_CHANGE: ("exchange_or_vendor",),
    SignalKind.NEWS: (),
    SignalKind.MEETING: ("exchange",),
    SignalKind.CLOUD_CHANGE: ("exchange", "vendor"),
    SignalKind.LICENCE_CHANGE: ("exchange", "jurisdiction"),
}
# A rep's own meeting is its own source; everything else says where it comes from.
KINDS_WITHOUT_SOURCE = frozenset({SignalKind.MEETING})


def signal_problems(
    *,
    kind: str,
    title: str,
    has_vendor: bool,
    has_jurisdiction: bool,
    exchange_count: int,
    has_source: bool,
    severity: int,
) -> dict[str, str]:
    """Field -> what is wrong, for a signal of this kind; empty when it is valid."""
    if kind not in REQUIREMENTS:
        return {"kind": f"Unknown kind {kind!r}; use one of: {', '.join(REQUIREMENTS)}."}
    label = SignalKind(kind).label.lower()
    problems: dict[str, str] = {}
    if not title.strip():
        problems["title"] = "A signal needs a title."
    if not 1 <= severity <= 5:
        problems["severity"] = f"Severity is 1 (minor) to 5 (critical), not {severity}."
    for requirement in REQUIREMENTS[kind]:
        if requirement == "vendor" and not has_vendor:
            problems["vendor"] = f"A signal of kind '{label}' must name the cloud vendor."
        elif requirement == "jurisdiction" and not has_jurisdiction:
            problems["jurisdiction"] = f"A signal of kind '{label}' must name the jurisdiction."
        elif requirement == "exchange" and exchange_count == 0:
            problems["exchanges"] = f"A signal of kind '{label}' must name at least one exchange."
        elif requirement == "exchange_or_vendor" and exchange_count == 0 and not has_vendor:
            problems["exchanges"] = f"A signal of kind '{label}' must name an exchange or a cloud vendor."
    if kind not in KINDS_WITHOUT_SOURCE and not has_source:
        problems["source_url"] = "Say where this comes from: a source URL or a source note."
    return problems


@dataclass(frozen=True)
class AllocationFact:
    exchange_id: int
    vendor_id: int
    workload: str
    share_percent: Decimal
    region: str = ""


@dataclass(frozen=True)
class AffectedExchange:
    """An exchange a vendor outage concerns, and how much: its largest share on that vendor
    (None when the source names it but its share is unknown)."""

    exchange_id: int
    share_percent: Decimal | None
    workload: str = ""
    region: str = ""
    is_named_by_source: bool = False

    @property
    def weight(self) -> Decimal:
        """0..1; an exchange the source names as affected counts fully even without a known share."""
        if self.share_percent is None:
            return Decimal("1")
        return self.share_percent / 100


def affected_exchanges(
    *, vendor_id: int, allocations: Iterable[AllocationFact], named_exchange_ids: Iterable[int] = ()
) -> list[AffectedExchange]:
    """Every exchange with an allocation on the vendor, weighted by its share (the largest over its
    workloads), plus those the source names; largest share first."""
    best: dict[int, AllocationFact] = {}
    for allocation in allocations:
        if allocation.vendor_id != vendor_id or allocation.share_percent <= 0:
            continue
        current = best.get(allocation.exchange_id)
        if current is None or allocation.share_percent > current.share_percent:
            best[allocation.exchange_id] = allocation
    named = set(named_exchange_ids)
    result = [
        AffectedExchange(
            exchange_id=allocation.exchange_id,
            share_percent=allocation.share_percent,
            workload=allocation.workload,
            region=allocation.region,
            is_named_by_source=allocation.exchange_id in named,
        )
        for allocation in best.values()
    ]
    result += [
        AffectedExchange(exchange_id=exchange_id, share_percent=None, is_named_by_source=True)
        for exchange_id in sorted(named - set(best))
    ]
    return sorted(result, key=lambda item: (-(item.share_percent or Decimal("-1")), item.exchange_id))
