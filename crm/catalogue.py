"""The exchange catalogue: what the ccxt package says about each exchange, as plain records.

ccxt describes its exchanges without any network call. It pins many exact versions of its
own dependencies, so it is optional: the records are also kept in a snapshot file
(crm/data/ccxt_exchanges.json) that this module reads and writes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SNAPSHOT_PATH = Path(__file__).resolve().parent / "data" / "ccxt_exchanges.json"

# ccxt uses a few codes that are not ISO 3166-1 alpha-2.
COUNTRY_ALIASES: dict[str, str] = {"UK": "GB", "LX": "LU", "PT-BR": "BR"}
PSEUDO_CODES = {"EU"}


class CatalogueError(Exception):
    """The catalogue cannot be read: a missing package, a missing or malformed snapshot."""


@dataclass(frozen=True)
class CatalogueRecord:
    """One exchange as the catalogue describes it."""

    ccxt_id: str
    name: str
    website: str
    countries: tuple[str, ...]
    is_dex: bool
    family: str | None = None
    api_hosts: tuple[str, ...] = field(default_factory=tuple)
    is_certified: bool = False


def normalise_country(code: str) -> str:
    """ccxt's country code -> ISO 3166-1 alpha-2 (or a pseudo-region such as EU)."""
    cleaned = code.strip().upper()
    return COUNTRY_ALIASES.get(cleaned, cleaned)


def _first_url(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and value:
        return _first_url(value[0])
    if isinstance(value, dict) and value:
        return _first_url(next(iter(value.values())))
    return ""


def _urls(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _urls(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _urls(item)


def api_hosts_from(urls_api: Any, hostname: str | None) -> tuple[str, ...]:
    """The distinct hosts of an exchange's API and websocket URLs, with `{hostname}` filled in."""
    hosts: set[str] = set()
    for url in _urls(urls_api):
        if hostname:
            url = url.replace("{hostname}", hostname)
        if "{" in url:
            continue
        host = urlsplit(url).hostname
        if host:
            hosts.add(host.lower())
    return tuple(sorted(hosts))


def record_from_description(description: dict[str, Any], family: str | None) -> CatalogueRecord:
    urls = description.get("urls") or {}
    countries = tuple(dict.fromkeys(normalise_country(c) for c in description.get("countries") or []))
    return CatalogueRecord(
        ccxt_id=description["id"],
        name=description.get("name") or description["id"],
        website=_first_url(urls.get("www")),
        countries=countries,
        is_dex=bool(description.get("dex")),
        family=family,
        api_hosts=api_hosts_from(urls.get("api"), description.get("hostname")),
        is_certified=bool(description.get("certified")),
    )


def records_from_ccxt() -> list[CatalogueRecord]:
    """Read every exchange ccxt describes (offline). A variant's family is the nearest
    ccxt exchange class it derives from (binanceusdm -> binance, okxus -> okx)."""
    try:
        import ccxt  # optional dependency
    except ImportError as error:
        raise CatalogueError(
            "The ccxt package is not installed: `pip install -e .[ccxt]`, or import from the snapshot "
            "(`import_exchanges --from snapshot`)."
        ) from error
    ids = set(ccxt.exchanges)
    records = []
    for exchange_id in ccxt.exchanges:
        cls = getattr(ccxt, exchange_id)
        family = next((base.__name__ for base in cls.__mro__[1:] if base.__name__ in ids), None)
        records.append(record_from_description(cls().describe(), family))
    return records


def read_snapshot(path: Path = SNAPSHOT_PATH) -> list[CatalogueRecord]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CatalogueError(f"No catalogue snapshot at {path}.") from error
    except json.JSONDecodeError as error:
        raise CatalogueError(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}).") from error
    records = []
    for index, item in enumerate(payload.get("exchanges", []), start=1):
        try:
            records.append(
                CatalogueRecord(
                    ccxt_id=item["ccxt_id"],
                    name=item["name"],
                    website=item.get("website", ""),
                    countries=tuple(item.get("countries", ())),
                    is_dex=bool(item.get("is_dex")),
                    family=item.get("family"),
                    api_hosts=tuple(item.get("api_hosts", ())),
                    is_certified=bool(item.get("is_certified")),
                )
            )
        except KeyError as error:
            raise CatalogueError(f"{path}: exchange #{index} has no field {error.args[0]!r}.") from error
    return records


def write_snapshot(records: Iterable[CatalogueRecord], source: str, path: Path = SNAPSHOT_PATH) -> None:
    payload = {
        "source": source,
        "licence": "Exchange descriptions from the ccxt package (MIT licence).",
        "exchanges": [asdict(record) for record in sorted(records, key=lambda r: r.ccxt_id)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
