"""What the product knows about the real exchanges, and where the gaps are: the one owner of the
data-coverage figures that `data_coverage`, `make demo` and the managers' page print."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q

from crm.choices import EvidenceSource, FactOrigin, SizeTier
from crm.models import Allocation, Exchange, Presence
from intel.models import MarketFigure, Register, Signal


@dataclass(frozen=True)
class SourceDate:
    source: str
    newest: datetime.date | None


@dataclass(frozen=True)
class Coverage:
    exchanges: int
    size_from_market_data: int
    size_by_hand: int
    size_unknown: int
    register_presences: int
    register_exchanges: int
    person_presences: int
    generated_values: int
    sourced_cloud_exchanges: int
    allocations_without_source_url: int
    signals_without_source_url: int
    newest: tuple[SourceDate, ...]

    def summary_lines(self) -> list[str]:
        """The four headline lines, in the exact form `make demo` prints them."""
        return [
            f"size from market data: {self.size_from_market_data} of {self.exchanges} exchanges",
            f"licence statuses from registers: {self.register_presences} presences on "
            f"{self.register_exchanges} exchanges",
            f"GENERATED values on real exchanges: {self.generated_values}",
            f"exchanges with sourced cloud evidence: {self.sourced_cloud_exchanges}",
        ]

    def detail_lines(self) -> list[str]:
        dates = [
            f"newest {item.source}: {item.newest:%Y-%m-%d}" if item.newest else f"newest {item.source}: none"
            for item in self.newest
        ]
        return [
            f"size set by hand: {self.size_by_hand} exchanges; size unknown: {self.size_unknown}",
            f"licence statuses entered by a person: {self.person_presences} presences",
            f"evidence without a source URL: {self.allocations_without_source_url} allocations, "
            f"{self.signals_without_source_url} signals",
            *dates,
        ]


def data_coverage() -> Coverage:
    """The coverage of every exchange in the account book (all real: the product makes none up;
    GENERATED values are counted wherever they sit on one)."""
    exchanges = Exchange.objects.all()
    by_hand = Q(size_tier_by_hand__in=[SizeTier.SMALL, SizeTier.MID, SizeTier.LARGE])
    with_figure = Q(pk__in=MarketFigure.objects.matched().values("exchange_id"))
    register_presences = Presence.objects.filter(origin=FactOrigin.REGISTER)
    sourced = Allocation.objects.exclude(source_url="").exclude(evidence_source=EvidenceSource.GENERATED)
    generated = (
        Presence.objects.filter(origin=FactOrigin.GENERATED).count()
        + Allocation.objects.filter(evidence_source=EvidenceSource.GENERATED).count()
    )
    newest = [
        SourceDate("CoinGecko figure", MarketFigure.objects.matched().aggregate(newest=Max("as_of"))["newest"]),
        *(
            SourceDate(f"{Register(kind=kind).get_kind_display()}", date)
            for kind, date in Register.objects.values_list("kind").annotate(newest=Max("as_of")).order_by("kind")
        ),
        SourceDate("cloud evidence", sourced.aggregate(newest=Max("observed_on"))["newest"]),
    ]
    return Coverage(
        exchanges=exchanges.count(),
        size_from_market_data=exchanges.filter(with_figure & ~by_hand).count(),
        size_by_hand=exchanges.filter(by_hand).count(),
        size_unknown=exchanges.filter(~with_figure & ~by_hand).count(),
        register_presences=register_presences.count(),
        register_exchanges=register_presences.values("exchange_id").distinct().count(),
        person_presences=Presence.objects.filter(origin=FactOrigin.PERSON).count(),
        generated_values=generated,
        sourced_cloud_exchanges=sourced.values("exchange_id").distinct().count(),
        allocations_without_source_url=Allocation.objects.filter(source_url="").count(),
        signals_without_source_url=Signal.objects.filter(source_url="").exclude(kind="meeting").count(),
        newest=tuple(newest),
    )
