"""Attribute an IP address to a cloud (and region) or a front door, from the shipped range tables.

Pure and fast: the tables are sorted, non-overlapping integer ranges (one list for IPv4, one for
IPv6), so a lookup is one bisect. Built by `refresh_ip_tables` (see tables.py)."""

from __future__ import annotations

import gzip
import json
import socket
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intel.technographics.providers import PROVIDERS, Provider, place_name

TABLES_PATH = Path(__file__).resolve().parent / "data" / "ip_ranges.json.gz"
TABLES_FORMAT = 1


class TablesError(Exception):
    """The range tables cannot be read or built: a missing or malformed file."""


@dataclass(frozen=True)
class Attribution:
    """Who answers at an IP address: a cloud with its region, or a front door."""

    provider: Provider
    region: str = ""
    asn: int | None = None

    @property
    def is_front_door(self) -> bool:
        return self.provider.is_front_door

    @property
    def place(self) -> str:
        return place_name(self.provider.key, self.region)

    @property
    def description(self) -> str:
        if self.is_front_door:
            return f"front door on {self.provider.name}, origin unknown"
        return self.place


def ip_to_int(address: str) -> tuple[int, int]:
    """(4 or 6, the address as an integer). Raises ValueError for anything that is not an IP."""
    try:
        if ":" in address:
            return 6, int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big")
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
    except (OSError, TypeError) as error:
        raise ValueError(f"{address!r} is not an IPv4 or IPv6 address") from error


@dataclass(frozen=True)
class TablesInfo:
    """What the tables were built from, and when (shown with every footprint)."""

    built_on: str
    sources: tuple[dict[str, str], ...]
    ipv4_ranges: int
    ipv6_ranges: int


class IpTables:
    """The loaded range tables: attribute(ip) -> Attribution or None."""

    __slots__ = ("_labels", "_v4_ends", "_v4_labels", "_v4_starts", "_v6_ends", "_v6_labels", "_v6_starts", "info")

    def __init__(self, payload: dict[str, Any]):
        if payload.get("format") != TABLES_FORMAT:
            raise TablesError(f"range tables of format {payload.get('format')!r}; this version reads {TABLES_FORMAT}")
        labels = []
        for index, (key, region, asn) in enumerate(payload["labels"]):
            if key not in PROVIDERS:
                raise TablesError(f"range tables label #{index}: unknown provider {key!r}")
            labels.append(Attribution(provider=PROVIDERS[key], region=region or "", asn=asn or None))
        self._labels: list[Attribution] = labels
        self._v4_starts, self._v4_ends, self._v4_labels = _columns(payload["ipv4"], "ipv4")
        self._v6_starts, self._v6_ends, self._v6_labels = _columns(payload["ipv6"], "ipv6")
        self.info = TablesInfo(
            built_on=payload.get("built_on", ""),
            sources=tuple(payload.get("sources", ())),
            ipv4_ranges=len(self._v4_starts),
            ipv6_ranges=len(self._v6_starts),
        )

    @classmethod
    def load(cls, path: Path = TABLES_PATH) -> IpTables:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                payload = json.load(handle)
        except FileNotFoundError as error:
            raise TablesError(f"No range tables at {path}: run `manage.py refresh_ip_tables`.") from error
        except (OSError, json.JSONDecodeError, EOFError) as error:
            raise TablesError(f"{path}: not a gzipped JSON range table ({error}).") from error
        try:
            return cls(payload)
        except (KeyError, TypeError, ValueError) as error:
            raise TablesError(f"{path}: malformed range table ({error!r}).") from error

    def attribute(self, address: str) -> Attribution | None:
        """The provider of one address, or None when no table knows it. ValueError if not an IP."""
        if ":" in address:
            try:
                number = int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big")
            except OSError as error:
                raise ValueError(f"{address!r} is not an IPv4 or IPv6 address") from error
            starts, ends, labels = self._v6_starts, self._v6_ends, self._v6_labels
        else:
            try:
                number = int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
            except OSError as error:
                raise ValueError(f"{address!r} is not an IPv4 or IPv6 address") from error
            starts, ends, labels = self._v4_starts, self._v4_ends, self._v4_labels
        index = bisect_right(starts, number) - 1
        if index >= 0 and number <= ends[index]:
            return self._labels[labels[index]]
        return None


def _columns(table: dict[str, list[int]], name: str) -> tuple[list[int], list[int], list[int]]:
    starts, ends, labels = table["starts"], table["ends"], table["labels"]
    if not len(starts) == len(ends) == len(labels):
        raise TablesError(f"range tables {name}: columns of different lengths")
    return starts, ends, labels


_loaded: IpTables | None = None


def shipped_tables() -> IpTables:
    """The shipped tables, loaded once per process (about a second; see the benchmark)."""
    global _loaded
    if _loaded is None:
        _loaded = IpTables.load()
    return _loaded


def forget_loaded_tables() -> None:
    """After a refresh, the next shipped_tables() reads the new file."""
    global _loaded
    _loaded = None
