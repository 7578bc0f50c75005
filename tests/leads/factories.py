"""Test data for lead scoring: exchanges with allocations, presences and evidence, and follow-ups."""

import datetime
from decimal import Decimal

from django.utils import timezone

from crm.models import Allocation, Contact, Presence
from intel.choices import MatchMethod, MatchStatus
from intel.models import Attendee, Event, Regulation, Signal
from leads.models import Score
from leads.services import follow_ups_create_for_event
from tests.crm.factories import ExchangeFactory, RepFactory, UserFactory, jurisdiction, vendor
from tests.intel.factories import EventFactory, alias


def exchange_on(
    slug: str,
    shares: dict[str, int],
    *,
    size_tier: str = "mid",
    presences: dict[str, str] | None = None,
    regions: dict[str, str] | None = None,
):
    """An exchange with allocations (vendor slug -> share %, in the region written in `regions`, by
    vendor slug) and presences (country code -> licence status)."""
    exchange = ExchangeFactory(slug=slug, name=slug.title(), size_tier_by_hand=size_tier)
    for vendor_slug, share in shares.items():
        Allocation.objects.create(
            exchange=exchange,
            vendor=vendor(vendor_slug),
            share_percent=Decimal(share),
            region=(regions or {}).get(vendor_slug, ""),
            evidence_source="news",
            observed_on=datetime.date(2025, 1, 1),
        )
    for code, status in (presences or {}).items():
        Presence.objects.create(exchange=exchange, jurisdiction=jurisdiction(code), licence_status=status)
    return exchange


def outage(vendor_slug: str, on: datetime.datetime, *, severity: int = 5, region: str = "", exchanges=()) -> Signal:
    signal = Signal.objects.create(
        kind="outage",
        title=f"{vendor_slug} outage",
        occurred_at=on,
        severity=severity,
        vendor=vendor(vendor_slug),
        vendor_region=region,
    )
    signal.exchanges.set(exchanges)
    return signal


def singapore_dtsp() -> Regulation:
    return Regulation.objects.create(
        jurisdiction=jurisdiction("SG"),
        name="Digital token service providers regime",
        short_name="DTSP regime",
        effective_on=datetime.date(2025, 6, 30),
        pressured_statuses=["unlicensed", "pending"],
        forces_relocation=True,
    )


def webx_tokyo() -> Event:
    return Event.objects.create(
        name="WebX 2025",
        slug="webx-2025",
        city="Tokyo",
        country=jurisdiction("JP"),
        starts_on=datetime.date(2025, 8, 25),
        ends_on=datetime.date(2025, 8, 26),
        timezone="Asia/Tokyo",
        follow_up_sla_hours=48,
    )


SCORED_AT = datetime.datetime(2025, 8, 25, tzinfo=datetime.UTC)
# Exchanges searched for by their other names: slug -> (name, aliases, score).
NAMED_EXCHANGES = {
    "coincheck": ("Coincheck", ("コインチェック",), 70),
    "okx": ("OKX", ("欧易", "OKEx"), 60),
    "binance": ("Binance", ("币安", "バイナンス"), 50),
    "kraken": ("Kraken", (), 40),
}


def named_exchanges(event: Event) -> dict:
    """The exchanges of NAMED_EXCHANGES (headquartered in Japan) with their aliases and a score; at
    each, one contact and one person from `event` waiting for review, suggested to that exchange,
    whose badge names the company only in English."""
    exchanges = {}
    for slug, (name, aliases, score) in NAMED_EXCHANGES.items():
        exchange = ExchangeFactory(name=name, slug=slug, headquarters=jurisdiction("JP"))
        for other in aliases:
            alias(exchange, other)
        Score.objects.create(
            exchange=exchange,
            score=score,
            grade="B",
            factors=[],
            model_version=1,
            as_of=SCORED_AT,
            computed_at=SCORED_AT,
        )
        Contact.objects.create(exchange=exchange, full_name=f"Contact at {name}", email=f"contact@{slug}.example")
        Attendee.objects.create(
            event=event,
            full_name=f"Unsure at {name}",
            company=f"{name} Inc.",
            dedupe_key=f"unsure-{slug}",
            exchange=exchange,
            match_status=MatchStatus.REVIEW,
            match_method=MatchMethod.FUZZY_NAME,
            match_confidence=score,
        )
        exchanges[slug] = exchange
    return exchanges


def graded_webx(rep=None) -> dict:
    """WebX 2025 (25 Aug, Tokyo) with one person met at an A, a B, a C and an ungraded exchange, all owned
    by the Japan rep (kenji, made unless given), and its follow-up list built."""
    rep = rep.rep if rep is not None else RepFactory(user=UserFactory(username="kenji"))
    rep.territories.set([jurisdiction("JP")])
    event = EventFactory()
    people = {}
    for grade in ("A", "B", "C", ""):
        name = f"Exchange {grade or 'ungraded'}"
        exchange = ExchangeFactory(name=name, headquarters=jurisdiction("JP"), owner=rep.user)
        if grade:
            Score.objects.create(
                exchange=exchange,
                score={"A": 85, "B": 65, "C": 45}[grade],
                grade=grade,
                model_version=1,
                as_of=timezone.now(),
                computed_at=timezone.now(),
            )
        people[grade or "ungraded"] = Attendee.objects.create(
            event=event,
            full_name=f"Person at {name}",
            company=name,
            dedupe_key=name,
            exchange=exchange,
            match_status=MatchStatus.MATCHED,
            match_method=MatchMethod.ALIAS,
            match_confidence=100,
        )
    follow_ups_create_for_event(event=event)
    return {"event": event, "rep": rep.user, "people": people}
