"""Reading badge-scan and business-card files as people really export them: any header spelling
(English or Japanese), UTF-8 with or without BOM, UTF-16, Shift_JIS / CP932, quoted commas and
newlines. Pure: bytes (or a binary file) in, rows and per-row problems out; nothing here touches the
database. The file is decoded and read row by row as it streams, never held as one text, and a row
limit stops the reading at the first row past it."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from intel.matching import normalise_company, normalise_person

# The attendee fields a file can fill, with the header spellings seen in lead-retrieval apps,
# spreadsheets and Japanese card scanners. Headers are compared after normalise_header().
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": (
        "name",
        "full name",
        "fullname",
        "attendee",
        "attendee name",
        "contact",
        "contact name",
        "person",
        "氏名",
        "名前",
        "お名前",
        "姓名",
        "フルネーム",
    ),
    "first_name": ("first name", "firstname", "given name", "forename", "名"),
    "last_name": ("last name", "lastname", "surname", "family name", "姓"),
    "company": (
        "company",
        "company name",
        "organisation",
        "organization",
        "org",
        "employer",
        "account",
        "会社名",
        "会社",
        "企業名",
        "所属",
        "勤務先",
        "社名",
    ),
    "title": ("title", "job title", "position", "role", "designation", "役職", "役職名", "肩書", "肩書き"),
    "email": ("email", "e mail", "email address", "mail", "mail address", "メール", "メールアドレス", "eメール"),
    "phone": (
        "phone",
        "telephone",
        "tel",
        "mobile",
        "phone number",
        "mobile phone",
        "電話",
        "電話番号",
        "携帯",
        "携帯電話",
    ),
    "notes": ("notes", "note", "comments", "comment", "remarks", "memo", "メモ", "備考", "コメント"),
    "scanned_by": (
        "scanned by",
        "scanner",
        "captured by",
        "collected by",
        "rep",
        "owner",
        "担当",
        "担当者",
        "スキャン担当者",
    ),
    "scanned_at": (
        "scanned at",
        "scan time",
        "scan date",
        "scanned on",
        "timestamp",
        "date",
        "captured at",
        "日時",
        "スキャン日時",
        "取得日時",
        "日付",
    ),
}
FIELD_LABELS: dict[str, str] = {
    "full_name": gettext_lazy("Name"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "company": gettext_lazy("Company"),
    "title": pgettext_lazy("job", "Title"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "notes": gettext_lazy("Notes"),
    "scanned_by": gettext_lazy("Scanned by"),
    "scanned_at": gettext_lazy("Scanned at"),
}
MAX_LENGTHS: dict[str, int] = {
    "full_name": 200,
    "company": 200,
    "title": 200,
    "email": 254,
    "phone": 50,
    "scanned_by": 200,
}
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)


class FileError(ValueError):
    """The file as a whole cannot be read (encoding, no header, no name column, over a limit)."""


class FileTooLarge(FileError):
    """The file has more bytes than an upload may have."""


class TooManyRows(FileError):
    """The file has more rows than an upload may have (reading stopped at the first one past the limit)."""


def too_large_message(*, size: int, max_bytes: int) -> str:
    return _("The file is %(size)s bytes; the limit is %(limit)s bytes.") % {"size": size, "limit": max_bytes}


def too_many_rows_message(max_rows: int) -> str:
    return _("The file has more than %(n)s rows; at most %(n)s are accepted per upload.") % {"n": max_rows}


NUL = "\x00"
NUL_MESSAGE = gettext_lazy("contains a NUL character (byte 0), which is not text: remove it and upload the file again")


def normalise_header(header: str) -> str:
    text = unicodedata.normalize("NFKC", header or "").casefold().strip()
    return " ".join(re.sub(r"[\s_\-.:：/()（）*]+", " ", text).split())


_SYNONYM_TO_FIELD = {normalise_header(s): name for name, synonyms in HEADER_SYNONYMS.items() for s in synonyms}


def guess_mapping(headers: list[str]) -> dict[str, str | None]:
    """File header -> attendee field (None: ignored). The first header claiming a field wins."""
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for header in headers:
        name = _SYNONYM_TO_FIELD.get(normalise_header(header))
        if name is not None and name not in taken:
            taken.add(name)
            mapping[header] = name
        else:
            mapping[header] = None
    return mapping


def decode(data: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was in: BOMs first, then UTF-8, then CP932
    (the Windows superset of Shift_JIS that Japanese Excel writes)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as error:
        raise FileError(
            _(
                "The file is neither UTF-8 nor Shift_JIS/CP932 (byte %(byte)s cannot be decoded). "
                "Save it as CSV UTF-8 and upload it again."
            )
            % {"byte": error.start + 1}
        ) from None


def _candidate_encodings(start: bytes) -> tuple[str, ...]:
    """The encodings to try, in order, from a file's first bytes (the same rules as decode())."""
    if start.startswith(codecs.BOM_UTF8):
        return ("utf-8-sig",)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ("utf-16",)
    return ("utf-8", "cp932")


def _undecodable(stream: BinaryIO, origin: int) -> FileError:
    """The error for a file no candidate encoding reads, naming the first byte that cannot be decoded."""
    stream.seek(origin)
    try:
        decode(stream.read())
    except FileError as error:
        return error
    except UnicodeDecodeError as error:
        return FileError(
            _(
                "The file starts as UTF-16 but byte %(byte)s cannot be decoded. "
                "Save it as CSV UTF-8 and upload it again."
            )
            % {"byte": error.start + 1}
        )
    return FileError(_("The file cannot be decoded. Save it as CSV UTF-8 and upload it again."))


def sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", "\t", ";")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def numbered_rows(reader, *, on_error: Callable[[int, str], object]) -> Iterator[tuple[int, list[str]]]:
    """The rows of a csv reader with the file line each starts on (a quoted cell may span lines). A
    row that cannot be read as CSV is reported to `on_error(line, message)` and skipped."""
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            on_error(reader.line_num, _("cannot be read as CSV: %(error)s") % {"error": error})
            previous_end = reader.line_num
            continue
        line, previous_end = previous_end + 1, reader.line_num
        yield line, cells


@dataclass(frozen=True)
class RowProblem:
    """Why one row of the file is rejected: its line in the file and the column at fault."""

    line: int
    column: str
    message: str
    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.column:
            return _("line %(line)s, column '%(column)s': %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class ParsedRow:
    """One valid row, ready to be matched and written."""

    line: int
    full_name: str
    company: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""
    notes: str = ""
    scanned_by: str = ""
    scanned_at: datetime.datetime | None = None  # naive: in the event's time zone unless it had an offset

    @property
    def dedupe_key(self) -> str:
        return dedupe_key(full_name=self.full_name, company=self.company, email=self.email)


def dedupe_key(*, full_name: str, company: str, email: str) -> str:
    """A person's identity within one event: the email if there is one, else name and company."""
    if email:
        return f"email:{email.strip().lower()}"
    return f"name:{normalise_person(full_name)}|{normalise_company(company)}"[:300]


@dataclass
class ParsedFile:
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str | None]
    rows: list[ParsedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    blank_lines: int = 0
    duplicate_lines: int = 0

    @property
    def unmapped_headers(self) -> list[str]:
        return [header for header, name in self.mapping.items() if name is None]

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.problems) + self.duplicate_lines

    def rejected_report(self) -> bytes:
        """The rejected rows as CSV (UTF-8 with BOM, so Excel shows Japanese): the file's line, the
        reason, then the row as it was. Cells that a spreadsheet would run as a formula are quoted."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["line", "reason", *(neutralise_cell(header) for header in self.headers)])
        for problem in self.problems:
            writer.writerow([problem.line, str(problem), *(neutralise_cell(value) for value in problem.values)])
        return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Bidirectional controls: embeddings and overrides (U+202A..U+202E), isolates (U+2066..U+2069) and the
# left-to-right / right-to-left marks (U+200E, U+200F). In a cell they can make text show other than it
# reads (a name, a URL, a number shown reversed), so exports drop them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_DROP_BIDI = dict.fromkeys(map(ord, BIDI_CONTROLS))


def neutralise_cell(value: str) -> str:
    """A cell as it may go into a CSV that people open in a spreadsheet (the one sanitiser of every export):
    bidirectional controls dropped, then a cell starting with = + - @ (or a tab or carriage return before
    one), which would run as a formula, prefixed with a quote."""
    value = value.translate(_DROP_BIDI)
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


def rejected_rows_csv(report: str) -> bytes:
    """A stored rejected-rows report as a download: every cell (headers too) neutralised against
    formulas, UTF-8 with a BOM so that Excel shows Japanese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in csv.reader(io.StringIO(report.removeprefix("\ufeff"), newline="")):
        writer.writerow([neutralise_cell(cell) for cell in cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def parse_datetime(value: str) -> datetime.datetime:
    text = unicodedata.normalize("NFKC", value).strip()
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for pattern in DATETIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(_("%(value)s is not a date and time (use e.g. 2025-08-25 14:30)") % {"value": repr(value)})


def _clean(value: str) -> str:
    return " ".join(value.replace("\u3000", " ").split()) if "\n" not in value else value.strip()


def parse(
    data: bytes | BinaryIO, *, mapping: Mapping[str, str | None] | None = None, max_rows: int | None = None
) -> ParsedFile:
    """Read a file into valid rows and rejected rows. `mapping` overrides the guessed columns.

    `data` is the file's bytes or a seekable binary file, decoded as it is read. With `max_rows`, reading
    stops at the first row past it (TooManyRows). Rows with the same person (dedupe_key) are merged: the
    later row fills what the earlier left blank."""
    stream: BinaryIO = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
    origin = stream.tell()
    for encoding in _candidate_encodings(stream.read(4)):
        stream.seek(origin)
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        try:
            return _parse_text(text, encoding=encoding, mapping=mapping, max_rows=max_rows)
        except UnicodeDecodeError:
            continue
        finally:
            text.detach()  # the caller's file stays open
    raise _undecodable(stream, origin)


def _parse_text(
    text: io.TextIOBase, *, encoding: str, mapping: Mapping[str, str | None] | None, max_rows: int | None
) -> ParsedFile:
    first_line = text.readline()
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(itertools.chain([first_line], text), delimiter=delimiter)
    try:
        headers = [header.strip() for header in next(reader)]
    except StopIteration:
        raise FileError(_("The file is empty: it needs a header row and at least one row.")) from None
    except csv.Error as error:
        raise FileError(_("Line 1 (the header) cannot be read as CSV: %(error)s.") % {"error": error}) from None
    if any(NUL in header for header in headers):
        raise FileError(_("Line 1 (the header) %(problem)s.") % {"problem": NUL_MESSAGE})
    guessed = guess_mapping(headers)
    if mapping is not None:
        unknown = sorted(set(mapping) - set(headers))
        if unknown:
            raise FileError(
                _("The mapping names columns the file does not have: %(columns)s.") % {"columns": ", ".join(unknown)}
            )
        bad_fields = sorted({name for name in mapping.values() if name and name not in FIELD_LABELS})
        if bad_fields:
            raise FileError(_("The mapping names unknown fields: %(fields)s.") % {"fields": ", ".join(bad_fields)})
        guessed = {header: mapping.get(header, guessed[header]) for header in headers}
    result = ParsedFile(encoding=encoding, delimiter=delimiter, headers=headers, mapping=guessed)
    fields = set(guessed.values())
    if "full_name" not in fields and not ({"first_name", "last_name"} & fields):
        raise FileError(
            _(
                "No column holds the person's name (expected a header such as Name, Full name or 氏名; "
                "the file has: %(headers)s)."
            )
            % {"headers": ", ".join(headers)}
        )
    column_of = {name: header for header, name in guessed.items() if name}
    index_of = {name: headers.index(header) for name, header in column_of.items()}
    by_key: dict[str, int] = {}
    counted = 0

    def count_row() -> None:
        nonlocal counted
        counted += 1
        if max_rows is not None and counted > max_rows:
            raise TooManyRows(too_many_rows_message(max_rows))

    def unreadable(line: int, message: str) -> None:
        count_row()
        result.problems.append(RowProblem(line, "", message))

    for line, cells in numbered_rows(reader, on_error=unreadable):
        count_row()
        if not any(cell.strip() for cell in cells):
            result.blank_lines += 1
            continue
        row_or_problem = _parse_row(line, cells, headers, index_of, column_of)
        if isinstance(row_or_problem, RowProblem):
            result.problems.append(row_or_problem)
            continue
        key = row_or_problem.dedupe_key
        if key in by_key:
            position = by_key[key]
            result.rows[position] = _merge(result.rows[position], row_or_problem)
            result.duplicate_lines += 1
        else:
            by_key[key] = len(result.rows)
            result.rows.append(row_or_problem)
    return result


def _parse_row(
    line: int, cells: list[str], headers: list[str], index_of: dict[str, int], column_of: dict[str, str]
) -> ParsedRow | RowProblem:
    with_nul = next((index for index, cell in enumerate(cells) if NUL in cell), None)
    if with_nul is not None:
        column = headers[with_nul] if with_nul < len(headers) else ""
        # The row comes back in the rejected-rows report, where a NUL cannot be stored: shown as U+FFFD.
        return RowProblem(line, column, str(NUL_MESSAGE), tuple(cell.replace(NUL, "\ufffd") for cell in cells))
    values = tuple(cells)
    if len(cells) > len(headers) and any(cell.strip() for cell in cells[len(headers) :]):
        return RowProblem(
            line,
            "",
            _("%(values)s values but the header has %(columns)s columns (an unquoted comma?)")
            % {"values": len(cells), "columns": len(headers)},
            values,
        )

    def cell(name: str) -> str:
        index = index_of.get(name)
        return _clean(cells[index]) if index is not None and index < len(cells) else ""

    full_name = cell("full_name") or " ".join(part for part in (cell("first_name"), cell("last_name")) if part)
    found = {name: cell(name) for name in ("company", "title", "email", "phone", "notes", "scanned_by")}
    if not full_name:
        column = column_of.get("full_name") or column_of.get("first_name") or column_of.get("last_name", "")
        return RowProblem(line, column, _("the name is empty"), values)
    found["full_name"] = full_name
    for name, limit in MAX_LENGTHS.items():
        if len(found[name]) > limit:
            column = column_of.get(name, FIELD_LABELS[name])
            return RowProblem(
                line,
                str(column),
                _("longer than %(limit)s characters (%(length)s)") % {"limit": limit, "length": len(found[name])},
                values,
            )
    if found["email"]:
        found["email"] = unicodedata.normalize("NFKC", found["email"]).strip().lower()
        try:
            validate_email(found["email"])
        except ValidationError:
            return RowProblem(
                line,
                column_of["email"],
                _("%(email)s is not an email address") % {"email": repr(found["email"])},
                values,
            )
    scanned_at = None
    if cell("scanned_at"):
        try:
            scanned_at = parse_datetime(cell("scanned_at"))
        except ValueError as error:
            return RowProblem(line, column_of["scanned_at"], str(error), values)
    return ParsedRow(line=line, scanned_at=scanned_at, **found)


def _merge(earlier: ParsedRow, later: ParsedRow) -> ParsedRow:
    merged = {
        name: getattr(later, name) or getattr(earlier, name)
        for name in ("full_name", "company", "title", "email", "phone", "scanned_by", "scanned_at")
    }
    notes = [note for note in (earlier.notes, later.notes) if note]
    merged["notes"] = "\n".join(dict.fromkeys(notes))
    return ParsedRow(line=later.line, **merged)
