"""The lead score: plain facts about one exchange in, a score with the factors that explain it out.

Pure: no ORM and no clock (`as_of` is a parameter), so the batch, the API's explanation and the
tests share one function. Each factor carries whole points, the evidence behind it and its sentence as a
message id with parameters (leads.sentences renders it in the reader's language; `sentence` keeps the
English); the points add up to the score before it is clamped to 0..100."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from crm.shares import AllocationFact, SharesInView, shares_in_view
from intel.outages import Reach, outage_exposure
from intel.pressure import PresenceFact as PressurePresence
from intel.pressure import RegulationFact as PressureRegulation
from intel.pressure import regulatory_pressures
from leads.parameters import ScoringParameters
from leads.sentences import gettext_noop, message, render_english
from leads.sizing import MarketFigureFact, SizeVerdict, figure_clause, size_in_effect

# Re-exported: facts and tests read them from here.
__all__ = ["AllocationFact", "MarketFigureFact", "size_in_effect"]

# Licence statuses that count as licensed for "compliant exchange".
LICENSED_STATUSES = frozenset({"licensed", "registered"})
SIZE_MESSAGES = {
    "mid": gettext_noop("A mid-size exchange: the contested middle"),
    "large": gettext_noop("A large exchange: usually tied to an incumbent vendor"),
    "small": gettext_noop("A small exchange: little cloud spend"),
    "unknown": gettext_noop("Its size is unknown"),
}


@dataclass(frozen=True, slots=True)
class PresenceFact:
    jurisdiction_id: int
    jurisdiction_name: str
    licence_status: str
    is_major: bool
    is_banned: bool
    since: datetime.date | None = None  # the day the exchange arrived there, if known


@dataclass(frozen=True, slots=True)
class IncidentFact:
    """An outage at a vendor: relevant when it reaches one of the exchange's allocations (by region,
    intel.outages) or the source names the exchange."""

    signal_id: int
    vendor_id: int
    vendor_name: str
    region: str  # as the source wrote it
    occurred_at: datetime.datetime
    severity: int
    names_exchange: bool
    region_code: str = ""  # the vendor's region code, "" unknown
    region_label: str = ""  # "ap-northeast-1 (Tokyo)"


@dataclass(frozen=True, slots=True)
class RegulationFact:
    id: int
    jurisdiction_id: int
    jurisdiction_name: str
    name: str
    effective_on: datetime.date
    pressured_statuses: tuple[str, ...]
    forces_relocation: bool
    consequence: str


@dataclass(frozen=True, slots=True)
class MomentFact:
    """A dated touch: an AI-interest signal, a meeting at an event, an activity."""

    reference: str
    occurred_at: datetime.datetime
    label: str


@dataclass(frozen=True, slots=True)
class ExchangeFacts:
    exchange_id: int
    name: str
    size_tier_by_hand: str = "unknown"
    is_do_not_pursue: bool = False
    allocations: tuple[AllocationFact, ...] = ()
    presences: tuple[PresenceFact, ...] = ()
    incidents: tuple[IncidentFact, ...] = ()
    regulations: tuple[RegulationFact, ...] = ()
    ai_interest: tuple[MomentFact, ...] = ()
    engagements: tuple[MomentFact, ...] = ()
    market_figure: MarketFigureFact | None = None
    size_reason: str = ""


@dataclass(frozen=True, slots=True)
class HomeVendor:
    id: int | None
    name: str


@dataclass(frozen=True, slots=True)
class Factor:
    """One reason of a score. `message` (an English template, %(name)s placeholders) and `params` say it
    in any language (leads.sentences.factor_sentence); `sentence` is the English, kept for readers of the
    stored JSON. A message that counts is a [singular, plural] pair, chosen by params["count"]."""

    code: str
    points: int
    sentence: str
    references: tuple[str, ...] = ()
    message: str | tuple[str, str] = ""
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict:
        # The same keys, in the same order, as the stored JSON (orjson writes the fields in order).
        return {
            "code": self.code,
            "points": self.points,
            "sentence": self.sentence,
            "references": list(self.references),
            "message": list(self.message) if isinstance(self.message, tuple) else self.message,
            "params": self.params,
        }


def _factor(code: str, points: int, msgid: str | tuple[str, str], references=(), **params: Any) -> Factor:
    """A factor saying `msgid` with `params`; its English sentence rendered once, here."""
    sentence = render_english({"message": msgid, "params": params})
    return Factor(code, points, sentence, tuple(references), msgid, params)


@dataclass(frozen=True, slots=True)
class ScoreResult:
    exchange_id: int
    score: int
    grade: str
    factors: tuple[Factor, ...]
    is_defend: bool = False
    is_research_needed: bool = False
    points_total: int = 0
    size_tier: str = "unknown"

    def factors_json(self) -> list[dict]:
        return [factor.to_json() for factor in self.factors]


def decay(*, occurred_at: datetime.datetime, as_of: datetime.datetime, half_life_days: int) -> float:
    """The weight left after halving every half-life; 0 for what has not happened yet as of then."""
    age_days = (as_of - occurred_at).total_seconds() / 86400
    if age_days < 0:
        return 0.0
    return 0.5 ** (age_days / half_life_days)


def _decayed(weight: float) -> dict | str:
    """The clause saying how much of its weight the evidence keeps; empty at full weight."""
    percent = round(weight * 100)
    return "" if percent >= 100 else message(gettext_noop(" (decayed to %(percent)s)"), percent=percent)


def _share(value) -> float:
    """A share as a JSON number (Decimal from the database, float from tests)."""
    return float(value)


def _shares_in_view(allocations: tuple[AllocationFact, ...], home: HomeVendor) -> SharesInView:
    """The workload in view, our share and the rivals': crm.shares is the one owner of that answer."""
    return shares_in_view(allocations, home_vendor_id=home.id)


def _hard_stop(facts: ExchangeFacts) -> Factor | None:
    if facts.is_do_not_pursue:
        return _factor("do_not_pursue", 0, gettext_noop("Marked do not pursue"))
    if facts.presences and all(p.is_banned for p in facts.presences):
        places = sorted(p.jurisdiction_name for p in facts.presences)
        return _factor(
            "banned_only",
            0,
            gettext_noop("It operates only in %(places)s, where crypto trading is banned"),
            places=places,
        )
    return None


RESEARCH_NEEDED = _factor("research_needed", 0, gettext_noop("Its cloud allocation is unknown: research needed"))
# Factors are frozen, so the few distinct size factors without a figure are built once and shared.
_SIZE_FACTORS: dict[tuple[str, int], Factor] = {}


def _size_factor(verdict: SizeVerdict, points: int, reason: str) -> Factor:
    if verdict.basis == "market" and verdict.figure is not None:
        return _factor(
            "size",
            points,
            gettext_noop("%(tier)s: %(figure)s"),
            (f"market_figure:{verdict.figure.id}",),
            tier=verdict.tier,
            figure=figure_clause(verdict.figure),
        )
    size = SIZE_MESSAGES.get(verdict.tier, SIZE_MESSAGES["unknown"])
    if verdict.basis == "hand" and reason:
        return _factor(
            "size", points, gettext_noop("%(size)s (set by hand: %(reason)s)"), size=message(size), reason=reason
        )
    factor = _SIZE_FACTORS.get((verdict.tier, points))
    if factor is None:
        factor = _factor("size", points, size)
        if len(_SIZE_FACTORS) < 1000:  # tiers are a handful; the bound only guards odd input
            _SIZE_FACTORS[(verdict.tier, points)] = factor
    return factor


def score_exchange(
    facts: ExchangeFacts, *, parameters: ScoringParameters, home: HomeVendor, as_of: datetime.datetime
) -> ScoreResult:
    """Score one exchange as of a moment. Deterministic: the same facts, parameters and moment
    give the same result, factor for factor."""
    p = parameters
    size = size_in_effect(size_tier_by_hand=facts.size_tier_by_hand, figure=facts.market_figure, parameters=p)
    stop = _hard_stop(facts)
    if stop is not None:
        return ScoreResult(facts.exchange_id, 0, p.grade(0), (stop,), size_tier=size.tier)

    factors: list[Factor] = [_size_factor(size, p.size_points.get(size.tier, 0), facts.size_reason)]

    is_defend = False
    is_research_needed = not facts.allocations
    if is_research_needed:
        factors.append(RESEARCH_NEEDED)
    else:
        view = _shares_in_view(facts.allocations, home)
        where = view.workload  # a workload code: leads.sentences words it
        rivals = view.rivals
        if rivals:
            top = rivals[0]
            factors.append(
                _factor(
                    "rival_share",
                    round(p.largest_rival_points * top.share_percent / 100),
                    gettext_noop("%(vendor)s holds %(share)s of %(workload)s"),
                    (f"allocation:{top.id}",),
                    vendor=top.vendor_name,
                    share=_share(top.share_percent),
                    workload=where,
                )
            )
            if top.share_percent >= p.displacement_share_percent:
                factors.append(
                    _factor(
                        "displacement_target",
                        p.displacement_points,
                        gettext_noop("A rival at %(threshold)s or more: a displacement target"),
                        (f"allocation:{top.id}",),
                        threshold=p.displacement_share_percent,
                    )
                )
            total = view.rivals_total
            factors.append(
                _factor(
                    "displaceable_share",
                    round(p.displaceable_points * total / 100),
                    (
                        gettext_noop("Rivals hold %(total)s of %(workload)s in all (%(count)s vendor)"),
                        gettext_noop("Rivals hold %(total)s of %(workload)s in all (%(count)s vendors)"),
                    ),
                    tuple(f"allocation:{a.id}" for a in rivals),
                    total=_share(total),
                    workload=where,
                    count=len(rivals),
                )
            )
        ours = view.ours
        if ours is not None and ours.share_percent > 0:
            is_defend = ours.share_percent >= p.defend_share_percent
            if is_defend:
                msgid = gettext_noop(
                    "%(vendor)s (our vendor) holds %(share)s of %(workload)s: a customer to defend, not a new logo"
                )
            else:
                msgid = gettext_noop("%(vendor)s (our vendor) holds %(share)s of %(workload)s")
            factors.append(
                _factor(
                    "defend" if is_defend else "home_share",
                    round(p.home_share_points * ours.share_percent / 100),
                    msgid,
                    (f"allocation:{ours.id}",),
                    vendor=home.name,
                    share=_share(ours.share_percent),
                    workload=where,
                )
            )

    ai_factor = _rival_ai_workload_factor(facts, p, home)
    if ai_factor is not None:
        factors.append(ai_factor)
    factors.extend(_incident_factors(facts, p, home, as_of))
    factors.extend(_regulation_factors(facts, p, as_of))

    licensed = sorted(
        {pr.jurisdiction_name for pr in facts.presences if pr.is_major and pr.licence_status in LICENSED_STATUSES}
    )
    if licensed:
        factors.append(
            _factor(
                "major_licence",
                p.major_licence_points,
                gettext_noop("Licensed in %(places)s, a major jurisdiction: a compliant exchange"),
                places=licensed,
            )
        )

    moment = _latest(facts.ai_interest, as_of, p.ai_interest_half_life_days)
    if moment is not None:
        item, weight = moment
        points = round(p.ai_interest_points * weight)
        if points:
            factors.append(
                _factor(
                    "ai_interest",
                    points,
                    gettext_noop("Interest in AI / LLM services on %(date)s: %(label)s%(decayed)s"),
                    (item.reference,),
                    date=item.occurred_at.date().isoformat(),
                    label=item.label,
                    decayed=_decayed(weight),
                )
            )
    moment = _latest(facts.engagements, as_of, p.engagement_half_life_days)
    if moment is not None:
        item, weight = moment
        points = round(p.engagement_points * weight)
        if points:
            factors.append(
                _factor(
                    "engagement",
                    points,
                    gettext_noop("%(label)s on %(date)s%(decayed)s"),
                    (item.reference,),
                    label=item.label,
                    date=item.occurred_at.date().isoformat(),
                    decayed=_decayed(weight),
                )
            )

    total = sum(f.points for f in factors)
    score = max(0, min(100, total))
    return ScoreResult(
        facts.exchange_id, score, p.grade(score), tuple(factors), is_defend, is_research_needed, total, size.tier
    )


def _rival_ai_workload_factor(facts: ExchangeFacts, p: ScoringParameters, home: HomeVendor) -> Factor | None:
    """A rival running its AI / LLM workloads: the LLM-spend opening, its own factor whatever
    workload the share factors describe."""
    ai_workloads = [a for a in facts.allocations if a.workload == "ai"]
    if not ai_workloads:
        return None
    top = shares_in_view(ai_workloads, home_vendor_id=home.id).largest_rival  # crm.shares owns "largest rival"
    if top is None:
        return None
    points = round(p.rival_ai_workload_points * top.share_percent / 100)
    if not points:
        return None
    return _factor(
        "rival_ai_workload",
        points,
        gettext_noop("%(vendor)s runs %(share)s of its AI / LLM workloads: an opening for our LLM services"),
        (f"allocation:{top.id}",),
        vendor=top.vendor_name,
        share=_share(top.share_percent),
    )


def _latest(
    moments: tuple[MomentFact, ...], as_of: datetime.datetime, half_life_days: int
) -> tuple[MomentFact, float] | None:
    """The most recent moment that happened by as_of, with its decayed weight."""
    best: MomentFact | None = None
    for moment in moments:
        if moment.occurred_at <= as_of and (
            best is None or (moment.occurred_at, moment.reference) > (best.occurred_at, best.reference)
        ):
            best = moment
    if best is None:
        return None
    return best, decay(occurred_at=best.occurred_at, as_of=as_of, half_life_days=half_life_days)


def _incident_factors(facts: ExchangeFacts, p: ScoringParameters, home: HomeVendor, as_of: datetime.datetime):
    """Outages that reach the exchange (intel.outages, the owner of outage reach): one in the region
    of an allocation counts fully, one where either region is unknown at the model's
    `incident_unknown_region_percent`, one in another region not at all."""
    if not facts.incidents:
        return []
    factors = []
    for incident in sorted(facts.incidents, key=lambda i: (i.occurred_at, i.signal_id)):
        exposure = outage_exposure(
            outage_vendor_id=incident.vendor_id,
            outage_region_code=incident.region_code,
            allocations=facts.allocations,
            names_exchange=incident.names_exchange,
        )
        if exposure is None:
            continue
        weight = decay(occurred_at=incident.occurred_at, as_of=as_of, half_life_days=p.incident_half_life_days)
        if weight == 0:
            continue
        # Named by the source but with no known allocation there: count it as half its spend.
        used = float(exposure.share_percent) if exposure.share_percent is not None else 50.0
        is_possible = exposure.reach == Reach.POSSIBLE
        is_ours = incident.vendor_id == home.id
        base = p.home_incident_points if is_ours else p.rival_incident_points
        points = base * incident.severity / 5 * used / 100 * weight
        if is_possible:
            points = points * p.incident_unknown_region_percent / 100
        points = round(points)
        if not points:
            continue
        region = incident.region_label or incident.region
        if incident.names_exchange:
            effect = message(gettext_noop("disrupted its trading"))
        elif is_possible:
            effect = message(
                gettext_noop(
                    "possibly affected (region unknown) the vendor holding %(share)s of its allocations, "
                    "counted at %(percent)s"
                ),
                share=_share(used),
                percent=p.incident_unknown_region_percent,
            )
        else:
            effect = message(
                gettext_noop("hit the vendor holding %(share)s of its allocations in that region"), share=_share(used)
            )
        if region and is_ours:
            msgid = gettext_noop(
                "%(vendor)s %(region)s outage on %(date)s %(effect)s: our own vendor, the account is at risk%(decayed)s"
            )
        elif region:
            msgid = gettext_noop("%(vendor)s %(region)s outage on %(date)s %(effect)s%(decayed)s")
        elif is_ours:
            msgid = gettext_noop(
                "%(vendor)s outage on %(date)s %(effect)s: our own vendor, the account is at risk%(decayed)s"
            )
        else:
            msgid = gettext_noop("%(vendor)s outage on %(date)s %(effect)s%(decayed)s")
        factors.append(
            _factor(
                "home_incident" if is_ours else "rival_incident",
                points,
                msgid,
                (f"signal:{incident.signal_id}",),
                vendor=incident.vendor_name,
                **({"region": region} if region else {}),
                date=incident.occurred_at.date().isoformat(),
                effect=effect,
                decayed=_decayed(weight),
            )
        )
    return factors


def _regulation_factors(facts: ExchangeFacts, p: ScoringParameters, as_of: datetime.datetime):
    """The pressures in force on the day (intel.pressure is the one owner of the rule: a regulation
    presses from its effective date or the day the exchange arrived, whichever is later)."""
    if not facts.regulations or not facts.presences:
        return []
    regulations = {regulation.id: regulation for regulation in facts.regulations}
    pressures = regulatory_pressures(
        as_of=as_of.date(),
        regulations=[
            PressureRegulation(
                id=r.id,
                jurisdiction_code=r.jurisdiction_id,
                name=r.name,
                effective_on=r.effective_on,
                pressured_statuses=r.pressured_statuses,
                consequence=r.consequence,
                forces_relocation=r.forces_relocation,
            )
            for r in regulations.values()
        ],
        presences=[
            PressurePresence(facts.exchange_id, facts.name, pr.jurisdiction_id, pr.licence_status, pr.since)
            for pr in facts.presences
        ],
    )
    factors = []
    for pressure in sorted(pressures, key=lambda x: (regulations[x.regulation_id].effective_on, x.regulation_id)):
        regulation = regulations[pressure.regulation_id]
        status = pressure.licence_status
        if regulation.forces_relocation:
            points, outcome = p.relocation_points, message(gettext_noop("it must relocate"))
        elif regulation.consequence:
            # The regulation's consequence as a person wrote it: shown as written in every language.
            points, outcome = p.regulation_points, message("%(outcome_text)s", outcome_text=regulation.consequence)
        else:
            points, outcome = p.regulation_points, message(gettext_noop("it is under pressure"))
        since = message(gettext_noop("since %(date)s"), date=regulation.effective_on.isoformat())
        if pressure.since != regulation.effective_on:
            since = message(
                gettext_noop("(in force since %(effective_on)s) since it arrived on %(arrived_on)s"),
                effective_on=regulation.effective_on.isoformat(),
                arrived_on=pressure.since.isoformat(),
            )
        factors.append(
            _factor(
                "relocation" if regulation.forces_relocation else "regulation",
                points,
                gettext_noop("%(jurisdiction)s's %(regulation)s %(since)s and %(status)s: %(outcome)s"),
                (f"regulation:{regulation.id}",),
                jurisdiction=regulation.jurisdiction_name,
                regulation=regulation.name,
                since=since,
                status=status,
                outcome=outcome,
            )
        )
    return factors
