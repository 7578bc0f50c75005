"""Point-in-time features of opportunities: what the product knew about an exchange when each
opportunity opened (its opened_at), and nothing recorded after.

A fact reaches the features of an opportunity opened at T only when it was recorded by T and held
by T: a score change created by T; a market figure dated and imported by T; an allocation observed,
created and last changed by T (an allocation edited later holds a value nobody knew at T, so it is
left out); a licence status whose source is dated by T; an outage and an activity that occurred and
were recorded by T; a size set by hand on or before T. Loaded in a fixed number of queries per chunk
of exchanges, whatever the number of opportunities."""

from __future__ import annotations

import datetime
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson
from django.db import connection

from crm.choices import LicenceStatus, SizeTier
from crm.models import Activity, Allocation, CloudVendor, Exchange, Presence
from intel.choices import MatchStatus, SignalKind
from intel.models import MarketFigure, Signal
from leads.models import ScoreChange, ScoringModel

# The features, in the order the model reads them.
FEATURE_NAMES: tuple[str, ...] = (
    "rules_score",
    "has_rules_score",
    "size_large",
    "size_mid",
    "size_known",
    "log_volume",
    "home_share",
    "rival_share",
    "cloud_known",
    "licences",
    "licence_trouble",
    "rival_outages",
    "engagement",
    "workload_ai",
    "workload_trading_engine",
)

OUTAGE_WINDOW = datetime.timedelta(days=365)
ENGAGEMENT_WINDOW = datetime.timedelta(days=180)
ENGAGEMENT_KINDS = ("meeting", "call")
LICENSED = (LicenceStatus.LICENSED, LicenceStatus.REGISTERED)
TROUBLE = (LicenceStatus.PENDING, LicenceStatus.EXITING, LicenceStatus.BANNED, LicenceStatus.UNLICENSED)
CHUNK = 2000


@dataclass(frozen=True, slots=True)
class OpportunityAt:
    """What the loader needs of an opportunity: its id, exchange, opening and workloads."""

    id: int
    exchange_id: int
    opened_at: datetime.datetime
    workloads: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PointInTimeFeatures:
    """The features of one opportunity as of its opening, with the raw figures the sentences name."""

    opportunity_id: int
    as_of: datetime.datetime
    values: dict[str, float]
    raw: dict[str, object]

    def vector(self) -> list[float]:
        return [self.values[name] for name in FEATURE_NAMES]


@dataclass
class _Timelines:
    scores: dict[int, tuple[list, list]]  # exchange -> (created_at sorted, new_score)
    figures: dict[int, list]  # exchange -> [(known_at, as_of, volume)]
    allocations: dict[int, list]  # exchange -> [(known_at, vendor_id, workload, share)]
    presences: dict[int, list]  # exchange -> [(source_date, status)]
    activities: dict[int, tuple[list, list]]  # exchange -> (known_at sorted, occurred_at)
    hand_sizes: dict[int, tuple[str, datetime.date | None]]
    outages: dict[int, list]  # vendor -> [(known_at, occurred_at)]
    home_vendor_id: int | None
    large_btc: float
    mid_btc: float


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _later(*moments) -> datetime.datetime:
    return max(m for m in moments if m is not None)


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _load_timelines(exchange_ids: Sequence[int]) -> _Timelines:
    active = ScoringModel.objects.filter(is_active=True).first()
    parameters = active.get_parameters() if active else None
    home = CloudVendor.objects.home()
    scores: dict[int, tuple[list, list]] = {}
    figures: dict[int, list] = defaultdict(list)
    allocations: dict[int, list] = defaultdict(list)
    presences: dict[int, list] = defaultdict(list)
    activities: dict[int, tuple[list, list]] = {}
    hand_sizes: dict[int, tuple[str, datetime.date | None]] = {}
    for chunk in _chunks(sorted(exchange_ids)):
        rows = ScoreChange.objects.filter(exchange_id__in=chunk).order_by("exchange_id", "created_at", "pk")
        for exchange_id, created_at, score in rows.values_list("exchange_id", "created_at", "new_score"):
            times, values = scores.setdefault(exchange_id, ([], []))
            times.append(created_at)
            values.append(score)
        rows = MarketFigure.objects.filter(exchange_id__in=chunk, match_status=MatchStatus.MATCHED)
        for exchange_id, as_of, created_at, volume, normalized in rows.values_list(
            "exchange_id", "as_of", "created_at", "volume_24h_btc", "volume_24h_btc_normalized"
        ):
            chosen = normalized if normalized is not None else volume
            known_at = _later(created_at, _start_of(as_of))
            figures[exchange_id].append((known_at, as_of, float(chosen) if chosen is not None else None))
        rows = Allocation.objects.filter(exchange_id__in=chunk)
        for exchange_id, vendor_id, workload, share, observed_on, created_at, updated_at in rows.values_list(
            "exchange_id", "vendor_id", "workload", "share_percent", "observed_on", "created_at", "updated_at"
        ):
            known_at = _later(created_at, updated_at, _start_of(observed_on))
            allocations[exchange_id].append((known_at, vendor_id, workload, float(share)))
        rows = Presence.objects.filter(exchange_id__in=chunk, source_date__isnull=False)
        for exchange_id, source_date, status in rows.values_list("exchange_id", "source_date", "licence_status"):
            presences[exchange_id].append((source_date, status))
        rows = Activity.objects.filter(exchange_id__in=chunk, kind__in=ENGAGEMENT_KINDS)
        moments = sorted(
            (exchange_id, _later(created_at, occurred_at), occurred_at)
            for exchange_id, occurred_at, created_at in rows.values_list("exchange_id", "occurred_at", "created_at")
        )
        for exchange_id, known_at, occurred_at in moments:
            times, values = activities.setdefault(exchange_id, ([], []))
            times.append(known_at)
            values.append(occurred_at)
        for pk, tier, set_on in Exchange.objects.filter(pk__in=chunk).values_list(
            "pk", "size_tier_by_hand", "size_set_on"
        ):
            if tier and tier != SizeTier.UNKNOWN:
                hand_sizes[pk] = (tier, set_on)
    outages: dict[int, list] = defaultdict(list)
    for vendor_id, occurred_at, created_at in Signal.objects.filter(
        kind=SignalKind.OUTAGE, vendor__isnull=False
    ).values_list("vendor_id", "occurred_at", "created_at"):
        outages[vendor_id].append((_later(created_at, occurred_at), occurred_at))
    return _Timelines(
        scores=scores,
        figures=figures,
        allocations=allocations,
        presences=presences,
        activities=activities,
        hand_sizes=hand_sizes,
        outages=outages,
        home_vendor_id=home.pk if home else None,
        large_btc=float(parameters.size_large_volume_btc) if parameters else 10_000.0,
        mid_btc=float(parameters.size_mid_volume_btc) if parameters else 1_000.0,
    )


def _features(opportunity: OpportunityAt, t: _Timelines) -> PointInTimeFeatures:
    at = opportunity.opened_at
    exchange_id = opportunity.exchange_id
    raw: dict[str, object] = {}

    score = None
    if exchange_id in t.scores:
        times, values = t.scores[exchange_id]
        index = bisect_right(times, at)
        if index:
            score = values[index - 1]
    raw["rules_score"] = score

    tier = "unknown"
    volume = None
    hand = t.hand_sizes.get(exchange_id)
    if hand is not None and hand[1] is not None and hand[1] <= at.date():
        tier = hand[0]
    else:
        known = [f for f in t.figures.get(exchange_id, ()) if f[0] <= at and f[2] is not None]
        if known:
            volume = max(known, key=lambda f: (f[1], f[0]))[2]
            tier = "large" if volume >= t.large_btc else "mid" if volume >= t.mid_btc else "small"
    raw["size_tier"], raw["volume_btc"] = tier, volume

    home_by_workload: dict[str, float] = defaultdict(float)
    rival_by_workload: dict[str, float] = defaultdict(float)
    rival_vendors: set[int] = set()
    cloud_known = False
    for known_at, vendor_id, workload, share in t.allocations.get(exchange_id, ()):
        if known_at > at:
            continue
        cloud_known = True
        if vendor_id == t.home_vendor_id:
            home_by_workload[workload] += share
        else:
            rival_by_workload[workload] += share
            rival_vendors.add(vendor_id)
    home_share = min(max(home_by_workload.values(), default=0.0), 100.0)
    rival_share = min(max(rival_by_workload.values(), default=0.0), 100.0)
    raw["home_share"], raw["rival_share"] = round(home_share), round(rival_share)

    statuses = [status for source_date, status in t.presences.get(exchange_id, ()) if source_date <= at.date()]
    licences = sum(1 for s in statuses if s in LICENSED)
    trouble = any(s in TROUBLE for s in statuses)
    raw["licences"], raw["licence_trouble"] = licences, trouble

    since = at - OUTAGE_WINDOW
    outages = sum(
        1
        for vendor_id in rival_vendors
        for known_at, occurred_at in t.outages.get(vendor_id, ())
        if known_at <= at and occurred_at >= since
    )
    raw["rival_outages"] = outages

    engagement = 0
    if exchange_id in t.activities:
        times, occurred = t.activities[exchange_id]
        since = at - ENGAGEMENT_WINDOW
        engagement = sum(1 for o in occurred[: bisect_right(times, at)] if o >= since)
    raw["engagement"] = engagement
    raw["workloads"] = list(opportunity.workloads)

    values = {
        "rules_score": (score or 0) / 100,
        "has_rules_score": 1.0 if score is not None else 0.0,
        "size_large": 1.0 if tier == "large" else 0.0,
        "size_mid": 1.0 if tier == "mid" else 0.0,
        "size_known": 0.0 if tier == "unknown" else 1.0,
        "log_volume": math.log10(1 + volume) / 5 if volume else 0.0,
        "home_share": home_share / 100,
        "rival_share": rival_share / 100,
        "cloud_known": 1.0 if cloud_known else 0.0,
        "licences": min(licences, 3) / 3,
        "licence_trouble": 1.0 if trouble else 0.0,
        "rival_outages": min(outages, 5) / 5,
        "engagement": min(engagement, 5) / 5,
        "workload_ai": 1.0 if "ai" in opportunity.workloads else 0.0,
        "workload_trading_engine": 1.0 if "trading_engine" in opportunity.workloads else 0.0,
    }
    return PointInTimeFeatures(opportunity.id, at, values, raw)


def features_as_of_opening(opportunities: Sequence[OpportunityAt]) -> list[PointInTimeFeatures]:
    """The point-in-time features of each opportunity, in the order given."""
    if not opportunities:
        return []
    timelines = _load_timelines(sorted({o.exchange_id for o in opportunities}))
    return [_features(o, timelines) for o in opportunities]


def opportunities_at(queryset) -> list[OpportunityAt]:
    """The loader's view of a queryset of opportunities (one query, read with a plain cursor: the
    ORM's per-row converters cost more than the features themselves at 100,000 rows)."""
    sql, params = queryset.values_list("pk", "exchange_id", "opened_at", "workloads").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        OpportunityAt(pk, exchange_id, _aware(opened_at), tuple(_codes(workloads)))
        for pk, exchange_id, opened_at, workloads in rows
    ]


def _codes(value) -> list:
    if value is None:
        return []
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return list(value)


def _aware(value) -> datetime.datetime:
    """SQLite hands a raw cursor text; PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)
