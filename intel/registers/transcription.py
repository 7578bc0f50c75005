"""Reading the registers that publish no machine-readable file (Japan FSA's list as transcribed, the
SFC's, MAS's and VARA's web lists) from one documented CSV layout, and the Japan FSA's own
`kasoutuka.xlsx` when its header row is recognised. Pure.

The CSV layout (UTF-8, header row, one firm per row):
  register_number  the regulator's number ("関東財務局長 第00003号"), blank when it publishes none
  legal_name       the registered name
  other_names      names in other scripts or former names, `|`-separated
  brand            the platform's commercial name
  website          the firm's site
  status           a word of intel.registers.records.STATUS_WORDS ("registered", "deemed licensed",
                   "warning letter", "business abolished", ...)
  licensed_on      YYYY-MM-DD: the date the status took effect (licence, registration, warning letter)
  ended_on         YYYY-MM-DD: the date a licence ended (business abolished, deregistered, ...)
  source_url       where the row comes from: a URL, or a source key such as "[FW]"
  notes            optional: anything else the source says (partial dates go here, never invented)
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import replace

from crm.choices import LicenceStatus
from intel.parsing import decode
from intel.registers.records import (
    ParsedRegister,
    RegisterFileError,
    RegisterRecord,
    RowProblem,
    clean_cell,
    name_key,
    parse_date,
    settle_end_dates,
    source_link,
    status_from_word,
)

LAYOUT = "register transcription CSV"
REQUIRED_COLUMNS = (
    "register_number",
    "legal_name",
    "other_names",
    "brand",
    "website",
    "status",
    "licensed_on",
    "ended_on",
    "source_url",
)
OPTIONAL_COLUMNS = ("notes",)
XLSX_LAYOUT = "Japan FSA kasoutuka.xlsx"
# The FSA's column headers are not confirmed by a copy of the file: these are the headings its list
# uses (登録番号, 登録年月日, 暗号資産交換業者名); a sheet without them is refused, never guessed.
FSA_HEADERS: dict[str, tuple[str, ...]] = {
    "registration_number": ("登録番号",),
    "bureau": ("財務局等", "所管財務局", "財務局"),
    "legal_name": ("暗号資産交換業者名", "暗号資産交換業者", "商号又は名称", "商号", "名称", "業者名"),
    "registered_on": ("登録年月日", "登録日"),
    "website": ("ホームページ", "ウェブサイト", "url"),
}
FSA_REQUIRED = ("registration_number", "legal_name")
HEADER_ROWS_SCANNED = 15
_REGISTRATION = re.compile(r"^(?P<bureau>\S*?財務(?:支)?局長?)?\s*第?\s*(?P<number>\d{1,5})\s*号?$")
_ERA = re.compile(r"(?P<era>令和|平成|R|H)\s*(?P<year>\d+|元)\s*[年.]\s*(?P<month>\d+)\s*[月.]\s*(?P<day>\d+)\s*日?")
_WESTERN = re.compile(r"(?P<year>\d{4})\s*[年/.-]\s*(?P<month>\d{1,2})\s*[月/.-]\s*(?P<day>\d{1,2})\s*日?")
ERA_START = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988}


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def parse_transcription(data: bytes) -> ParsedRegister:
    """Read the documented CSV layout; any other header is refused, naming expected and found."""
    try:
        text, encoding = decode(data)
    except ValueError as error:
        raise RegisterFileError(str(error)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        found = [clean_cell(header) for header in next(reader)]
    except StopIteration:
        raise RegisterFileError("The file is empty: it needs the header row and one row per firm.") from None
    while found and not found[-1]:
        found.pop()
    headers = [header.casefold() for header in found]
    missing = [column for column in REQUIRED_COLUMNS if column not in headers]
    unknown = [header for header in headers if header not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    if missing or unknown:
        raise RegisterFileError(
            f"This is not the register transcription layout. Expected the columns {', '.join(REQUIRED_COLUMNS)} "
            f"(and optionally {', '.join(OPTIONAL_COLUMNS)}); found: {', '.join(found) or '(none)'}."
        )
    result = ParsedRegister(layout=LAYOUT, encoding=encoding, headers=headers)
    first_line: dict[str, int] = {}
    previous_end = reader.line_num
    for cells in reader:
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        record = _parse_row(line, cells, headers)
        if isinstance(record, RowProblem):
            result.problems.append(record)
        elif record.key in first_line:
            column = "register_number" if record.registration_number else "legal_name"
            result.problems.append(
                RowProblem(line, column, f"the same firm as line {first_line[record.key]}", tuple(cells))
            )
        else:
            first_line[record.key] = line
            result.records.append(record)
    return result


def _parse_row(line: int, cells: list[str], headers: list[str]) -> RegisterRecord | RowProblem:
    values = tuple(cells)
    if len(cells) > len(headers) and any(cell.strip() for cell in cells[len(headers) :]):
        return RowProblem(line, "", f"{len(cells)} values but the header has {len(headers)} columns", values)
    row = {header: clean_cell(cells[index]) if index < len(cells) else "" for index, header in enumerate(headers)}
    if not row["legal_name"]:
        return RowProblem(line, "legal_name", "the firm's name is empty", values)
    try:
        status, has_ended = status_from_word(row["status"])
    except KeyError:
        return RowProblem(line, "status", f"{row['status']!r} is not a status this import knows", values)
    dates: dict[str, datetime.date | None] = {}
    for column in ("licensed_on", "ended_on"):
        try:
            dates[column] = parse_date(row[column], day_first=False) if row[column] else None
        except ValueError as error:
            return RowProblem(line, column, str(error), values)
    if dates["licensed_on"] and dates["ended_on"] and dates["ended_on"] < dates["licensed_on"]:
        return RowProblem(line, "ended_on", "ends before the status took effect", values)
    source = row["source_url"]
    link = source_link(source)
    notes = [row.get("notes", ""), f"source: {source}" if source and source != link else ""]
    if has_ended:
        notes.insert(0, row["status"])
    return RegisterRecord(
        key=row["register_number"][:200] or name_key(row["legal_name"]),
        line=line,
        legal_name=row["legal_name"][:300],
        commercial_name=row["brand"][:300],
        other_names=tuple(name for name in (clean_cell(part) for part in row["other_names"].split("|")) if name),
        registration_number=row["register_number"][:100],
        website=row["website"][:500],
        status=status,
        status_note="; ".join(note for note in notes if note)[:300],
        authorised_on=dates["licensed_on"],
        ended_on=dates["ended_on"],
        source_url=link[:500],
    )


def finish(result: ParsedRegister, *, as_of: datetime.date) -> ParsedRegister:
    """Settle the end dates against the register's date, once it is known."""
    result.as_of = as_of
    result.records = settle_end_dates(result.records, as_of=as_of)
    return result


def japanese_date(value: object) -> datetime.date | None:
    """A date cell of the FSA's sheet: a real date, 2017年9月29日, 2017/09/29, 平成29年9月29日, R2.3.30."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = unicodedata.normalize("NFKC", clean_cell(value))
    if not text:
        return None
    found = _ERA.search(text)
    if found:
        year = 1 if found["year"] == "元" else int(found["year"])
        return datetime.date(ERA_START[found["era"]] + year, int(found["month"]), int(found["day"]))
    found = _WESTERN.search(text)
    if found:
        return datetime.date(int(found["year"]), int(found["month"]), int(found["day"]))
    raise ValueError(f"{text!r} is not a date (e.g. 2017年9月29日, 平成29年9月29日 or 2017/09/29)")


def registration_number(number: object, bureau: object = "") -> str:
    """'関東財務局長第00003号', or '00003' with bureau '関東財務局' -> '関東財務局長 第00003号'."""
    text = unicodedata.normalize("NFKC", clean_cell(number)).replace(" ", "")
    found = _REGISTRATION.match(text)
    if not found:
        raise ValueError(f"{clean_cell(number)!r} is not a registration number (e.g. 関東財務局長 第00003号)")
    office = found["bureau"] or unicodedata.normalize("NFKC", clean_cell(bureau)).replace(" ", "")
    if office and not office.endswith("長"):
        office += "長"
    return f"{office} 第{int(found['number']):05d}号".strip()


def _fsa_column(header: object) -> str | None:
    text = unicodedata.normalize("NFKC", clean_cell(header)).replace(" ", "").casefold()
    for name, synonyms in FSA_HEADERS.items():
        if any(text.startswith(synonym) for synonym in synonyms):
            return name
    return None


def parse_fsa_xlsx(data: bytes) -> ParsedRegister:
    """Read the Japan FSA's kasoutuka.xlsx: the first sheet, from the row whose headings name the
    registration number and the firm. A title cell such as '令和8年6月30日現在' gives the date."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise RegisterFileError(f"The file cannot be read as an Excel workbook: {error}.") from None
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    header_index, columns, as_of = None, {}, None
    for index, row in enumerate(rows[:HEADER_ROWS_SCANNED]):
        found = {name: position for position, cell in enumerate(row) if (name := _fsa_column(cell))}
        if all(name in found for name in FSA_REQUIRED):
            header_index, columns = index, found
            break
        for cell in row:
            if as_of is None and "現在" in clean_cell(cell):
                try:
                    as_of = japanese_date(clean_cell(cell).split("現在")[0])
                except ValueError:
                    as_of = None
    if header_index is None:
        found_headers = next((row for row in rows[:HEADER_ROWS_SCANNED] if any(clean_cell(cell) for cell in row)), [])
        raise RegisterFileError(
            "This sheet is not the Japan FSA register layout. Expected a header row with "
            f"{' and '.join(FSA_HEADERS[name][0] for name in FSA_REQUIRED)} (and optionally "
            f"{', '.join(FSA_HEADERS[name][0] for name in FSA_HEADERS if name not in FSA_REQUIRED)}); found: "
            f"{', '.join(clean_cell(cell) for cell in found_headers if clean_cell(cell)) or '(an empty sheet)'}."
        )
    headers = [clean_cell(cell) for cell in rows[header_index]]
    result = ParsedRegister(layout=XLSX_LAYOUT, encoding="xlsx", headers=headers, as_of=as_of)
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        record = _fsa_row(offset, row, columns, headers)
        if record is None:
            continue
        if isinstance(record, RowProblem):
            result.problems.append(record)
        elif record.key in seen:
            column = headers[columns["registration_number"]]
            result.problems.append(RowProblem(offset, column, f"the same number as row {seen[record.key]}"))
        else:
            seen[record.key] = offset
            result.records.append(record)
    return result


def _fsa_row(line: int, row: list, columns: dict[str, int], headers: list[str]) -> RegisterRecord | RowProblem | None:
    def cell(name: str) -> object:
        position = columns.get(name)
        return row[position] if position is not None and position < len(row) else None

    values = tuple(clean_cell(value) for value in row)
    name = clean_cell(cell("legal_name"))
    if not name and not clean_cell(cell("registration_number")):
        return None
    if not name:
        return RowProblem(line, headers[columns["legal_name"]], "the firm's name is empty", values)
    try:
        number = registration_number(cell("registration_number"), cell("bureau") or "")
    except ValueError as error:
        return RowProblem(line, headers[columns["registration_number"]], str(error), values)
    try:
        registered_on = japanese_date(cell("registered_on")) if "registered_on" in columns else None
    except ValueError as error:
        return RowProblem(line, headers[columns["registered_on"]], str(error), values)
    record = RegisterRecord(
        key=number, line=line, legal_name=name[:300], registration_number=number, authorised_on=registered_on
    )
    return replace(record, website=clean_cell(cell("website"))[:500], status=LicenceStatus.REGISTERED)
