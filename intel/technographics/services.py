"""Writes of the cloud footprint: the hosts to check, a detection run, and the allocations it infers.

A run resolves an exchange's hosts outside any transaction (the network is slow), then records
in one transaction: the addresses and who answers there, the inferred allocations (through
crm.services.allocation_save, evidence source IP inference), a disagreement with stronger
evidence, and a cloud_change signal when the API moved."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.catalogue import CatalogueError, CatalogueRecord, read_snapshot
from crm.choices import EVIDENCE_STRENGTH, EvidenceSource, Workload
from crm.models import Allocation, CloudVendor, Exchange
from crm.sentences import gettext_noop, message, stored
from crm.services import allocation_save, evidence_changed
from intel.choices import SignalKind
from intel.models import Signal
from intel.technographics.attribution import IpTables, shipped_tables
from intel.technographics.choices import EndpointRole, EndpointSource, InferenceBasis
from intel.technographics.inference import AddressFinding, HostFinding, Inference, VendorFinding, infer
from intel.technographics.models import CloudDetection, Endpoint, EndpointAddress
from intel.technographics.providers import PROVIDERS, place_clause
from intel.technographics.resolver import DEFAULT_MAX_WORKERS, HostAnswer, Resolver, resolve_hosts

WORKLOAD = Workload.TRADING_ENGINE

# How a disagreement names who said otherwise: a message id saying "<who> says <vendor>".
SAYS: dict[str, str] = {
    EvidenceSource.SELF_PUBLISHED: gettext_noop("The exchange's own documents say %(vendor)s"),
    EvidenceSource.REP_CONFIRMED: gettext_noop("A rep says %(vendor)s (confirmed by the account)"),
    EvidenceSource.VENDOR_CASE_STUDY: gettext_noop("A vendor case study says %(vendor)s"),
    EvidenceSource.NEWS: gettext_noop("News reports say %(vendor)s"),
    EvidenceSource.REP_ESTIMATE: gettext_noop("A rep estimates %(vendor)s"),
    EvidenceSource.LATENCY_HINT: gettext_noop("A latency hint says %(vendor)s (unverified)"),
    EvidenceSource.GENERATED: gettext_noop("The demo data says %(vendor)s"),
}
SAYS_OTHER = gettext_noop("%(who)s says %(vendor)s")
# What the hosts showed: (one host, several hosts), by the basis of the inference.
RESOLVES: dict[str, tuple[str, str]] = {
    InferenceBasis.API_ON_CLOUD: (
        gettext_noop("the API host %(host)s resolves to %(place)s"),
        gettext_noop("the API hosts %(hosts)s resolve to %(place)s"),
    ),
    InferenceBasis.WEBSITE_ON_CLOUD: (
        gettext_noop("the website host %(host)s resolves to %(place)s"),
        gettext_noop("the website hosts %(hosts)s resolve to %(place)s"),
    ),
}
DISAGREEMENT = gettext_noop("%(claim)s; %(evidence)s.")
FRONT_DOOR = gettext_noop("%(host)s: front door on %(vendor)s, origin unknown")


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, CatalogueRecord]:
    try:
        return {record.ccxt_id: record for record in read_snapshot()}
    except CatalogueError:
        return {}


def host_from(value: str) -> str:
    """'https://API.Example.com/v1' or 'api.example.com.' -> 'api.example.com'."""
    value = value.strip()
    if "//" in value:
        value = urlsplit(value).hostname or ""
    return value.split("/")[0].rstrip(".").lower()


def _role_of(host: str) -> str:
    labels = host.split(".")[0]
    return EndpointRole.WEBSOCKET if labels.startswith(("ws", "stream")) or "-ws" in labels else EndpointRole.API


def endpoints_sync(*, exchange: Exchange) -> int:
    """Add the hosts the catalogue names for an exchange (its website, API and websocket hosts)
    that it does not have yet. Returns how many were added; never removes a host."""
    wanted: dict[str, str] = {}
    record = _catalogue().get(exchange.ccxt_id or "")
    for url in (exchange.website, record.website if record else ""):
        host = host_from(url) if url else ""
        if host:
            wanted.setdefault(host, EndpointRole.WEBSITE)
    for host in record.api_hosts if record else ():
        wanted.setdefault(host_from(host), _role_of(host))
    have = set(exchange.endpoints.values_list("host", flat=True))
    missing = [
        Endpoint(exchange=exchange, host=host, role=role, source=EndpointSource.CATALOGUE)
        for host, role in sorted(wanted.items())
        if host not in have and host
    ]
    Endpoint.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


@transaction.atomic
def endpoint_add(*, exchange: Exchange, host: str, role: str, user=None) -> Endpoint:
    """A host a rep adds to an exchange (a URL is accepted and reduced to its host)."""
    endpoint = Endpoint(exchange=exchange, host=host_from(host), role=role, source=EndpointSource.REP, added_by=user)
    try:
        endpoint.full_clean()
    except ValidationError as error:
        raise ValidationError(
            {name: [f"{exchange.name}: {message}" for message in messages] for name, messages in error}
        ) from error
    endpoint.save()
    return endpoint


@dataclass
class DetectionOutcome:
    detection: CloudDetection
    allocations_written: int = 0
    allocations_removed: int = 0
    signal: Signal | None = None
    notes: list[str] = field(default_factory=list)


def exchange_clouds_detect(
    *,
    exchange_id: int,
    resolver: Resolver,
    tables: IpTables | None = None,
    now: datetime.datetime | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
) -> DetectionOutcome:
    """Check one exchange: add its catalogue hosts, resolve them all, record what they show."""
    exchange = Exchange.objects.get(pk=exchange_id)
    with transaction.atomic():
        endpoints_sync(exchange=exchange)
    hosts = list(exchange.endpoints.values_list("host", flat=True))
    answers = resolve_hosts(hosts, resolver=resolver, max_workers=max_workers)
    return cloud_detection_record(
        exchange_id=exchange_id, answers=answers, tables=tables or shipped_tables(), now=now or timezone.now()
    )


@transaction.atomic
def cloud_detection_record(
    *, exchange_id: int, answers: dict[str, HostAnswer], tables: IpTables, now: datetime.datetime
) -> DetectionOutcome:
    """Record one run's answers for an exchange, all or nothing."""
    exchange = Exchange.objects.select_for_update().get(pk=exchange_id)
    findings = _record_addresses(exchange=exchange, answers=answers, tables=tables, now=now)
    inference = infer(findings)
    previous = CloudDetection.objects.filter(exchange=exchange).order_by("-checked_at", "-pk").first()
    outcome = DetectionOutcome(detection=CloudDetection(exchange=exchange))
    vendors = {v.slug: v for v in CloudVendor.objects.filter(slug__in=[f.vendor_slug for f in inference.findings])}
    disagreements: list[dict] = []
    if inference.has_conclusion:
        disagreements = _allocations_apply(
            exchange=exchange, inference=inference, vendors=vendors, today=now.date(), outcome=outcome
        )
    else:
        outcome.notes.append("No API host resolved: nothing is concluded and the previous inference is kept.")
    if (
        previous
        and previous.api_providers
        and inference.api_providers
        and (list(inference.api_providers) != list(previous.api_providers))
    ):
        outcome.signal = _change_signal(
            exchange=exchange, before=previous.api_providers, inference=inference, vendors=vendors, now=now
        )
    detection = outcome.detection
    detection.checked_at = now
    detection.hosts_checked = inference.hosts_checked
    detection.hosts_failed = inference.hosts_failed
    detection.api_providers = list(inference.api_providers)
    detection.findings = [_finding_json(f) for f in inference.findings]
    detection.front_doors = _front_doors(inference)
    detection.disagreements = disagreements
    detection.notes = outcome.notes
    detection.allocations_written = outcome.allocations_written
    detection.signal = outcome.signal
    detection.summary = _summary(inference)
    detection.tables_built_on = tables.info.built_on
    detection.save()
    return outcome


def _record_addresses(
    *, exchange: Exchange, answers: dict[str, HostAnswer], tables: IpTables, now: datetime.datetime
) -> list[HostFinding]:
    findings = []
    vendor_ids = dict(CloudVendor.objects.values_list("slug", "pk"))
    for endpoint in exchange.endpoints.prefetch_related("addresses"):
        answer = answers.get(endpoint.host) or HostAnswer(host=endpoint.host, error=f"{endpoint.host}: not checked")
        endpoint.last_checked_at = now
        endpoint.last_error = answer.error[:300]
        endpoint.save(update_fields=["last_checked_at", "last_error"])
        existing = {address.ip: address for address in endpoint.addresses.all()}
        seen: list[AddressFinding] = []
        for ip in answer.addresses:
            try:
                attribution = tables.attribute(ip)
            except ValueError:
                continue  # a resolver that answers a non-address is ignored, not trusted
            seen.append(AddressFinding(ip=ip, attribution=attribution))
            provider = attribution.provider if attribution else None
            values = {
                "ip_version": 6 if ":" in ip else 4,
                "provider_key": provider.key if provider else "",
                "provider_name": provider.name if provider else "",
                "is_front_door": bool(provider and provider.is_front_door),
                "vendor_id": vendor_ids.get(provider.vendor_slug) if provider and provider.vendor_slug else None,
                "region": attribution.region if attribution else "",
                "asn": attribution.asn if attribution else None,
                "last_seen_at": now,
            }
            address = existing.pop(ip, None)
            if address is None:
                EndpointAddress.objects.create(endpoint=endpoint, ip=ip, first_seen_at=now, **values)
            else:
                for name, value in values.items():
                    setattr(address, name, value)
                address.save()
        if not answer.error:
            # Addresses the host no longer resolves to leave the footprint; after a failed
            # resolution the last known ones stay, with the error beside them.
            EndpointAddress.objects.filter(pk__in=[a.pk for a in existing.values()]).delete()
        findings.append(HostFinding(host=endpoint.host, role=endpoint.role, addresses=tuple(seen), error=answer.error))
    return findings


def _allocations_apply(
    *,
    exchange: Exchange,
    inference: Inference,
    vendors: dict[str, CloudVendor],
    today: datetime.date,
    outcome: DetectionOutcome,
) -> list[dict]:
    """Write the inferred allocations for the trading engine; return the disagreements."""
    current = list(
        Allocation.objects.filter(exchange=exchange, workload__in=[WORKLOAD, Workload.ALL]).select_related("vendor")
    )
    engine = [a for a in current if a.workload == WORKLOAD]
    inferred_slugs = {f.vendor_slug for f in inference.findings if f.vendor_slug}
    disagreements = _disagreements(current=current, inference=inference, inferred_slugs=inferred_slugs)

    # Inferences that no longer hold are withdrawn (the API moved, or now sits behind a front door).
    stale = [
        a for a in engine if a.evidence_source == EvidenceSource.IP_INFERENCE and a.vendor.slug not in inferred_slugs
    ]
    for allocation in stale:
        reference = f"allocation:{allocation.pk}"
        allocation.delete()
        evidence_changed(exchange_ids=[exchange.pk], cause="allocation", reference=reference)
        outcome.allocations_removed += 1
    engine = [a for a in engine if a not in stale]

    writable = [f for f in inference.findings if f.vendor_slug]
    for finding in inference.findings:
        if not finding.vendor_slug:
            outcome.notes.append(f"{finding.place} has no vendor in the account book: shown, not allocated.")
    if not writable:
        return disagreements
    stronger = [
        a
        for a in engine
        if a.evidence_source != EvidenceSource.IP_INFERENCE
        and EVIDENCE_STRENGTH.get(a.evidence_source, 0) >= writable[0].confidence
    ]
    if stronger:
        kept = ", ".join(
            f"{a.vendor.name} {a.share_percent.normalize():f}% ({a.get_evidence_source_display()})" for a in stronger
        )
        outcome.notes.append(f"Kept the stronger evidence for the trading engine: {kept}.")
        return disagreements

    by_vendor = {a.vendor.slug: a for a in engine}
    writable_slugs = {f.vendor_slug for f in writable}
    # Weaker allocations of other vendors stay; the inference takes at most what they leave.
    room = Decimal(100) - sum((a.share_percent for a in engine if a.vendor.slug not in writable_slugs), Decimal(0))
    plans: list[tuple[Decimal, VendorFinding, Allocation]] = []
    for finding in writable:
        vendor = vendors.get(finding.vendor_slug)
        if vendor is None:
            outcome.notes.append(
                f"No vendor {finding.vendor_slug!r} in the account book: {finding.place} not allocated."
            )
            continue
        share = min(finding.share_percent, room)
        if share <= 0:
            outcome.notes.append(f"No room left under 100% for {finding.place}: other allocations hold it all.")
            continue
        if share < finding.share_percent:
            outcome.notes.append(f"{finding.place} capped at {share.normalize():f}%: other allocations hold the rest.")
        room -= share
        allocation = by_vendor.get(finding.vendor_slug) or Allocation(
            exchange=exchange, vendor=vendor, workload=WORKLOAD
        )
        plans.append((share, finding, allocation))

    # Lower shares first, so the running total never passes 100% between two saves.
    for share, finding, allocation in sorted(plans, key=lambda p: p[0] - (p[2].share_percent or 0)):
        wanted = {
            "share_percent": share,
            "region": finding.region[:100],
            "evidence_source": EvidenceSource.IP_INFERENCE,
            "confidence": finding.confidence,
            "source_note": finding.evidence_note,
            "source_url": "",
        }
        if allocation.pk and all(getattr(allocation, name) == value for name, value in wanted.items()):
            continue
        for name, value in wanted.items():
            setattr(allocation, name, value)
        allocation.observed_on = today
        allocation_save(allocation=allocation)
        outcome.allocations_written += 1
    return disagreements


def _disagreements(*, current: list[Allocation], inference: Inference, inferred_slugs: set[str]) -> list[dict]:
    """Stored sentences (crm.sentences): who said another vendor, and what the hosts showed."""
    if not inference.findings:
        return []
    top = inference.findings[0]
    one, several = RESOLVES.get(top.basis, RESOLVES[InferenceBasis.WEBSITE_ON_CLOUD])
    place = place_clause(top.provider_key, top.region)
    if len(top.hosts) == 1:
        evidence = message(one, host=top.hosts[0], place=place)
    else:
        evidence = message(several, hosts=", ".join(top.hosts), place=place)
    sentences: dict[str, dict] = {}
    for allocation in current:
        if allocation.evidence_source == EvidenceSource.IP_INFERENCE or allocation.vendor.slug in inferred_slugs:
            continue
        says = SAYS.get(allocation.evidence_source)
        if says is None:
            claim = message(SAYS_OTHER, who=allocation.get_evidence_source_display(), vendor=allocation.vendor.name)
        else:
            claim = message(says, vendor=allocation.vendor.name)
        item = stored(DISAGREEMENT, claim=claim, evidence=evidence)
        sentences[item["sentence"]] = item
    return [sentences[english] for english in sorted(sentences)]


def _front_doors(inference: Inference) -> list[dict]:
    """Stored sentences: each host behind a front door, and on whose."""
    return [
        stored(FRONT_DOOR, host=verdict.host, vendor=PROVIDERS[verdict.provider_key].name)
        for verdict in inference.verdicts
        if verdict.kind == "front_door"
    ]


def _change_signal(
    *,
    exchange: Exchange,
    before: list[str],
    inference: Inference,
    vendors: dict[str, CloudVendor],
    now: datetime.datetime,
) -> Signal:
    old = ", ".join(PROVIDERS[key].name if key in PROVIDERS else key for key in before)
    api_findings = [f for f in inference.findings if f.basis == "api_on_cloud"]
    new = ", ".join(f.place for f in api_findings) or ", ".join(PROVIDERS[k].name for k in inference.api_providers)
    top = api_findings[0] if api_findings else None
    title = f"{exchange.name}: API moved from {old} to {new}"
    details = "\n".join(f"{v.host}: {v.description}" for v in inference.verdicts if v.role != EndpointRole.WEBSITE)
    signal = Signal.objects.create(
        kind=SignalKind.CLOUD_CHANGE,
        title=title[:300],
        details=f"Detected from the public DNS answers of its API hosts.\n{details}",
        source_note="IP inference (public DNS and published cloud ranges)",
        occurred_at=now,
        severity=3,
        vendor=vendors.get(top.vendor_slug) if top else None,
        vendor_region=top.region[:100] if top else "",
    )
    signal.exchanges.add(exchange)
    evidence_changed(exchange_ids=[exchange.pk], cause="signal", reference=f"signal:{signal.pk}")
    return signal


def _finding_json(finding: VendorFinding) -> dict:
    return {
        "provider": finding.provider_key,
        "vendor": finding.vendor_slug,
        "place": finding.place,
        "region": finding.region,
        "share_percent": f"{finding.share_percent:f}",
        "confidence": finding.confidence,
        "basis": finding.basis,
        "hosts": list(finding.hosts),
        "hosts_of_basis": finding.hosts_of_basis,
    }


def _summary(inference: Inference) -> str:
    if not inference.has_conclusion:
        return f"Nothing concluded: {inference.hosts_failed} of {inference.hosts_checked} hosts failed to resolve"
    if inference.findings:
        parts = [f"{f.place} {f.share_percent.normalize():f}%" for f in inference.findings]
        kind = "API" if inference.findings[0].basis == "api_on_cloud" else "website"
        text = f"{kind} on " + ", ".join(parts)
    elif inference.front_doors:
        text = "behind a front door, origin unknown"
    else:
        text = "on no known cloud"
    if inference.hosts_failed:
        text += f"; {inference.hosts_failed} of {inference.hosts_checked} hosts failed to resolve"
    return text[:300]
