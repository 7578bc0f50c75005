"""The lead score: plain facts about one exchange in, a score with the factors that explain it out.

Pure: no ORM and no clock (`as_of` is a parameter), so the batch, the API's explanation and the
tests share one function. Each factor carries whole points, a sentence a rep can read and the
evidence behind it; the points add up to the score before it is clamped to 0..100."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from crm.shares import AllocationFact, SharesInView, shares_in_view
from intel.outages import Reach, outage_exposure
from intel.pressure import PresenceFact as PressurePresence
from intel.pressure import RegulationFact as PressureRegulation
from intel.pressure import regulatory_pressures
from leads.parameters import ScoringParameters
from leads.sizing import TIER_NAMES, MarketFigureFact, SizeVerdict, figure_sentence, size_in_effect

# Re-exported: facts and tests read them from here.
__all__ = ["AllocationFact", "MarketFigureFact", "size_in_effect"]

# Licence statuses that count as licensed for "compliant exchange".
LICENSED_STATUSES = frozenset({"licensed", "registered"})
LICENCE_WORDS = {
    "licensed": "it is licensed",
    "registered": "it is registered",
    "pending": "its licence is pending",
    "unlicensed": "it has no licence",
    "exiting": "it is exiting",
    "banned": "it is banned there",
    "unknown": "its licence status is unknown",
}
SIZE_WORDS = {
    "mid": "A mid-size exchange: the contested middle",
    "large": "A large exchange: usually tied to an incumbent vendor",
    "small": "A small exchange: little cloud spend",
    "unknown": "Its size is unknown",
}
WORKLOAD_WORDS = {
    "all": "its allocations",
    "trading_engine": "its trading engine",
    "market_data": "its market data",
    "wallets": "its wallets",
    "back_office": "its back office",
    "ai": "its AI workloads",
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
    code: str
    points: int
    sentence: str
    references: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "points": self.points,
            "sentence": self.sentence,
            "references": list(self.references),
        }


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


def _decayed(weight: float) -> str:
    percent = round(weight * 100)
    return "" if percent >= 100 else f" (decayed to {percent}%)"


def _share(value: float) -> str:
    return f"{value:g}%"


def _shares_in_view(allocations: tuple[AllocationFact, ...], home: HomeVendor) -> SharesInView:
    """The workload in view, our share and the rivals': crm.shares is the one owner of that answer."""
    return shares_in_view(allocations, home_vendor_id=home.id)


def _hard_stop(facts: ExchangeFacts) -> Factor | None:
    if facts.is_do_not_pursue:
        return Factor("do_not_pursue", 0, "Marked do not pursue")
    if facts.presences and all(p.is_banned for p in facts.presences):
        places = " and ".join(sorted(p.jurisdiction_name for p in facts.presences))
        return Factor("banned_only", 0, f"It operates only in {places}, where crypto trading is banned")
    return None


RESEARCH_NEEDED = Factor("research_needed", 0, "Its cloud allocation is unknown: research needed")
# Factors are frozen, so the few distinct size factors without a figure are built once and shared.
_SIZE_FACTORS: dict[tuple[str, int], Factor] = {}


def _size_factor(verdict: SizeVerdict, points: int, reason: str) -> Factor:
    if verdict.basis == "market" and verdict.figure is not None:
        return Factor(
            "size",
            points,
            f"{TIER_NAMES[verdict.tier]}: {figure_sentence(verdict.figure)}",
            (f"market_figure:{verdict.figure.id}",),
        )
    if verdict.basis == "hand" and reason:
        return Factor("size", points, f"{SIZE_WORDS.get(verdict.tier, SIZE_WORDS['unknown'])} (set by hand: {reason})")
    factor = _SIZE_FACTORS.get((verdict.tier, points))
    if factor is None:
        factor = Factor("size", points, SIZE_WORDS.get(verdict.tier, SIZE_WORDS["unknown"]))
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
        where = WORKLOAD_WORDS.get(view.workload, f"its {view.workload}")
        rivals = view.rivals
        if rivals:
            top = rivals[0]
            factors.append(
                Factor(
                    "rival_share",
                    round(p.largest_rival_points * top.share_percent / 100),
                    f"{top.vendor_name} holds {_share(top.share_percent)} of {where}",
                    (f"allocation:{top.id}",),
                )
            )
            if top.share_percent >= p.displacement_share_percent:
                factors.append(
                    Factor(
                        "displacement_target",
                        p.displacement_points,
                        f"A rival at {p.displacement_share_percent}% or more: a displacement target",
                        (f"allocation:{top.id}",),
                    )
                )
            total = view.rivals_total
            plural = "vendors" if len(rivals) > 1 else "vendor"
            factors.append(
                Factor(
                    "displaceable_share",
                    round(p.displaceable_points * total / 100),
                    f"Rivals hold {_share(total)} of {where} in all ({len(rivals)} {plural})",
                    tuple(f"allocation:{a.id}" for a in rivals),
                )
            )
        ours = view.ours
        if ours is not None and ours.share_percent > 0:
            is_defend = ours.share_percent >= p.defend_share_percent
            sentence = f"{home.name} (our vendor) holds {_share(ours.share_percent)} of {where}"
            factors.append(
                Factor(
                    "defend" if is_defend else "home_share",
                    round(p.home_share_points * ours.share_percent / 100),
                    sentence + (": a customer to defend, not a new logo" if is_defend else ""),
                    (f"allocation:{ours.id}",),
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
            Factor(
                "major_licence",
                p.major_licence_points,
                f"Licensed in {' and '.join(licensed)}, a major jurisdiction: a compliant exchange",
            )
        )

    moment = _latest(facts.ai_interest, as_of, p.ai_interest_half_life_days)
    if moment is not None:
        item, weight = moment
        points = round(p.ai_interest_points * weight)
        if points:
            factors.append(
                Factor(
                    "ai_interest",
                    points,
                    f"Interest in AI / LLM services on {item.occurred_at:%Y-%m-%d}: {item.label}{_decayed(weight)}",
                    (item.reference,),
                )
            )
    moment = _latest(facts.engagements, as_of, p.engagement_half_life_days)
    if moment is not None:
        item, weight = moment
        points = round(p.engagement_points * weight)
        if points:
            factors.append(
                Factor(
                    "engagement",
                    points,
                    f"{item.label} on {item.occurred_at:%Y-%m-%d}{_decayed(weight)}",
                    (item.reference,),
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
    return Factor(
        "rival_ai_workload",
        points,
        f"{top.vendor_name} runs {_share(top.share_percent)} of its AI / LLM workloads: "
        "an opening for our LLM services",
        (f"allocation:{top.id}",),
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
        where = f"{incident.vendor_name} {region}" if region else incident.vendor_name
        what = f"{where} outage on {incident.occurred_at:%Y-%m-%d}"
        if incident.names_exchange:
            effect = "disrupted its trading"
        elif is_possible:
            effect = (
                f"possibly affected (region unknown) the vendor holding {_share(used)} of its allocations, "
                f"counted at {p.incident_unknown_region_percent}%"
            )
        else:
            effect = f"hit the vendor holding {_share(used)} of its allocations in that region"
        if is_ours:
            effect += ": our own vendor, the account is at risk"
        factors.append(
            Factor(
                "home_incident" if is_ours else "rival_incident",
                points,
                f"{what} {effect}{_decayed(weight)}",
                (f"signal:{incident.signal_id}",),
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
            points, outcome = p.relocation_points, "it must relocate"
        else:
            points, outcome = p.regulation_points, regulation.consequence or "it is under pressure"
        since = f"since {regulation.effective_on:%Y-%m-%d}"
        if pressure.since != regulation.effective_on:
            since = f"(in force since {regulation.effective_on:%Y-%m-%d}) since it arrived on {pressure.since:%Y-%m-%d}"
        factors.append(
            Factor(
                "relocation" if regulation.forces_relocation else "regulation",
                points,
                f"{regulation.jurisdiction_name}'s {regulation.name} {since} "
                f"and {LICENCE_WORDS.get(status, status)}: {outcome}",
                (f"regulation:{regulation.id}",),
            )
        )
    return factors
