"""Reading ESMA's interim MiCA register of crypto-asset service providers (`CASPS.csv`) exactly as
ESMA publishes it: UTF-8 with a BOM, 15 named columns and a trailing empty one, `|`-separated lists
(some rows use " I " or ", "), DD/MM/YYYY dates, stray spaces, the odd cp1252 byte, and the same
firm on several rows (merged by LEI). Pure."""

from __future__ import annotations

import csv
import datetime
import io
import re

from crm.choices import LicenceStatus
from intel.parsing import numbered_rows
from intel.registers.records import (
    ParsedRegister,
    RegisterFileError,
    RegisterRecord,
    RowProblem,
    clean_cell,
    country_code,
    decode_with_fallback,
    name_key,
    parse_date,
    settle_end_dates,
)

LAYOUT = "ESMA CASPS.csv"
ESMA_HEADERS = (
    "ae_competentAuthority",
    "ae_homeMemberState",
    "ae_lei_name",
    "ae_lei",
    "ae_lei_cou_code",
    "ae_commercial_name",
    "ae_address",
    "ae_website",
    "ae_website_platform",
    "ac_authorisationNotificationDate",
    "ac_authorisationEndDate",
    "ac_serviceCode",
    "ac_serviceCode_cou",
    "ac_comments",
    "ac_lastupdate",
)
# MiCA Art. 3(1)(16): the services a CASP may be authorised for, by letter.
MICA_SERVICES = {
    "a": "providing custody and administration of crypto-assets on behalf of clients",
    "b": "operation of a trading platform for crypto-assets",
    "c": "exchange of crypto-assets for funds",
    "d": "exchange of crypto-assets for other crypto-assets",
    "e": "execution of orders for crypto-assets on behalf of clients",
    "f": "placing of crypto-assets",
    "g": "reception and transmission of orders for crypto-assets on behalf of clients",
    "h": "providing advice on crypto-assets",
    "i": "providing portfolio management on crypto-assets",
    "j": "providing transfer services for crypto-assets on behalf of clients",
}
_LIST_SEPARATORS = re.compile(r"\s*(?:\||\sI\s|,\s|;)\s*")
_SERVICE_LETTER = re.compile(r"^([a-j])\s*[.)]\s*(.*)$", re.IGNORECASE)
_NOT_LEI = re.compile(r"[^A-Z0-9]")
_BROKEN_SCHEME = re.compile(r"^(https?)[.;:]*//", re.IGNORECASE)
NOT_GIVEN = frozenset({"", "n/a", "na", "-", "none"})


def split_list(value: str) -> list[str]:
    """'a | b', 'a I b', 'a, b' -> ['a', 'b']."""
    return [part for part in (clean_cell(part) for part in _LIST_SEPARATORS.split(f" {value} ")) if part]


def service_label(text: str) -> str:
    """A service as its MiCA letter and wording ('b. operation of a trading platform ...'); text that
    names no letter is matched on its wording, and kept as written when that fails too."""
    text = text.strip(" .;")
    match = _SERVICE_LETTER.match(text)
    if match:
        letter = match.group(1).lower()
        return f"{letter}. {MICA_SERVICES[letter]}"
    letter = _SERVICE_BY_TEXT.get(_service_words(text))
    return f"{letter}. {MICA_SERVICES[letter]}" if letter else text


def _service_words(text: str) -> str:
    words = " ".join(text.casefold().replace("-", " ").split())
    return words.replace("execution of orders on", "execution of orders for crypto assets on")


_SERVICE_BY_TEXT = {_service_words(text): letter for letter, text in MICA_SERVICES.items()}


def host_states(value: str) -> list[str]:
    """'AT|BE', 'AT I DE', 'BE | DE | ', ' NO|SE' -> country codes; ValueError naming a bad one."""
    tokens = [token for token in re.split(r"[\s|,;/]+", value) if token and token != "I"]
    return list(dict.fromkeys(country_code(token) for token in tokens))


def website(value: str) -> str:
    """The first site of a cell ('https://a | https://b'), with 'https.//' mended."""
    first = split_list(value.replace(" | ", "|"))[0] if clean_cell(value) else ""
    if first.casefold() in NOT_GIVEN:
        return ""
    return _BROKEN_SCHEME.sub(lambda found: f"{found.group(1).lower()}://", first)


def is_esma_header(headers: list[str]) -> bool:
    named = [header.strip() for header in headers]
    while named and not named[-1]:
        named.pop()
    return tuple(named) == ESMA_HEADERS


def parse_esma(data: bytes, *, as_of: datetime.date | None = None) -> ParsedRegister:
    """Read CASPS.csv. The register's date is `as_of`, else the newest `ac_lastupdate` in the file."""
    text, encoding, fallback_lines = decode_with_fallback(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = next(reader)
    except StopIteration:
        raise RegisterFileError("The file is empty: ESMA's CASPS.csv has a header row and one row per firm.") from None
    if not is_esma_header(headers):
        raise RegisterFileError(
            f"This is not ESMA's CASPS.csv layout. Expected the columns {', '.join(ESMA_HEADERS)} "
            f"(and a trailing empty one); found: {', '.join(header.strip() or '(empty)' for header in headers)}."
        )
    result = ParsedRegister(layout=LAYOUT, encoding=encoding, headers=[header.strip() for header in headers])
    if fallback_lines:
        result.warnings.append(
            f"bytes that are not UTF-8 were read as cp1252 on line(s) {', '.join(map(str, fallback_lines))}"
        )
    by_key: dict[str, int] = {}
    newest_update: datetime.date | None = None
    unreadable = lambda line, message: result.problems.append(RowProblem(line, "", message))  # noqa: E731
    for line, cells in numbered_rows(reader, on_error=unreadable):
        if not any(cell.strip() for cell in cells):
            continue
        parsed = _parse_row(line, cells)
        if isinstance(parsed, RowProblem):
            result.problems.append(parsed)
            continue
        record, last_update = parsed
        if last_update and (newest_update is None or last_update > newest_update):
            newest_update = last_update
        if record.key in by_key:
            position = by_key[record.key]
            result.records[position] = _merge(result.records[position], record)
            result.duplicate_lines += 1
        else:
            by_key[record.key] = len(result.records)
            result.records.append(record)
    result.as_of = as_of or newest_update
    if result.as_of:
        result.records = settle_end_dates(result.records, as_of=result.as_of)
    return result


def _parse_row(line: int, cells: list[str]) -> tuple[RegisterRecord, datetime.date | None] | RowProblem:
    values = tuple(cells)
    if len(cells) > len(ESMA_HEADERS) + 1 and any(cell.strip() for cell in cells[len(ESMA_HEADERS) + 1 :]):
        return RowProblem(line, "", f"{len(cells)} values but the header has {len(ESMA_HEADERS) + 1} columns", values)
    row = {name: clean_cell(cells[index]) if index < len(cells) else "" for index, name in enumerate(ESMA_HEADERS)}
    if not row["ae_lei_name"]:
        return RowProblem(line, "ae_lei_name", "the firm's legal name is empty", values)
    # ESMA's file has LEIs with a trailing dot, 19 or 21 characters: kept as published (the firm's
    # identity across readings), since rejecting them would drop authorised firms.
    lei = _NOT_LEI.sub("", row["ae_lei"].upper())
    dates: dict[str, datetime.date | None] = {}
    for column in ("ac_authorisationNotificationDate", "ac_authorisationEndDate", "ac_lastupdate"):
        try:
            dates[column] = parse_date(row[column], day_first=True) if row[column] else None
        except ValueError as error:
            return RowProblem(line, column, str(error), values)
    try:
        home = country_code(row["ae_homeMemberState"]) if row["ae_homeMemberState"] else ""
    except ValueError as error:
        return RowProblem(line, "ae_homeMemberState", str(error), values)
    try:
        hosts = host_states(row["ac_serviceCode_cou"])
    except ValueError as error:
        return RowProblem(line, "ac_serviceCode_cou", str(error), values)
    started, ended = dates["ac_authorisationNotificationDate"], dates["ac_authorisationEndDate"]
    if started and ended and ended < started:
        return RowProblem(
            line, "ac_authorisationEndDate", f"ends ({ended}) before it was authorised ({started})", values
        )
    record = RegisterRecord(
        key=lei or name_key(row["ae_lei_name"]),
        line=line,
        legal_name=row["ae_lei_name"][:300],
        commercial_name=row["ae_commercial_name"][:300] if row["ae_commercial_name"] != row["ae_lei_name"] else "",
        # "Kraken, Kraken Digital Asset Exchange", "EU Internet Ventures |EUIV|BNXA": each is a name.
        other_names=tuple(
            name
            for name in split_list(row["ae_commercial_name"])
            if name not in (row["ae_commercial_name"], row["ae_lei_name"])
        ),
        lei=lei,
        website=website(row["ae_website"]) or website(row["ae_website_platform"]),
        services=tuple(dict.fromkeys(service_label(text) for text in split_list(row["ac_serviceCode"]))),
        status=LicenceStatus.LICENSED,
        status_note=row["ac_comments"][:300],
        authorised_on=started,
        ended_on=ended,
        home_state=home,
        host_states=tuple(hosts),
        competent_authority=row["ae_competentAuthority"][:200],
    )
    return record, dates["ac_lastupdate"]


def _merge(earlier: RegisterRecord, later: RegisterRecord) -> RegisterRecord:
    """The same LEI on two rows: one firm, authorised since the earlier date, for every service and
    host state either row lists."""
    dates = [day for day in (earlier.authorised_on, later.authorised_on) if day]
    notes = [note for note in (earlier.status_note, later.status_note) if note]
    return RegisterRecord(
        key=earlier.key,
        line=earlier.line,
        legal_name=earlier.legal_name,
        commercial_name=earlier.commercial_name or later.commercial_name,
        other_names=tuple(dict.fromkeys((*earlier.other_names, *later.other_names))),
        lei=earlier.lei,
        website=earlier.website or later.website,
        services=tuple(dict.fromkeys((*earlier.services, *later.services))),
        status=earlier.status,
        status_note="; ".join(dict.fromkeys(notes))[:300],
        authorised_on=min(dates) if dates else None,
        ended_on=later.ended_on if earlier.ended_on is None else earlier.ended_on,
        home_state=earlier.home_state or later.home_state,
        host_states=tuple(dict.fromkeys((*earlier.host_states, *later.host_states))),
        competent_authority=earlier.competent_authority or later.competent_authority,
    )
