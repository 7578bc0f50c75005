"""The factors of a lead score (leads.scoring): each one's points, evidence and sentence (a message id with
parameters), built from an exchange's facts as of a moment. Size, the hard stops, the rival AI workload,
outages (intel.outages owns their reach), regulations (intel.pressure owns the pressure) and the decayed
moments. Pure, like the scoring: no ORM and no clock."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crm.shares import shares_in_view
from intel.outages import Reach, outage_exposure
from intel.pressure import PresenceFact as PressurePresence
from intel.pressure import RegulationFact as PressureRegulation
from intel.pressure import regulatory_pressures
from leads.parameters import ScoringParameters
from leads.sentences import gettext_noop, message
from leads.sizing import SizeVerdict, figure_clause

if TYPE_CHECKING:
    from leads.scoring import ExchangeFacts, HomeVendor, MomentFact

SIZE_MESSAGES = {
    "mid": gettext_noop("A mid-size exchange: the contested middle"),
    "large": gettext_noop("A large exchange: usually tied to an incumbent vendor"),
    "small": gettext_noop("A small exchange: little cloud spend"),
    "unknown": gettext_noop("Its size is unknown"),
}


@dataclass(frozen=True, slots=True)
class Factor:
    """One reason of a score. `message` (an English template, %(name)s placeholders) and `params` say it
    in any language, rendered when shown (leads.sentences.factor_sentence, the one renderer); a message
    that counts is a [singular, plural] pair, chosen by params["count"]. `sentence` is the English of a
    factor without a message id (written by hand, or stored before sentences had message ids) and empty
    beside a message: rendering it cost a rescore nearly a third of its Python time, and storing it a seventh of
    each stored factor's bytes.
    The stored JSON is these fields in this order (orjson writes a dataclass as its fields)."""

    code: str
    points: int
    sentence: str = ""
    references: tuple[str, ...] = ()
    message: str | tuple[str, str] = ""
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "points": self.points,
            "sentence": self.sentence,
            "references": list(self.references),
            "message": list(self.message) if isinstance(self.message, tuple) else self.message,
            "params": self.params,
        }


def _factor(code: str, points: int, msgid: str | tuple[str, str], references=(), **params: Any) -> Factor:
    """A factor saying `msgid` with `params` (its sentence rendered when shown, in the reader's language)."""
    return Factor(code, points, "", tuple(references), msgid, params)


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
