"""Test data for lead scoring: exchanges with allocations, presences and evidence, and follow-ups."""

import datetime
from decimal import Decimal

from crm.models import Allocation, Presence
from intel.models import Event, Regulation, Signal
from tests.crm.factories import ExchangeFactory, jurisdiction, vendor


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
