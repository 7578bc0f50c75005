"""The per-exchange cloud footprint as plain data: host -> addresses -> cloud / region / front door,
with dates, errors, the last run's verdict and the tables it used. The API and the pages render it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.translation import gettext

from crm.models import Exchange
from crm.place_names import native_name
from crm.sentences import gettext_noop, message, stored_sentence
from intel.technographics.attribution import TablesError, shipped_tables
from intel.technographics.models import CloudDetection, EndpointAddress
from intel.technographics.providers import place_clause

ADDRESS_FRONT_DOOR = gettext_noop("front door on %(vendor)s, origin unknown")


@dataclass(frozen=True)
class AddressFootprint:
    ip: str
    ip_version: int
    provider_key: str  # blank: no range table knows the address
    provider: str
    is_front_door: bool
    vendor_slug: str
    region: str
    asn: int | None
    first_seen_at: datetime.datetime
    last_seen_at: datetime.datetime

    @property
    def description(self) -> str:
        """Where the address sits, in the active language (vendor and city by their native names)."""
        if not self.provider:
            return gettext("no known cloud or front door")
        if self.is_front_door:
            return stored_sentence(message(ADDRESS_FRONT_DOOR, vendor=self.provider))
        place = place_clause(self.provider_key, self.region)
        return stored_sentence(place) if isinstance(place, dict) else native_name(place)


@dataclass(frozen=True)
class HostFootprint:
    host: str
    role: str
    source: str
    last_checked_at: datetime.datetime | None
    error: str
    addresses: tuple[AddressFootprint, ...]


@dataclass(frozen=True)
class VerdictFootprint:
    checked_at: datetime.datetime
    summary: str
    findings: tuple[dict, ...]
    front_doors: tuple[str, ...]  # in the active language (crm.sentences)
    disagreements: tuple[str, ...]
    notes: tuple[str, ...]
    hosts_checked: int
    hosts_failed: int
    tables_built_on: str


@dataclass(frozen=True)
class ExchangeFootprint:
    exchange_id: int
    exchange_slug: str
    hosts: tuple[HostFootprint, ...]
    latest: VerdictFootprint | None
    tables_built_on: str
    tables_sources: tuple[dict[str, str], ...]


def exchange_footprint(exchange: Exchange) -> ExchangeFootprint:
    """Three queries whatever the number of hosts: endpoints, their addresses, the latest run."""
    endpoints = exchange.endpoints.order_by("role", "host").prefetch_related(
        Prefetch("addresses", queryset=EndpointAddress.objects.select_related("vendor"))
    )
    hosts = tuple(
        HostFootprint(
            host=endpoint.host,
            role=endpoint.role,
            source=endpoint.source,
            last_checked_at=endpoint.last_checked_at,
            error=endpoint.last_error,
            addresses=tuple(
                AddressFootprint(
                    ip=address.ip,
                    ip_version=address.ip_version,
                    provider_key=address.provider_key,
                    provider=address.provider_name,
                    is_front_door=address.is_front_door,
                    vendor_slug=address.vendor.slug if address.vendor_id else "",
                    region=address.region,
                    asn=address.asn,
                    first_seen_at=address.first_seen_at,
                    last_seen_at=address.last_seen_at,
                )
                for address in sorted(endpoint.addresses.all(), key=lambda a: (a.ip_version, a.ip))
            ),
        )
        for endpoint in endpoints
    )
    detection = CloudDetection.objects.filter(exchange=exchange).order_by("-checked_at", "-pk").first()
    latest = None
    if detection is not None:
        latest = VerdictFootprint(
            checked_at=detection.checked_at,
            summary=detection.summary,
            findings=tuple(detection.findings),
            front_doors=tuple(stored_sentence(item) for item in detection.front_doors),
            disagreements=tuple(stored_sentence(item) for item in detection.disagreements),
            notes=tuple(detection.notes),
            hosts_checked=detection.hosts_checked,
            hosts_failed=detection.hosts_failed,
            tables_built_on=detection.tables_built_on,
        )
    try:
        info = shipped_tables().info
        built_on, sources = info.built_on, info.sources
    except TablesError:
        built_on, sources = "", ()
    return ExchangeFootprint(
        exchange_id=exchange.pk,
        exchange_slug=exchange.slug,
        hosts=hosts,
        latest=latest,
        tables_built_on=built_on,
        tables_sources=sources,
    )
