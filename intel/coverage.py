"""What the product knows about the real exchanges, and where the gaps are: the one owner of the
data-coverage figures that `data_coverage`, `make demo` and the managers' page print."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q

from crm.choices import EvidenceSource, FactOrigin, SizeTier
from crm.demo import GENERATED_ACCOUNT_SLUG_PREFIX
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
    # The made-up accounts of the GENERATED demo deal history (load_demo_pipeline), counted apart.
    made_up_accounts: int = 0
    made_up_generated_values: int = 0

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
        made_up = (
            [
                f"GENERATED demo deal history (not account facts, not counted above): {self.made_up_accounts} "
                f"made-up accounts with {self.made_up_generated_values} GENERATED values"
            ]
            if self.made_up_accounts
            else []
        )
        return [
            f"size set by hand: {self.size_by_hand} exchanges; size unknown: {self.size_unknown}",
            f"licence statuses entered by a person: {self.person_presences} presences",
            f"evidence without a source URL: {self.allocations_without_source_url} allocations, "
            f"{self.signals_without_source_url} signals",
            *dates,
            *made_up,
        ]


def data_coverage() -> Coverage:
    """The coverage of every exchange in the account book (all real: the product makes none up;
    GENERATED values are counted wherever they sit on one)."""
    made_up = Q(slug__startswith=GENERATED_ACCOUNT_SLUG_PREFIX)
    exchanges = Exchange.objects.exclude(made_up)
    made_up_ids = Exchange.objects.filter(made_up).values("pk")
    by_hand = Q(size_tier_by_hand__in=[SizeTier.SMALL, SizeTier.MID, SizeTier.LARGE])
    with_figure = Q(pk__in=MarketFigure.objects.matched().values("exchange_id"))
    presences = Presence.objects.exclude(exchange_id__in=made_up_ids)
    allocations = Allocation.objects.exclude(exchange_id__in=made_up_ids)
    register_presences = presences.filter(origin=FactOrigin.REGISTER)
    sourced = allocations.exclude(source_url="").exclude(evidence_source=EvidenceSource.GENERATED)
    generated = (
        presences.filter(origin=FactOrigin.GENERATED).count()
        + allocations.filter(evidence_source=EvidenceSource.GENERATED).count()
    )
    made_up_generated = (
        Presence.objects.filter(exchange_id__in=made_up_ids, origin=FactOrigin.GENERATED).count()
        + Allocation.objects.filter(exchange_id__in=made_up_ids, evidence_source=EvidenceSource.GENERATED).count()
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
        person_presences=presences.filter(origin=FactOrigin.PERSON).count(),
        generated_values=generated,
        sourced_cloud_exchanges=sourced.values("exchange_id").distinct().count(),
        allocations_without_source_url=allocations.filter(source_url="").count(),
        signals_without_source_url=Signal.objects.filter(source_url="").exclude(kind="meeting").count(),
        newest=tuple(newest),
        made_up_accounts=Exchange.objects.filter(made_up).count(),
        made_up_generated_values=made_up_generated,
    )
