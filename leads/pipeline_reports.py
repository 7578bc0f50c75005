"""The pipeline's figures for the pages (board, forecast, win rates): the one owner of each, scoped by
the viewer's visibility (Opportunity.objects.visible_to, which is crm.access's rule)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from crm.choices import SizeTier
from crm.models import Allocation, CloudVendor
from leads.choices import OpportunityStage
from leads.models import Opportunity
from leads.pipeline_training import win_likelihood_summary, win_predictions_current

BOARD_CLOSED_DAYS = 90


@dataclass
class BoardColumn:
    stage: str
    label: str
    cards: list = field(default_factory=list)
    spend: Decimal = Decimal(0)


def pipeline_board(user, *, now: datetime.datetime, generated: bool | None = None) -> list[BoardColumn]:
    """Open opportunities by stage (and those closed in the last 90 days), each card with its current
    win likelihood."""
    queryset = Opportunity.objects.visible_to(user).select_related("exchange", "owner")
    if generated is not None:
        queryset = queryset.filter(is_generated=generated)
    since = now - datetime.timedelta(days=BOARD_CLOSED_DAYS)
    queryset = queryset.filter(
        ~Q(stage__in=OpportunityStage.closed())
        | Q(closed_at__gte=since)
        | Q(closed_at__isnull=True, close_date__gte=since.date())
    ).order_by("close_date", "pk")
    items = list(queryset)
    predictions = win_predictions_current(o.pk for o in items)
    columns = {value: BoardColumn(value, label) for value, label in OpportunityStage.choices}
    for opportunity in items:
        column = columns[opportunity.stage]
        column.cards.append(
            {"opportunity": opportunity, "likelihood": win_likelihood_summary(predictions.get(opportunity.pk))}
        )
        column.spend += opportunity.monthly_spend_usd or 0
    return list(columns.values())


@dataclass(frozen=True)
class ForecastMonth:
    month: datetime.date
    count: int
    spend: Decimal
    weighted: Decimal
    likelihood_weighted: Decimal | None


def pipeline_forecast(user, *, generated: bool | None = None) -> list[ForecastMonth]:
    """Open opportunities by the month of their close date: monthly spend in all, weighted by the
    stage probability (spend x probability), and weighted by the win likelihood where predicted."""
    queryset = Opportunity.objects.visible_to(user).open().filter(close_date__isnull=False)
    if generated is not None:
        queryset = queryset.filter(is_generated=generated)
    rows = list(queryset.values_list("pk", "close_date", "monthly_spend_usd", "probability"))
    predictions = win_predictions_current(pk for pk, *_rest in rows)
    months: dict[datetime.date, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0), Decimal(0), 0])
    for pk, close_date, spend, probability in rows:
        month = close_date.replace(day=1)
        spend = spend or Decimal(0)
        entry = months[month]
        entry[0] += 1
        entry[1] += spend
        entry[2] += spend * Decimal(probability or 0) / 100
        prediction = predictions.get(pk)
        if prediction is not None:
            entry[3] += spend * Decimal(str(prediction.likelihood))
            entry[4] += 1
    return [
        ForecastMonth(
            month,
            count,
            spend.quantize(Decimal("1")),
            weighted.quantize(Decimal("1")),
            likely.quantize(Decimal("1")) if predicted == count else None,
        )
        for month, (count, spend, weighted, likely, predicted) in sorted(months.items())
    ]


@dataclass(frozen=True)
class WinRate:
    key: str
    label: str
    won: int
    lost: int

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def percent(self) -> int | None:
        return round(100 * self.won / self.closed) if self.closed else None


def _rates(counts: dict[tuple[str, str], list[int]]) -> list[WinRate]:
    rates = [WinRate(key, label, won, lost) for (key, label), (won, lost) in counts.items()]
    return sorted(rates, key=lambda r: (-r.closed, r.label))


def pipeline_win_rates(user, *, generated: bool | None = None) -> dict[str, list[WinRate]]:
    """Closed opportunities won and lost, by rival, by jurisdiction (headquarters) and by size tier.

    The rival of a lost deal is the vendor it was lost to; of a won deal, the rival that ran the
    largest share of the account's cloud (its allocations now). Deals with neither count under
    "No rival known". The size tier is the one stored on the exchange (leads.scoring's answer)."""
    queryset = Opportunity.objects.visible_to(user).closed()
    if generated is not None:
        queryset = queryset.filter(is_generated=generated)
    rows = list(
        queryset.values_list(
            "stage",
            "exchange_id",
            "lost_to__slug",
            "lost_to__name",
            "exchange__headquarters__code",
            "exchange__headquarters__name",
            "exchange__size_tier",
        )
    )
    home = CloudVendor.objects.home()
    main_rival: dict[int, tuple[str, str]] = {}
    largest: dict[int, float] = {}
    allocations = Allocation.objects.filter(exchange_id__in={r[1] for r in rows})
    if home is not None:
        allocations = allocations.exclude(vendor=home)
    for exchange_id, slug, name, share in allocations.values_list(
        "exchange_id", "vendor__slug", "vendor__name", "share_percent"
    ):
        if float(share) > largest.get(exchange_id, -1):
            largest[exchange_id] = float(share)
            main_rival[exchange_id] = (slug, name)
    tiers = dict(SizeTier.choices)
    by_rival: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_place: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_tier: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    unknown_rival = ("", _("No rival known"))
    for stage, exchange_id, lost_slug, lost_name, code, place, tier in rows:
        slot = 0 if stage == OpportunityStage.CLOSED_WON else 1
        rival = (lost_slug, lost_name) if lost_slug else main_rival.get(exchange_id, unknown_rival)
        by_rival[rival][slot] += 1
        by_place[(code or "", place or _("No headquarters known"))][slot] += 1
        by_tier[(tier or SizeTier.UNKNOWN, str(tiers.get(tier or SizeTier.UNKNOWN, tier)))][slot] += 1
    return {"rival": _rates(by_rival), "jurisdiction": _rates(by_place), "size_tier": _rates(by_tier)}


def exchange_opportunities(exchange) -> list[dict]:
    """The exchange page's opportunities, open first, each with its current win likelihood (two queries)."""
    items = list(exchange.opportunities.select_related("owner", "lost_to").order_by("closed_at", "-opened_at"))
    items.sort(key=lambda o: (o.is_closed, -o.opened_at.timestamp()))
    predictions = win_predictions_current(o.pk for o in items)
    return [{"opportunity": o, "likelihood": win_likelihood_summary(predictions.get(o.pk))} for o in items]
