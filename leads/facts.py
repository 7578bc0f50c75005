"""Load the scoring facts of many exchanges in a fixed number of queries, whatever their number.

The three big tables (exchanges, allocations, presences) are read with plain SQL cursors, which
is several times faster than model instances for 100,000 rows; the small evidence tables
(signals, regulations, events, activities) through the ORM."""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection

from crm.bulk import id_literal
from crm.models import Activity, Allocation, CloudVendor, Exchange, Jurisdiction, Presence
from crm.regions import region_label
from intel.choices import MatchStatus, SignalKind
from intel.models import Attendee, MarketFigure, Regulation, Signal
from leads.scoring import (
    AllocationFact,
    ExchangeFacts,
    HomeVendor,
    IncidentFact,
    MarketFigureFact,
    MomentFact,
    PresenceFact,
    RegulationFact,
)

# Activities that mean someone talked to the exchange (a note is not engagement).
ENGAGEMENT_ACTIVITY_KINDS = ("meeting", "call")


@dataclass(frozen=True)
class LoadedFacts:
    home: HomeVendor
    exchanges: list[ExchangeFacts]
    # The size tier stored on each exchange (the one in effect at its last scoring): the writer
    # updates those the new score puts in another tier.
    stored_size_tiers: dict[int, str] = field(default_factory=dict)


def id_array(exchange_ids: Sequence[int]) -> str:
    """Ids as one PostgreSQL array literal (crm.bulk.id_literal), kept for the chunk being loaded."""
    return _id_literal(tuple(exchange_ids))


@functools.lru_cache(maxsize=4)  # the same chunk's ids serve the several queries of one load
def _id_literal(exchange_ids: tuple[int, ...]) -> str:
    return id_literal(exchange_ids)


def _where_ids(
    column: str,
    exchange_ids: Sequence[int] | None,
    id_range: tuple[int, int] | None,
    *,
    superset: bool = False,
) -> tuple[str, list]:
    """A WHERE clause on exchange ids. With `superset`, the caller ignores rows of other
    exchanges (it keys them by exchange), so on PostgreSQL a dense list becomes its id range:
    an index range scan reads a chunk of 2,000 exchanges' allocations in 1 ms, where `= ANY` of the
    same ids made PostgreSQL scan the whole table (18 ms)."""
    if id_range is not None:
        return f" WHERE {column} BETWEEN %s AND %s", list(id_range)
    if exchange_ids is None:
        return "", []
    if not exchange_ids:
        return " WHERE 1 = 0", []
    if connection.vendor == "postgresql":
        low, high = min(exchange_ids), max(exchange_ids)
        if superset and high - low < 2 * len(exchange_ids):
            return f" WHERE {column} BETWEEN %s AND %s", [low, high]
        # One array parameter: composing thousands of placeholders costs more than the query.
        return f" WHERE {column} = ANY(%s::bigint[])", [id_array(exchange_ids)]
    return f" WHERE {column} IN ({', '.join(['%s'] * len(exchange_ids))})", list(exchange_ids)


def _scope(queryset, exchange_ids: Sequence[int] | None, id_range: tuple[int, int] | None):
    """Evidence rows of the given exchanges, or of more (see _where_ids: the caller keys them by exchange)."""
    if id_range is not None:
        return queryset.filter(exchange_id__gte=id_range[0], exchange_id__lte=id_range[1])
    if exchange_ids is not None:
        if connection.vendor == "postgresql":
            where, params = _where_ids(
                f"{queryset.model._meta.db_table}.exchange_id", exchange_ids, None, superset=True
            )
            return queryset.extra(where=[where.removeprefix(" WHERE ")], params=params)
        return queryset.filter(exchange_id__in=exchange_ids)
    return queryset


def home_vendor() -> HomeVendor:
    vendor = CloudVendor.objects.home()
    return HomeVendor(vendor.pk, vendor.name) if vendor else HomeVendor(None, "our vendor")


def load_facts(
    *,
    exchange_ids: Sequence[int] | None = None,
    id_range: tuple[int, int] | None = None,
    as_of: datetime.datetime,
) -> LoadedFacts:
    """The facts of the given exchanges (ids, or an inclusive id range; neither: all of them),
    with evidence up to as_of."""
    exchange_table = Exchange._meta.db_table
    allocation_table = Allocation._meta.db_table
    presence_table = Presence._meta.db_table
    vendor_table = CloudVendor._meta.db_table
    jurisdiction_table = Jurisdiction._meta.db_table
    ids = sorted(set(exchange_ids)) if exchange_ids is not None else None

    with connection.cursor() as cursor:
        where, params = _where_ids("id", ids, id_range, superset=True)
        cursor.execute(
            f"SELECT id, name, size_tier_by_hand, size_source, is_do_not_pursue, size_tier "
            f"FROM {exchange_table}{where} ORDER BY id",
            params,
        )
        exchange_rows = cursor.fetchall()
        if ids is not None and "BETWEEN" in where and id_range is None:  # a dense list read as its range
            wanted = set(ids)
            exchange_rows = [row for row in exchange_rows if row[0] in wanted]

        where, params = _where_ids("a.exchange_id", ids, id_range, superset=True)
        cursor.execute(
            f"SELECT a.exchange_id, a.id, a.vendor_id, v.name, a.workload, a.share_percent, a.region_code "
            f"FROM {allocation_table} a JOIN {vendor_table} v ON v.id = a.vendor_id{where}",
            params,
        )
        allocations: dict[int, list[AllocationFact]] = defaultdict(list)
        for exchange_id, pk, vendor_id, vendor_name, workload, share, region_code in cursor.fetchall():
            allocations[exchange_id].append(
                AllocationFact(pk, vendor_id, vendor_name, workload, float(share), region_code)
            )

        where, params = _where_ids("p.exchange_id", ids, id_range, superset=True)
        cursor.execute(
            f"SELECT p.exchange_id, p.jurisdiction_id, j.name, p.licence_status, j.is_major, j.is_banned, p.since "
            f"FROM {presence_table} p JOIN {jurisdiction_table} j ON j.id = p.jurisdiction_id{where}",
            params,
        )
        presences: dict[int, list[PresenceFact]] = defaultdict(list)
        # A presence's fact is the same for every exchange in that jurisdiction with that status and
        # arrival date: one instance each (they are frozen) instead of one per row.
        presence_facts: dict[tuple, PresenceFact] = {}
        for exchange_id, jurisdiction_id, name, status, is_major, is_banned, since in cursor.fetchall():
            key = (jurisdiction_id, status, since)
            fact = presence_facts.get(key)
            if fact is None:
                fact = presence_facts[key] = PresenceFact(
                    jurisdiction_id,
                    name,
                    status,
                    bool(is_major),
                    bool(is_banned),
                    _as_date(since) if since is not None else None,
                )
            presences[exchange_id].append(fact)

        # The newest matched market figure of each exchange (figures are history: a few per exchange).
        where, params = _where_ids("f.exchange_id", ids, id_range, superset=True)
        matched = f"f.match_status = '{MatchStatus.MATCHED}' AND f.exchange_id IS NOT NULL"
        cursor.execute(
            f"SELECT f.exchange_id, f.id, f.source, f.as_of, f.volume_24h_btc, f.volume_24h_btc_normalized, "
            f"f.trust_score_rank FROM {MarketFigure._meta.db_table} f"
            + (f"{where} AND {matched}" if where else f" WHERE {matched}")
            + " ORDER BY f.exchange_id, f.as_of DESC, f.market_import_id DESC, f.id DESC",
            params,
        )
        figures: dict[int, MarketFigureFact] = {}
        for exchange_id, pk, source, as_of_date, volume, normalized, rank in cursor.fetchall():
            if exchange_id not in figures:
                figures[exchange_id] = MarketFigureFact(
                    pk,
                    source,
                    _as_date(as_of_date),
                    float(volume) if volume is not None else None,
                    float(normalized) if normalized is not None else None,
                    rank,
                )

    # Regulations: a small table, read whole and attached by jurisdiction.
    regulations: dict[int, list[RegulationFact]] = defaultdict(list)
    for r in Regulation.objects.select_related("jurisdiction").order_by("effective_on", "pk"):
        regulations[r.jurisdiction_id].append(
            RegulationFact(
                r.pk,
                r.jurisdiction_id,
                r.jurisdiction.name,
                r.short_name or r.name,
                r.effective_on,
                tuple(r.pressured_statuses or ()),
                r.forces_relocation,
                r.consequence,
            )
        )

    # Outages: relevant to every exchange on the vendor, so read once (a small table).
    outages = list(
        Signal.objects.filter(kind=SignalKind.OUTAGE, vendor__isnull=False, occurred_at__lte=as_of)
        .select_related("vendor")
        .order_by("occurred_at", "pk")
    )
    outages_by_vendor: dict[int, list[Signal]] = defaultdict(list)
    for signal in outages:
        outages_by_vendor[signal.vendor_id].append(signal)

    # Signals that name exchanges (outage, AI interest, meeting).
    through = Signal.exchanges.through
    named = through.objects.filter(
        signal__kind__in=[SignalKind.OUTAGE, SignalKind.AI_INTEREST, SignalKind.MEETING], signal__occurred_at__lte=as_of
    )
    named = _scope(named, ids, id_range)
    named_outages: dict[int, set[int]] = defaultdict(set)
    ai_interest: dict[int, list[MomentFact]] = defaultdict(list)
    engagements: dict[int, list[MomentFact]] = defaultdict(list)
    named_signal_outages: dict[int, list[IncidentFact]] = defaultdict(list)
    for (
        exchange_id,
        signal_id,
        kind,
        occurred_at,
        title,
        vendor_id,
        vendor_name,
        region,
        severity,
        region_code,
        vendor_slug,
    ) in named.values_list(
        "exchange_id",
        "signal_id",
        "signal__kind",
        "signal__occurred_at",
        "signal__title",
        "signal__vendor_id",
        "signal__vendor__name",
        "signal__vendor_region",
        "signal__severity",
        "signal__vendor_region_code",
        "signal__vendor__slug",
    ):
        if kind == SignalKind.OUTAGE:
            if vendor_id is not None:
                named_outages[exchange_id].add(signal_id)
                named_signal_outages[exchange_id].append(
                    IncidentFact(
                        signal_id,
                        vendor_id,
                        vendor_name,
                        region,
                        occurred_at,
                        severity,
                        True,
                        region_code,
                        region_label(vendor_slug, region_code),
                    )
                )
        elif kind == SignalKind.AI_INTEREST:
            ai_interest[exchange_id].append(MomentFact(f"signal:{signal_id}", occurred_at, title))
        else:
            engagements[exchange_id].append(MomentFact(f"signal:{signal_id}", occurred_at, f"Meeting: {title}"))

    # People met at events, matched to an exchange: counted from the event's last day.
    attendees = Attendee.objects.filter(match_status=MatchStatus.MATCHED, exchange__isnull=False)
    attendees = _scope(attendees, ids, id_range)
    seen_events: set[tuple[int, int]] = set()
    for exchange_id, event_id, event_name, ends_on in attendees.values_list(
        "exchange_id", "event_id", "event__name", "event__ends_on"
    ).distinct():
        if (exchange_id, event_id) in seen_events:
            continue
        seen_events.add((exchange_id, event_id))
        ended = datetime.datetime.combine(ends_on, datetime.time.min, tzinfo=datetime.UTC)
        engagements[exchange_id].append(MomentFact(f"event:{event_id}", ended, f"Met at {event_name}"))

    activities = Activity.objects.filter(kind__in=ENGAGEMENT_ACTIVITY_KINDS, occurred_at__lte=as_of)
    activities = _scope(activities, ids, id_range)
    for exchange_id, pk, kind, occurred_at, summary in activities.values_list(
        "exchange_id", "pk", "kind", "occurred_at", "summary"
    ):
        engagements[exchange_id].append(MomentFact(f"activity:{pk}", occurred_at, f"{kind.capitalize()}: {summary}"))

    exchanges: list[ExchangeFacts] = []
    nothing: frozenset[int] = frozenset()
    stored_size_tiers: dict[int, str] = {}
    for exchange_id, name, size_tier_by_hand, size_reason, is_do_not_pursue, stored_tier in exchange_rows:
        stored_size_tiers[exchange_id] = stored_tier
        own_allocations = tuple(allocations.get(exchange_id, ()))
        own_presences = tuple(presences.get(exchange_id, ()))
        incidents: list[IncidentFact] = []
        named_here = named_outages.get(exchange_id, nothing)
        used_vendors = {a.vendor_id for a in own_allocations} if outages_by_vendor or named_here else nothing
        for vendor_id in sorted(used_vendors):
            for s in outages_by_vendor.get(vendor_id, ()):
                incidents.append(
                    IncidentFact(
                        s.pk,
                        vendor_id,
                        s.vendor.name,
                        s.vendor_region,
                        s.occurred_at,
                        s.severity,
                        s.pk in named_here,
                        s.vendor_region_code,
                        region_label(s.vendor.slug, s.vendor_region_code),
                    )
                )
        for incident in named_signal_outages.get(exchange_id, ()):
            if incident.vendor_id not in used_vendors:
                incidents.append(incident)
        own_regulations: tuple[RegulationFact, ...] = ()
        if regulations and own_presences:
            own_regulations = tuple(r for p in own_presences for r in regulations.get(p.jurisdiction_id, ()))
        exchanges.append(
            ExchangeFacts(
                exchange_id,
                name,
                size_tier_by_hand,
                bool(is_do_not_pursue),
                own_allocations,
                own_presences,
                tuple(incidents),
                own_regulations,
                tuple(ai_interest.get(exchange_id, ())),
                tuple(engagements.get(exchange_id, ())),
                figures.get(exchange_id),
                size_reason,
            )
        )
    return LoadedFacts(home=home_vendor(), exchanges=exchanges, stored_size_tiers=stored_size_tiers)


def _as_date(value) -> datetime.date:
    """SQLite returns dates as text through a raw cursor."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
