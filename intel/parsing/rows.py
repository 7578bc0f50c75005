"""Row validation: a file read into valid rows (ParsedRow) and rejected rows (RowProblem, naming the
line and the column), people met twice merged. parse() is the entry point."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from intel.matching import normalise_company, normalise_person
from intel.parsing.cells import neutralise_cell
from intel.parsing.columns import FIELD_LABELS, guess_mapping
from intel.parsing.reading import (
    NUL,
    NUL_MESSAGE,
    FileError,
    TooManyRows,
    _candidate_encodings,
    _undecodable,
    numbered_rows,
    sniff_delimiter,
    too_many_rows_message,
)

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
