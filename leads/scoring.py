"""The lead score: plain facts about one exchange in, a score with the factors that explain it out.

Pure: no ORM and no clock (`as_of` is a parameter), so the batch, the API's explanation and the
tests share one function. Each factor carries whole points, the evidence behind it and its sentence as a
message id with parameters (leads.sentences renders it in the reader's language; `sentence` keeps the
English); the points add up to the score before it is clamped to 0..100."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from crm.shares import AllocationFact, SharesInView, shares_in_view
from leads.parameters import ScoringParameters
from leads.scoring_factors import (
    RESEARCH_NEEDED,
    Factor,
    _decayed,
    _factor,
    _hard_stop,
    _incident_factors,
    _latest,
    _regulation_factors,
    _rival_ai_workload_factor,
    _share,
    _size_factor,
    decay,
)
from leads.sentences import gettext_noop
from leads.sizing import MarketFigureFact, size_in_effect

# Re-exported: facts and tests read them from here (Factor and decay live with the factor builders).
__all__ = ["AllocationFact", "Factor", "MarketFigureFact", "decay", "size_in_effect"]

# Licence statuses that count as licensed for "compliant exchange".
LICENSED_STATUSES = frozenset({"licensed", "registered"})


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


def _shares_in_view(allocations: tuple[AllocationFact, ...], home: HomeVendor) -> SharesInView:
    """The workload in view, our share and the rivals': crm.shares is the one owner of that answer."""
    return shares_in_view(allocations, home_vendor_id=home.id)


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
