"""The evidence behind a score's factors, in words: each factor's references ('allocation:12',
'signal:4', ...) resolved to what a rep can read and open, one query per kind of evidence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from crm.models import Activity, Allocation, Exchange
from intel.models import Event, MarketFigure, Regulation, Signal
from leads.sentences import factor_sentence

if TYPE_CHECKING:  # the type only: entry points never run the scoring (an import-linter contract)
    from leads.scoring import Factor


def _allocations(ids, visible):
    for a in Allocation.objects.filter(pk__in=ids, exchange__in=visible).select_related("vendor", "exchange"):
        label = f"{a.vendor.name} holds {a.share_percent.normalize():f}% ({a.get_workload_display()})"
        yield a.pk, label, a.source_url, a.observed_on


def _signals(ids, visible):
    for s in Signal.objects.filter(pk__in=ids):
        yield s.pk, f"{s.get_kind_display()}: {s.title}", s.source_url, s.occurred_at.date()


def _regulations(ids, visible):
    for r in Regulation.objects.filter(pk__in=ids).select_related("jurisdiction"):
        yield r.pk, f"{r.name} ({r.jurisdiction.code}), effective {r.effective_on}", r.source_url, r.effective_on


def _events(ids, visible):
    for e in Event.objects.filter(pk__in=ids):
        yield e.pk, f"Met at {e.name}, {e.city}", e.source_url, e.ends_on


def _activities(ids, visible):
    for a in Activity.objects.filter(pk__in=ids, exchange__in=visible):
        yield a.pk, f"{a.get_kind_display()}: {a.summary}", "", a.occurred_at.date()


def _market_figures(ids, visible):
    for f in MarketFigure.objects.filter(pk__in=ids, exchange__in=visible):
        volume = f.volume_24h_btc_normalized if f.volume_24h_btc_normalized is not None else f.volume_24h_btc
        rank = f", trust rank {f.trust_score_rank}" if f.trust_score_rank else ""
        label = (
            f"{f.get_source_display()}: 24h volume {volume:,.0f} BTC{rank} (Data provided by {f.get_source_display()})"
        )
        yield f.pk, label, f"https://www.coingecko.com/en/exchanges/{f.source_exchange_id}", f.as_of


RESOLVERS = {
    "allocation": _allocations,
    "signal": _signals,
    "regulation": _regulations,
    "event": _events,
    "activity": _activities,
    "market_figure": _market_figures,
}


def explain_factors(factors: Iterable[Factor], *, user, language: str | None = None) -> list[dict]:
    """Each factor with its sentence in `language` (leads.sentences) and the evidence the user may see."""
    factors = list(factors)
    wanted: dict[str, set[int]] = defaultdict(set)
    for factor in factors:
        for reference in factor.references:
            kind, _, pk = reference.partition(":")
            if kind in RESOLVERS and pk.isdigit():
                wanted[kind].add(int(pk))
    visible = Exchange.objects.visible_to(user).values("pk")
    found: dict[str, dict] = {}
    for kind, ids in wanted.items():
        for pk, label, url, day in RESOLVERS[kind](ids, visible):
            found[f"{kind}:{pk}"] = {
                "reference": f"{kind}:{pk}",
                "kind": kind,
                "label": label,
                "source_url": url or "",
                "occurred_on": day.isoformat() if day else None,
            }
    return [
        {
            "code": factor.code,
            "points": factor.points,
            "sentence": factor_sentence(factor.to_json(), language),
            "evidence": [found[r] for r in factor.references if r in found],
        }
        for factor in factors
    ]
