"""The evidence part of the demo data: the public evidence of real exchanges' clouds and the
outages that hit them (intel/data/cloud_evidence_*.json, every row with its source URL and date),
the regulators' registers shipped in intel/data with the regimes behind them, and WebX 2025 with a
GENERATED badge-scan file of made-up people.

What is not known stays unknown: most exchanges get no allocation at all, and no real exchange
gets a GENERATED value. Idempotent and fast on a second run: nothing is written twice."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from crm.choices import ExchangeKind, FactOrigin, LicenceStatus
from crm.models import Allocation, CloudVendor, Exchange, Presence
from crm.services import allocation_save, evidence_changed, jurisdiction_get_or_create
from intel.choices import AliasKind
from intel.generated import ExchangeSample, badge_scan_csv
from intel.models import AttendeeImport, Event, ExchangeAlias, Signal
from intel.services import (
    attendee_import,
    exchange_alias_add,
    market_data_load_shipped,
    registers_load_shipped,
    signal_record,
)

REPORTED = "Foresight News (autumn 2025), as reported"
GENERATED_STATUS_SOURCE = "GENERATED for the demo: not a reported licence status"
BADGE_SCAN_FILENAME = "webx-2025-badge-scans-GENERATED.csv"
BADGE_SCAN_ROWS = 3_000
BADGE_SCAN_SEED = 20250825

# Exchanges the facts name that the ccxt catalogue lacks: (slug, name, website, kind, ccxt id).
MISSING_EXCHANGES = (
    ("bitmex", "BitMEX", "https://www.bitmex.com", ExchangeKind.CENTRALISED, "bitmex"),
    ("robinhood", "Robinhood", "https://robinhood.com", ExchangeKind.BROKER, None),
)

# Other names and domains people use for exchanges (slug -> aliases).
KNOWN_ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    "okx": (("OKEx", AliasKind.NAME), ("欧易", AliasKind.NAME), ("OKX Japan", AliasKind.NAME)),
    "htx": (
        ("Huobi", AliasKind.NAME),
        ("火币", AliasKind.NAME),
        ("Huobi Global", AliasKind.NAME),
        ("htx.com", AliasKind.DOMAIN),
    ),
    "binance": (("币安", AliasKind.NAME), ("バイナンス", AliasKind.NAME), ("Binance Japan", AliasKind.NAME)),
    "gate": (("Gate.io", AliasKind.NAME), ("芝麻开门", AliasKind.NAME), ("gate.io", AliasKind.DOMAIN)),
    "kucoin": (("库币", AliasKind.NAME),),
    "coinbase": (("Coinbase", AliasKind.NAME),),
    "coinbaseinternational": (("Coinbase International Exchange", AliasKind.NAME), ("Coinbase INTX", AliasKind.NAME)),
    "bitflyer": (("ビットフライヤー", AliasKind.NAME),),
    "coincheck": (("コインチェック", AliasKind.NAME),),
    "bitbank": (("ビットバンク", AliasKind.NAME),),
    "mexc": (("MEXC", AliasKind.NAME), ("抹茶", AliasKind.NAME)),
    "bybit": (("バイビット", AliasKind.NAME),),
}
# Where an alias above comes from, when a shipped source names it; the others are "built-in".
KNOWN_ALIAS_SOURCES: dict[str, str] = {
    "コインチェック": "JFSA register 2026-06-30, 関東財務局長 第00014号: コインチェック株式会社",
    "ビットバンク": "JFSA register 2026-06-30, 関東財務局長 第00004号: ビットバンク株式会社",
    "バイビット": "built-in: Bybit's name in katakana, as Japanese press writes it",
}


CLOUD_EVIDENCE_FILE = Path(__file__).parent / "data" / "cloud_evidence_2026-11-30.json"


def cloud_evidence() -> dict:
    """The shipped public evidence of real exchanges' clouds and the outages that hit them."""
    return json.loads(CLOUD_EVIDENCE_FILE.read_text(encoding="utf-8"))


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), datetime.UTC)


@transaction.atomic
def load_exchanges_and_aliases() -> tuple[int, int]:
    created = 0
    for slug, name, website, kind, ccxt_id in MISSING_EXCHANGES:
        lookup = {"ccxt_id": ccxt_id} if ccxt_id else {"slug": slug}
        if not Exchange.objects.filter(**lookup).exists() and not Exchange.objects.filter(slug=slug).exists():
            Exchange.objects.create(slug=slug, name=name, website=website, kind=kind, ccxt_id=ccxt_id)
            created += 1
    exchanges = {exchange.slug: exchange for exchange in Exchange.objects.filter(slug__in=KNOWN_ALIASES)}
    known = set(ExchangeAlias.objects.values_list("kind", "normalised"))
    aliases = 0
    for slug, entries in KNOWN_ALIASES.items():
        if slug not in exchanges:
            continue
        for alias, kind in entries:
            if (kind, ExchangeAlias.normalise(kind, alias)) not in known:
                exchange_alias_add(
                    exchange=exchanges[slug], alias=alias, kind=kind, source=KNOWN_ALIAS_SOURCES.get(alias, "")
                )
                known.add((kind, ExchangeAlias.normalise(kind, alias)))
                aliases += 1
    return created, aliases


@transaction.atomic
def load_allocations() -> tuple[int, int]:
    """The sourced allocations (vendor, workload, region, share, source URL, kind, date). An
    allocation recorded earlier without a source URL is brought up to its sourced version; one a
    person recorded with a source is left alone. Returns (created, updated)."""
    items = cloud_evidence()["allocations"]
    vendors = {vendor.slug: vendor for vendor in CloudVendor.objects.all()}
    exchanges = {
        exchange.slug: exchange for exchange in Exchange.objects.filter(slug__in={i["exchange"] for i in items})
    }
    existing = {
        (a.exchange.slug, a.vendor.slug, a.workload): a
        for a in Allocation.objects.filter(exchange__in=exchanges.values()).select_related("exchange", "vendor")
    }
    created = updated = 0
    for item in items:
        if item["exchange"] not in exchanges:
            continue
        current = existing.get((item["exchange"], item["vendor"], item["workload"]))
        if current is not None and current.source_url:
            continue
        allocation = current or Allocation(exchange=exchanges[item["exchange"]], vendor=vendors[item["vendor"]])
        allocation.workload = item["workload"]
        allocation.share_percent = Decimal(item["share"])
        allocation.region = item["region"]
        allocation.evidence_source = item["evidence"]
        allocation.source_url = item["source_url"]
        allocation.source_note = item["note"][:300]
        allocation.confidence = None  # the default for its kind of evidence
        allocation.observed_on = datetime.date.fromisoformat(item["observed_on"])
        allocation_save(allocation=allocation)
        if current is None:
            created += 1
        else:
            updated += 1
    return created, updated


@transaction.atomic
def generated_statuses_remove() -> int:
    """Earlier demos set GENERATED licence statuses on real exchanges: take them back to unknown."""
    presences = list(Presence.objects.filter(origin=FactOrigin.GENERATED).values_list("pk", "exchange_id"))
    Presence.objects.filter(pk__in=[pk for pk, _ in presences]).update(
        licence_status=LicenceStatus.UNKNOWN, source="", origin=FactOrigin.CATALOGUE
    )
    evidence_changed(exchange_ids={exchange_id for _, exchange_id in presences}, cause="presence", reference="demo")
    return len(presences)


@transaction.atomic
def load_signals() -> int:
    vendors = {vendor.slug: vendor for vendor in CloudVendor.objects.all()}
    exchanges = {exchange.slug: exchange for exchange in Exchange.objects.all()}
    created = 0
    for item in cloud_evidence()["signals"]:
        occurred_at = datetime.datetime.fromisoformat(item["occurred_at"])
        if Signal.objects.filter(kind=item["kind"], title=item["title"], occurred_at=occurred_at).exists():
            continue
        signal_record(
            kind=item["kind"],
            title=item["title"],
            occurred_at=occurred_at,
            ended_at=datetime.datetime.fromisoformat(item["ended_at"]) if item["ended_at"] else None,
            vendor=vendors[item["vendor"]] if item["vendor"] else None,
            vendor_region=item["region"],
            exchanges=[exchanges[slug] for slug in item["exchanges"] if slug in exchanges],
            severity=item["severity"],
            details=item["details"],
            source_url=item["source_url"],
            source_note=item["source_note"][:300],
        )
        created += 1
    return created


def load_event() -> Event:
    event, _ = Event.objects.get_or_create(
        slug="webx-2025",
        defaults={
            "name": "WebX 2025",
            "city": "Tokyo",
            "country": jurisdiction_get_or_create(code="JP"),
            "venue": "The Prince Park Tower Tokyo",
            "starts_on": datetime.date(2025, 8, 25),
            "ends_on": datetime.date(2025, 8, 25),
            "timezone": "Asia/Tokyo",
        },
    )
    return event


def badge_scan_file() -> bytes:
    """The GENERATED WebX badge-scan file, over the exchanges in the account book."""
    aliases: dict[int, list[str]] = {}
    for exchange_id, alias in ExchangeAlias.objects.filter(kind=AliasKind.NAME).values_list("exchange_id", "alias"):
        aliases.setdefault(exchange_id, []).append(alias)
    samples = [
        ExchangeSample(name=exchange.name, domain=exchange.domain, aliases=tuple(aliases.get(exchange.pk, ())))
        for exchange in Exchange.objects.families().exclude(website="").order_by("slug")
    ]
    return badge_scan_csv(rows=BADGE_SCAN_ROWS, exchanges=samples, seed=BADGE_SCAN_SEED)


def load_badge_scans(*, event: Event, progress: Callable[[int, int], None] | None = None) -> str:
    if AttendeeImport.objects.filter(event=event, filename=BADGE_SCAN_FILENAME).exists():
        return f"{event.name}: the generated badge scans are already imported"
    data = badge_scan_file()
    outcome = attendee_import(
        event=event,
        data=data,
        filename=BADGE_SCAN_FILENAME,
        keep_valid=True,
        imported_by=get_user_model().objects.filter(username="rep.japan").first(),
        progress=progress,
    )
    return (
        f"{event.name}: {outcome.rows_read} GENERATED badge scans; {outcome.created} people, "
        f"{outcome.duplicate_lines} duplicate scans merged, {outcome.rejected} malformed rows rejected; "
        f"{outcome.matched} matched, {outcome.review} in the review queue, {outcome.not_an_exchange} at a cloud "
        f"vendor (not an exchange), {outcome.unmatched} not at a known exchange"
    )


def load(*, progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Load the evidence demo; returns one line per part saying what it did."""
    exchanges, aliases = load_exchanges_and_aliases()
    removed = generated_statuses_remove()
    # CoinGecko's top 100 are real exchanges a cloud team prospects: those the catalogue lacks become
    # prospects (with their figure, website and country); look-alike names wait in the review queue.
    market = market_data_load_shipped(create_missing=True)
    registers = registers_load_shipped()
    created, updated = load_allocations()
    signals = load_signals()
    event = load_event()
    return [
        f"exchanges the catalogue lacks: {exchanges} created; aliases: {aliases} added",
        *([f"GENERATED licence statuses left by an earlier demo: {removed} removed"] if removed else []),
        f"allocations with a public source: {created} created, {updated} given their source "
        "(every other exchange's allocation: unknown)",
        *market,
        *registers,
        f"signals with a public source (outages, cloud moves, news): {signals} created",
        load_badge_scans(event=event, progress=progress),
    ]
