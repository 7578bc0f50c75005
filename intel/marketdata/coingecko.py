"""Reading CoinGecko API v3 `GET /exchanges` responses (one page: a JSON list of exchanges) into
frozen records. Pure: no ORM, no network, no clock; a bad record is an error naming its index,
its id and the field, so an import can refuse the whole reading before writing anything."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import urlsplit, urlunsplit

ATTRIBUTION = "Data provided by CoinGecko"
# The figures keep four decimals (intel.models.MarketFigure.volume_24h_btc).
VOLUME_QUANTUM = Decimal("0.0001")
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


class MarketDataError(ValueError):
    """A page or a record that cannot be read; the message says where and why."""


@dataclass(frozen=True)
class CoinGeckoExchange:
    """One exchange of a CoinGecko /exchanges page, as the product keeps it."""

    id: str
    name: str
    url: str = ""
    country: str = ""
    year_established: int | None = None
    trust_score: int | None = None
    trust_score_rank: int | None = None
    volume_24h_btc: Decimal | None = None
    # Not served by CoinGecko since 2025-06-16: None in newer responses.
    volume_24h_btc_normalized: Decimal | None = None


def parse_page(data: bytes | str, *, label: str = "the response") -> list[CoinGeckoExchange]:
    """The exchanges of one /exchanges page; raises MarketDataError naming `label`, the record
    (1-based index and id) and the field when anything is not as CoinGecko documents it."""
    try:
        payload = json.loads(data, parse_float=Decimal)
    except UnicodeDecodeError as error:
        raise MarketDataError(f"{label}: not UTF-8 text ({error.reason} at byte {error.start}).") from error
    except json.JSONDecodeError as error:
        raise MarketDataError(
            f"{label}: not valid JSON ({error.msg}, line {error.lineno}, column {error.colno})."
        ) from error
    if not isinstance(payload, list):
        found = type(payload).__name__ if not isinstance(payload, dict) else "an object"
        hint = f" (it says: {_error_text(payload)})" if isinstance(payload, dict) and _error_text(payload) else ""
        raise MarketDataError(f"{label}: expected a JSON list of exchanges (CoinGecko /exchanges), got {found}{hint}.")
    return [_record(item, index=index, label=label) for index, item in enumerate(payload, start=1)]


def _error_text(payload: dict) -> str:
    status = payload.get("status")
    if isinstance(status, dict) and status.get("error_message"):
        return str(status["error_message"])
    return str(payload.get("error", ""))


def _record(item: object, *, index: int, label: str) -> CoinGeckoExchange:
    if not isinstance(item, dict):
        raise MarketDataError(f"{label}: record #{index} is not an object (found {type(item).__name__}).")
    where = f"{label}: record #{index}"
    identifier = item.get("id")
    if not isinstance(identifier, str) or not identifier.strip():
        raise MarketDataError(f"{where}: field 'id' is missing or empty.")
    where = f"{where} (id {identifier!r})"
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise MarketDataError(f"{where}: field 'name' is missing or empty.")
    return CoinGeckoExchange(
        id=identifier.strip(),
        name=name.strip(),
        url=_text(item, "url", where),
        country=_text(item, "country", where),
        year_established=_integer(item, "year_established", where),
        trust_score=_integer(item, "trust_score", where),
        trust_score_rank=_integer(item, "trust_score_rank", where),
        volume_24h_btc=_volume(item, "trade_volume_24h_btc", where),
        volume_24h_btc_normalized=_volume(item, "trade_volume_24h_btc_normalized", where),
    )


def _shown(value: object) -> str:
    """A value as it appears in the JSON (2.5, "12.5", true), for error messages."""
    if isinstance(value, Decimal):
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False)[:80]
    except (TypeError, ValueError):
        return repr(value)[:80]


def _text(item: dict, field: str, where: str) -> str:
    value = item.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MarketDataError(f"{where}: field {field!r} is not text: {_shown(value)}.")
    return value.strip()


def _integer(item: dict, field: str, where: str) -> int | None:
    value = item.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value != int(value) or value < 0:
        raise MarketDataError(f"{where}: field {field!r} is not a whole number >= 0: {_shown(value)}.")
    return int(value)


def _volume(item: dict, field: str, where: str) -> Decimal | None:
    value = item.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise MarketDataError(f"{where}: field {field!r} is not a number: {_shown(value)}.")
    try:
        volume = Decimal(value).quantize(VOLUME_QUANTUM, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise MarketDataError(f"{where}: field {field!r} is not a finite number: {_shown(value)}.") from error
    if volume < 0:
        raise MarketDataError(f"{where}: field {field!r} is negative: {_shown(value)}.")
    return volume


def as_of_from_filename(filename: str) -> datetime.date | None:
    """The date a file name carries (`coingecko_exchanges_2023-01-07.json` -> 2023-01-07), else None.

    >>> as_of_from_filename("intel/data/coingecko_exchanges_2023-01-07.json")
    datetime.date(2023, 1, 7)
    """
    found = _DATE_IN_NAME.findall(filename.replace("\\", "/").rsplit("/", 1)[-1])
    if not found:
        return None
    try:
        return datetime.date(*(int(part) for part in found[-1]))
    except ValueError:
        return None


def as_of_from_filenames(filenames: Iterable[str]) -> datetime.date | None:
    """The one date the file names carry; MarketDataError when they carry different dates."""
    dates = {name: as_of_from_filename(name) for name in filenames}
    distinct = {date for date in dates.values() if date is not None}
    if len(distinct) > 1:
        listed = ", ".join(f"{name} ({date})" for name, date in dates.items() if date)
        raise MarketDataError(f"The files are of different dates ({listed}): import them one date at a time.")
    return distinct.pop() if distinct else None


def clean_website(url: str) -> str:
    """A website without tracking parameters or fragments, for an account created from a record:
    'https://currency.com/?utm_source=COINGECKO' -> 'https://currency.com/'."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", "", ""))


# CoinGecko's country names that pycountry does not know by that name.
COUNTRY_CODES_BY_NAME = {"turkey": "TR", "korea": "KR", "russia": "RU", "vietnam": "VN"}


def country_code(name: str) -> str:
    """The ISO 3166-1 alpha-2 code of a country as CoinGecko names it ('' when not resolvable).

    >>> country_code("British Virgin Islands")
    'VG'
    """
    import pycountry

    text = (name or "").strip()
    if not text:
        return ""
    if text.casefold() in COUNTRY_CODES_BY_NAME:
        return COUNTRY_CODES_BY_NAME[text.casefold()]
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return ""
