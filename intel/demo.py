"""The evidence part of the demo data: the market in FACTS (as reported, each item with its source
and evidence strength), Singapore's DTSP regime, and WebX 2025 with a GENERATED badge-scan file.

What is not known stays unknown: most exchanges get no allocation at all. The few licence
statuses and the badge scans that are invented say so in their source. Idempotent and fast on a
second run: nothing is written twice."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from crm.choices import EvidenceSource, ExchangeKind, LicenceStatus, Workload
from crm.models import Allocation, CloudVendor, Exchange, Presence
from crm.services import allocation_save, evidence_changed, jurisdiction_get_or_create
from intel.choices import AliasKind, SignalKind
from intel.generated import ExchangeSample, badge_scan_csv
from intel.models import AttendeeImport, Event, ExchangeAlias, Regulation, Signal
from intel.services import attendee_import, exchange_alias_add, regulation_save, signal_record

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
}


@dataclass(frozen=True)
class DemoAllocation:
    exchange: str
    vendor: str
    workload: str
    share: str
    region: str
    evidence: str
    note: str
    observed_on: datetime.date


INFERRED = "Share inferred: the source names this vendor as the only host of this workload."
ALLOCATIONS = (
    DemoAllocation(
        "bybit",
        "aws",
        Workload.TRADING_ENGINE,
        "100",
        "ap-southeast-1 (apse1-az2, apse1-az3)",
        EvidenceSource.SELF_PUBLISHED,
        f"Bybit API FAQ: servers in AWS Singapore. {INFERRED}",
        datetime.date(2025, 8, 25),
    ),
    DemoAllocation(
        "coinbaseinternational",
        "aws",
        Workload.TRADING_ENGINE,
        "100",
        "ap-northeast-1",
        EvidenceSource.SELF_PUBLISHED,
        "Coinbase International Exchange systems-operations docs: trading engine and gateways in AWS Tokyo. "
        f"{INFERRED}",
        datetime.date(2025, 8, 25),
    ),
    DemoAllocation(
        "coinbaseinternational",
        "aws",
        Workload.MARKET_DATA,
        "100",
        "ap-northeast-1",
        EvidenceSource.SELF_PUBLISHED,
        f"Coinbase International Exchange systems-operations docs: market data in AWS Tokyo. {INFERRED}",
        datetime.date(2025, 8, 25),
    ),
    DemoAllocation(
        "bitmex",
        "aws",
        Workload.TRADING_ENGINE,
        "100",
        "ap-northeast-1",
        EvidenceSource.VENDOR_CASE_STUDY,
        f"AWS case study: BitMEX moved its trading platform from AWS Ireland to AWS Tokyo. {INFERRED}",
        datetime.date(2025, 8, 25),
    ),
    DemoAllocation(
        "paradex",
        "aws",
        Workload.TRADING_ENGINE,
        "100",
        "ap-northeast-1",
        EvidenceSource.SELF_PUBLISHED,
        f"Paradex docs: API servers in AWS ap-northeast-1. {INFERRED}",
        datetime.date(2025, 8, 25),
    ),
    DemoAllocation(
        "okx",
        "alibaba-cloud",
        Workload.TRADING_ENGINE,
        "100",
        "Hong Kong zone C",
        EvidenceSource.NEWS,
        "News reports of the 2022-12-18 outage: OKX ran on Alibaba Cloud Hong Kong. OKX then announced a "
        "multi-cloud plan, so today's share is unknown; this is the share as of the outage.",
        datetime.date(2022, 12, 18),
    ),
)


@dataclass(frozen=True)
class DemoSignal:
    kind: str
    title: str
    occurred_on: datetime.date
    vendor: str | None
    region: str
    exchanges: tuple[str, ...]
    severity: int
    details: str
    source_note: str
    jurisdiction: str | None = None


SIGNALS = (
    DemoSignal(
        SignalKind.OUTAGE,
        "Alibaba Cloud Hong Kong zone C hardware failure stops OKX for over 7 hours",
        datetime.date(2022, 12, 18),
        "alibaba-cloud",
        "Hong Kong zone C",
        ("okx", "gate"),
        5,
        "OKX (and Gate.io) disrupted. OKX named Alibaba Cloud and announced a multi-cloud plan; a management "
        "change at Alibaba Cloud followed. Rivals use the incident in their pitch. Time of day not recorded.",
        f"News reports; {REPORTED}",
    ),
    DemoSignal(
        SignalKind.OUTAGE,
        "AWS Tokyo (ap-northeast-1) outage",
        datetime.date(2021, 2, 19),
        "aws",
        "ap-northeast-1 (Tokyo)",
        ("binance", "htx", "kucoin"),
        4,
        "Binance, Huobi and KuCoin reported affected (2021-02-19/20). Time of day not recorded.",
        f"News reports; {REPORTED}",
    ),
    DemoSignal(
        SignalKind.OUTAGE,
        "AWS Tokyo power failure in zone apne1-az4",
        datetime.date(2025, 4, 15),
        "aws",
        "ap-northeast-1, apne1-az4",
        ("binance", "kucoin", "mexc", "gate"),
        4,
        "Binance, KuCoin, MEXC and Gate.io reported affected. Time of day not recorded.",
        f"News reports; {REPORTED}",
    ),
    DemoSignal(
        SignalKind.OUTAGE,
        "AWS us-east-1 outage",
        datetime.date(2025, 10, 20),
        "aws",
        "us-east-1",
        ("coinbase", "robinhood"),
        4,
        "Coinbase and Robinhood reported down. Time of day not recorded.",
        "News reports",
    ),
    DemoSignal(
        SignalKind.CLOUD_CHANGE,
        "Coinbase moves data applications to Google Cloud",
        datetime.date(2022, 10, 1),
        "google-cloud",
        "",
        ("coinbase",),
        3,
        "Coinbase, a long-time AWS customer, moved data applications to Google Cloud in October 2022 (day "
        "not reported): a multi-cloud account. Shares unknown.",
        f"News reports; {REPORTED}",
    ),
    DemoSignal(
        SignalKind.REGULATION,
        "Singapore's DTSP regime takes effect: unlicensed providers serving clients abroad must stop or leave",
        datetime.date(2025, 6, 30),
        None,
        "",
        (),
        4,
        "Exchanges that moved to Singapore after 2021 and serve clients abroad without a licence must move "
        "again: a relocation is a re-platforming moment.",
        REPORTED,
        "SG",
    ),
)

# Licence statuses in Singapore for some of the exchanges the catalogue places there. GENERATED:
# the facts do not say which exchanges hold a licence; these only make the scenario visible.
GENERATED_SG_STATUSES: dict[str, str] = {
    "bitget": LicenceStatus.UNLICENSED,
    "bydfi": LicenceStatus.PENDING,
    "deepcoin": LicenceStatus.UNLICENSED,
    "digifinex": LicenceStatus.PENDING,
    "weex": LicenceStatus.UNLICENSED,
    "bitrue": LicenceStatus.PENDING,
    "upbit": LicenceStatus.LICENSED,
    "luno": LicenceStatus.LICENSED,
}


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
                exchange_alias_add(exchange=exchanges[slug], alias=alias, kind=kind)
                known.add((kind, ExchangeAlias.normalise(kind, alias)))
                aliases += 1
    return created, aliases


@transaction.atomic
def load_allocations() -> int:
    vendors = {vendor.slug: vendor for vendor in CloudVendor.objects.all()}
    exchanges = {
        exchange.slug: exchange for exchange in Exchange.objects.filter(slug__in={a.exchange for a in ALLOCATIONS})
    }
    existing = set(Allocation.objects.values_list("exchange__slug", "vendor__slug", "workload"))
    created = 0
    for item in ALLOCATIONS:
        if item.exchange not in exchanges or (item.exchange, item.vendor, item.workload) in existing:
            continue
        allocation_save(
            allocation=Allocation(
                exchange=exchanges[item.exchange],
                vendor=vendors[item.vendor],
                workload=item.workload,
                share_percent=Decimal(item.share),
                region=item.region,
                evidence_source=item.evidence,
                source_note=f"{item.note} ({REPORTED})"[:300],
                observed_on=item.observed_on,
            )
        )
        created += 1
    return created


@transaction.atomic
def load_singapore() -> tuple[int, int]:
    """Singapore's DTSP regime and the (GENERATED) licence statuses of some exchanges there."""
    singapore = jurisdiction_get_or_create(code="SG")
    regulation_name = "Digital token service provider (DTSP) regime, Financial Services and Markets Act 2022"
    created = 0
    if not Regulation.objects.filter(jurisdiction=singapore, name=regulation_name).exists():
        regulation_save(
            regulation=Regulation(
                jurisdiction=singapore,
                name=regulation_name,
                short_name="DTSP regime",
                regulator="Monetary Authority of Singapore (MAS)",
                effective_on=datetime.date(2025, 6, 30),
                pressured_statuses=[LicenceStatus.UNLICENSED, LicenceStatus.PENDING],
                consequence="must stop serving clients outside Singapore or leave",
                forces_relocation=True,
            )
        )
        created = 1
    changed = []
    presences = Presence.objects.filter(
        jurisdiction=singapore,
        exchange__slug__in=GENERATED_SG_STATUSES,
        licence_status=LicenceStatus.UNKNOWN,
    ).select_related("exchange")
    for presence in presences:
        if presence.source not in ("", "ccxt exchange catalogue"):
            continue  # a person recorded something here: keep it
        presence.licence_status = GENERATED_SG_STATUSES[presence.exchange.slug]
        presence.source = GENERATED_STATUS_SOURCE
        presence.save(update_fields=["licence_status", "source"])
        changed.append(presence.exchange_id)
    evidence_changed(exchange_ids=changed, cause="presence", reference="demo:singapore-statuses")
    return created, len(changed)


@transaction.atomic
def load_signals() -> int:
    vendors = {vendor.slug: vendor for vendor in CloudVendor.objects.all()}
    exchanges = {exchange.slug: exchange for exchange in Exchange.objects.all()}
    created = 0
    for item in SIGNALS:
        occurred_at = _at(item.occurred_on)
        if Signal.objects.filter(kind=item.kind, title=item.title, occurred_at=occurred_at).exists():
            continue
        signal_record(
            kind=item.kind,
            title=item.title,
            occurred_at=occurred_at,
            vendor=vendors[item.vendor] if item.vendor else None,
            vendor_region=item.region,
            jurisdiction=jurisdiction_get_or_create(code=item.jurisdiction) if item.jurisdiction else None,
            exchanges=[exchanges[slug] for slug in item.exchanges if slug in exchanges],
            severity=item.severity,
            details=item.details,
            source_note=item.source_note[:300],
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
    allocations = load_allocations()
    regulations, statuses = load_singapore()
    signals = load_signals()
    event = load_event()
    return [
        f"exchanges the catalogue lacks: {exchanges} created; aliases: {aliases} added",
        f"allocations with public evidence: {allocations} created (every other exchange's allocation: unknown)",
        f"Singapore: {regulations} regulation created, {statuses} GENERATED licence statuses set",
        f"signals (outages, cloud moves, regulation): {signals} created",
        load_badge_scans(event=event, progress=progress),
    ]
