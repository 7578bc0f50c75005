"""Point-in-time features of opportunities: what the product knew about an exchange when each
opportunity opened (its opened_at), and nothing recorded after.

A fact reaches the features of an opportunity opened at T only when it was recorded by T and held
by T: a score change created by T; a market figure dated and imported by T; an allocation observed,
created and last changed by T (an allocation edited later holds a value nobody knew at T, so it is
left out); a licence status whose source is dated by T; an outage and an activity that occurred and
were recorded by T; a size set by hand on or before T. Loaded in a fixed number of queries per chunk
of exchanges, whatever the number of opportunities.

An account's features change only at the moments its facts become known or leave a window (an outage
a year old, a meeting six months old), so the opportunities of one account opened between two such
moments share one computation (and the same `values` and `raw`, which are not to be changed): the
20 open deals of an account cost one, not 20."""

from __future__ import annotations

import datetime
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import orjson
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from crm.bulk import among
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


class OpportunityAt(NamedTuple):
    """What the loader needs of an opportunity: its id, exchange, opening and workloads (a named
    tuple: 100,000 of them are made per scoring, and a frozen dataclass costs several times more)."""

    id: int
    exchange_id: int
    opened_at: datetime.datetime
    workloads: tuple[str, ...] = ()


class PointInTimeFeatures(NamedTuple):
    """The features of one opportunity as of its opening, with the raw figures the sentences name."""

    opportunity_id: int
    as_of: datetime.datetime
    values: dict[str, float]
    raw: dict[str, object]
    # Opportunities with the same basis (account, stretch between two of its change moments,
    # workloads) have the same features: what a caller may compute once for all of them.
    basis: tuple = ()

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
    moments: dict[int, list] = field(
        default_factory=dict
    )  # exchange -> sorted moments at which its features may change


TICK = datetime.timedelta(microseconds=1)


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _later(*moments) -> datetime.datetime:
    return max(m for m in moments if m is not None)


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _rows(queryset, *fields: str) -> list[tuple]:
    """values_list(*fields) of a queryset: on PostgreSQL read with a plain cursor (the driver already
    hands Python values; the ORM's per-row work costs more than the features at 100,000 rows),
    elsewhere through the ORM, whose converters turn SQLite's text into dates."""
    queryset = queryset.values_list(*fields)
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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
        rows = ScoreChange.objects.filter(among("exchange_id", chunk)).order_by("exchange_id", "created_at", "pk")
        for exchange_id, created_at, score in _rows(rows, "exchange_id", "created_at", "new_score"):
            times, values = scores.setdefault(exchange_id, ([], []))
            times.append(created_at)
            values.append(score)
        rows = MarketFigure.objects.filter(among("exchange_id", chunk), match_status=MatchStatus.MATCHED)
        for exchange_id, as_of, created_at, volume, normalized in _rows(
            rows, "exchange_id", "as_of", "created_at", "volume_24h_btc", "volume_24h_btc_normalized"
        ):
            chosen = normalized if normalized is not None else volume
            known_at = _later(created_at, _start_of(as_of))
            figures[exchange_id].append((known_at, as_of, float(chosen) if chosen is not None else None))
        rows = Allocation.objects.filter(among("exchange_id", chunk))
        for exchange_id, vendor_id, workload, share, observed_on, created_at, updated_at in _rows(
            rows, "exchange_id", "vendor_id", "workload", "share_percent", "observed_on", "created_at", "updated_at"
        ):
            known_at = _later(created_at, updated_at, _start_of(observed_on))
            allocations[exchange_id].append((known_at, vendor_id, workload, float(share)))
        rows = Presence.objects.filter(among("exchange_id", chunk), source_date__isnull=False)
        for exchange_id, source_date, status in _rows(rows, "exchange_id", "source_date", "licence_status"):
            presences[exchange_id].append((source_date, status))
        rows = Activity.objects.filter(among("exchange_id", chunk), kind__in=ENGAGEMENT_KINDS).order_by()
        moments = sorted(
            (exchange_id, _later(created_at, occurred_at), occurred_at)
            for exchange_id, occurred_at, created_at in _rows(rows, "exchange_id", "occurred_at", "created_at")
        )
        for exchange_id, known_at, occurred_at in moments:
            times, values = activities.setdefault(exchange_id, ([], []))
            times.append(known_at)
            values.append(occurred_at)
        for pk, tier, set_on in _rows(
            Exchange.objects.filter(among("pk", chunk)), "pk", "size_tier_by_hand", "size_set_on"
        ):
            if tier and tier != SizeTier.UNKNOWN:
                hand_sizes[pk] = (tier, set_on)
    outages: dict[int, list] = defaultdict(list)
    outage_rows = Signal.objects.filter(kind=SignalKind.OUTAGE, vendor__isnull=False).order_by()
    for vendor_id, occurred_at, created_at in _rows(outage_rows, "vendor_id", "occurred_at", "created_at"):
        outages[vendor_id].append((_later(created_at, occurred_at), occurred_at))
    timelines = _Timelines(
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
    timelines.moments = {pk: _change_moments(pk, timelines) for pk in exchange_ids}
    return timelines


def _change_moments(exchange_id: int, t: _Timelines) -> list:
    """The sorted moments at which the features of an account may change: each fact's moment of being
    known (a test `known <= at` flips at it), and the first moment after a fact leaves its window (a
    test `occurred >= at - window` flips one tick after occurred + window). Between two consecutive
    moments every test in _account_features answers the same."""
    moments = set(t.scores[exchange_id][0]) if exchange_id in t.scores else set()
    hand = t.hand_sizes.get(exchange_id)
    if hand is not None and hand[1] is not None:
        moments.add(_start_of(hand[1]))
    moments.update(known_at for known_at, _as_of, _volume in t.figures.get(exchange_id, ()))
    vendors = set()
    for known_at, vendor_id, _workload, _share in t.allocations.get(exchange_id, ()):
        moments.add(known_at)
        vendors.add(vendor_id)
    moments.update(_start_of(source_date) for source_date, _status in t.presences.get(exchange_id, ()))
    for vendor_id in vendors:
        for known_at, occurred_at in t.outages.get(vendor_id, ()):
            moments.add(known_at)
            moments.add(occurred_at + OUTAGE_WINDOW + TICK)
    if exchange_id in t.activities:
        times, occurred = t.activities[exchange_id]
        moments.update(times)
        moments.update(o + ENGAGEMENT_WINDOW + TICK for o in occurred)
    return sorted(moments)


def _account_features(exchange_id: int, at: datetime.datetime, t: _Timelines) -> tuple[dict, dict]:
    """The features of an account as of `at` (all but the opportunity's workloads), with the raw
    figures the sentences name."""
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
    }
    return values, raw


def _with_workloads(account: tuple[dict, dict], workloads: tuple[str, ...]) -> tuple[dict, dict]:
    values, raw = account
    return (
        values
        | {
            "workload_ai": 1.0 if "ai" in workloads else 0.0,
            "workload_trading_engine": 1.0 if "trading_engine" in workloads else 0.0,
        },
        raw | {"workloads": list(workloads)},
    )


def features_as_of_opening(opportunities: Sequence[OpportunityAt]) -> list[PointInTimeFeatures]:
    """The point-in-time features of each opportunity, in the order given."""
    return list(iter_features_as_of_opening(opportunities))


def iter_features_as_of_opening(opportunities: Sequence[OpportunityAt]) -> Iterator[PointInTimeFeatures]:
    """The same, one at a time: the timelines are loaded now, before the first is asked for (the
    caller may be writing the first ones on the same connection while the next are computed)."""
    if not opportunities:
        return iter(())
    return _features_over(opportunities, _load_timelines(sorted({o.exchange_id for o in opportunities})))


def _features_over(opportunities: Sequence[OpportunityAt], timelines: _Timelines) -> Iterator[PointInTimeFeatures]:
    accounts: dict[tuple, tuple[dict, dict]] = {}
    shared: dict[tuple, tuple[dict, dict]] = {}
    for o in opportunities:
        stretch = (o.exchange_id, bisect_right(timelines.moments[o.exchange_id], o.opened_at))
        basis = (*stretch, o.workloads)
        features = shared.get(basis)
        if features is None:
            account = accounts.get(stretch)
            if account is None:
                account = accounts[stretch] = _account_features(o.exchange_id, o.opened_at, timelines)
            features = shared[basis] = _with_workloads(account, o.workloads)
        yield PointInTimeFeatures(o.id, o.opened_at, features[0], features[1], basis)


def opportunities_at(queryset) -> list[OpportunityAt]:
    """The loader's view of a queryset of opportunities (one query, read with a plain cursor: the
    ORM's per-row converters cost more than the features themselves at 100,000 rows)."""
    queryset = queryset.values_list("pk", "exchange_id", "opened_at", "workloads")
    if connection.vendor == "postgresql":  # the codes as text, read by orjson: faster than the driver's json
        queryset = queryset.annotate(codes=Cast("workloads", TextField())).values_list(
            "pk", "exchange_id", "opened_at", "codes"
        )
    sql, params = queryset.query.sql_with_params()
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
