"""The evidence behind a score's factors, in words: each factor's references ('allocation:12',
'signal:4', ...) resolved to what a rep can read and open, one query per kind of evidence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from crm.models import Activity, Allocation, Exchange
from intel.models import Event, MarketFigure, Regulation, Signal
from leads.sentences import factor_sentence, gettext_noop, message

if TYPE_CHECKING:  # the type only: entry points never run the scoring (an import-linter contract)
    from leads.scoring import Factor


# The labels are rendered in the active language (the explain view activates the response's), their
# numbers and dates in its formats, by leads.sentences.


def _label(msgid: str, **params) -> str:
    return factor_sentence(message(msgid, **params))


def _allocations(ids, visible):
    for a in Allocation.objects.filter(pk__in=ids, exchange__in=visible).select_related("vendor", "exchange"):
        label = _label(
            gettext_noop("%(vendor)s holds %(share)s (%(workload_label)s)"),
            vendor=a.vendor.name,
            share=float(a.share_percent),
            workload_label=str(a.get_workload_display()),
        )
        yield a.pk, label, a.source_url, a.observed_on


def _signals(ids, visible):
    for s in Signal.objects.filter(pk__in=ids):
        yield s.pk, f"{s.get_kind_display()}: {s.title}", s.source_url, s.occurred_at.date()


def _regulations(ids, visible):
    for r in Regulation.objects.filter(pk__in=ids).select_related("jurisdiction"):
        label = _label(
            gettext_noop("%(regulation)s (%(code)s), effective %(date)s"),
            regulation=r.name,
            code=r.jurisdiction.code,
            date=r.effective_on.isoformat(),
        )
        yield r.pk, label, r.source_url, r.effective_on


def _events(ids, visible):
    for e in Event.objects.filter(pk__in=ids):
        yield (
            e.pk,
            _label(gettext_noop("Met at %(event)s, %(city)s"), event=e.name, city=e.city),
            e.source_url,
            e.ends_on,
        )


def _activities(ids, visible):
    for a in Activity.objects.filter(pk__in=ids, exchange__in=visible):
        yield a.pk, f"{a.get_kind_display()}: {a.summary}", "", a.occurred_at.date()


def _market_figures(ids, visible):
    for f in MarketFigure.objects.filter(pk__in=ids, exchange__in=visible):
        volume = f.volume_24h_btc_normalized if f.volume_24h_btc_normalized is not None else f.volume_24h_btc
        params = {"source_name": str(f.get_source_display()), "volume": float(volume)}
        if f.trust_score_rank:
            label = _label(
                gettext_noop(
                    "%(source_name)s: 24h volume %(volume)s BTC, trust rank %(rank)s (Data provided by %(source_name)s)"
                ),
                rank=f.trust_score_rank,
                **params,
            )
        else:
            label = _label(
                gettext_noop("%(source_name)s: 24h volume %(volume)s BTC (Data provided by %(source_name)s)"), **params
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
