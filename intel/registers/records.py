"""What every register layout is read into: one record per firm, the problems per line and column,
and the shared rules (status words, dates, country codes, decoding). Pure: no ORM, no clock."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field, replace

import pycountry

from crm.choices import LicenceStatus
from intel.matching import normalise_company
from intel.parsing import RowProblem, neutralise_cell

__all__ = ["RowProblem"]


class RegisterFileError(ValueError):
    """The file as a whole cannot be read as a register (layout, encoding, no date)."""


# Statuses that mean the firm may serve clients under the register.
ACTIVE_STATUSES = frozenset({LicenceStatus.LICENSED, LicenceStatus.REGISTERED})
# When one exchange has several entries in one jurisdiction, the strongest reading wins.
STATUS_RANK = {
    LicenceStatus.LICENSED: 6,
    LicenceStatus.REGISTERED: 6,
    LicenceStatus.EXITING: 5,
    LicenceStatus.PENDING: 4,
    LicenceStatus.UNLICENSED: 3,
    LicenceStatus.BANNED: 2,
    LicenceStatus.UNKNOWN: 1,
}
# How the transcriptions word a status -> (licence status, whether a licence held before has ended).
STATUS_WORDS: dict[str, tuple[str, bool]] = {
    "licensed": (LicenceStatus.LICENSED, False),
    "licenced": (LicenceStatus.LICENSED, False),
    "authorised": (LicenceStatus.LICENSED, False),
    "authorized": (LicenceStatus.LICENSED, False),
    "mpi": (LicenceStatus.LICENSED, False),
    "registered": (LicenceStatus.REGISTERED, False),
    # Deemed-licensed VATPs (Hong Kong) and provisional licences (VARA) may operate while the
    # regulator decides: that is an application, not a licence.
    "deemed licensed": (LicenceStatus.PENDING, False),
    "pending": (LicenceStatus.PENDING, False),
    "applicant": (LicenceStatus.PENDING, False),
    "in-principle approval": (LicenceStatus.PENDING, False),
    "non-operational licence": (LicenceStatus.PENDING, False),
    "preparatory licence": (LicenceStatus.PENDING, False),
    "unlicensed": (LicenceStatus.UNLICENSED, False),
    "unregistered": (LicenceStatus.UNLICENSED, False),
    "warning letter": (LicenceStatus.UNLICENSED, False),
    "application withdrawn": (LicenceStatus.UNLICENSED, False),
    "application refused": (LicenceStatus.UNLICENSED, False),
    "exiting": (LicenceStatus.EXITING, False),
    "closing down": (LicenceStatus.EXITING, False),
    "business abolished": (LicenceStatus.UNLICENSED, True),
    "service ended": (LicenceStatus.UNLICENSED, True),
    "deregistered": (LicenceStatus.UNLICENSED, True),
    "merged": (LicenceStatus.UNLICENSED, True),
    "revoked": (LicenceStatus.UNLICENSED, True),
    "withdrawn": (LicenceStatus.UNLICENSED, True),
    "suspended": (LicenceStatus.UNLICENSED, True),
    "ended": (LicenceStatus.UNLICENSED, True),
    "banned": (LicenceStatus.BANNED, False),
    "unknown": (LicenceStatus.UNKNOWN, False),
}
# ESMA writes Greece as EL; the ISO code is GR.
COUNTRY_ALIASES = {"EL": "GR", "UK": "GB"}
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_URL = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class RegisterRecord:
    """One firm as a register lists it (several rows of the same firm already merged)."""

    key: str
    line: int
    legal_name: str
    commercial_name: str = ""
    other_names: tuple[str, ...] = ()
    lei: str = ""
    registration_number: str = ""
    website: str = ""
    services: tuple[str, ...] = ()
    status: str = LicenceStatus.LICENSED
    status_note: str = ""
    authorised_on: datetime.date | None = None
    ended_on: datetime.date | None = None
    home_state: str = ""
    host_states: tuple[str, ...] = ()
    competent_authority: str = ""
    source_url: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the firm goes by, legal name first, without repeats."""
        return tuple(dict.fromkeys(name for name in (self.legal_name, self.commercial_name, *self.other_names) if name))

    @property
    def reference(self) -> str:
        """What a presence cites: the registration number, else the LEI."""
        if self.registration_number:
            return self.registration_number
        return f"LEI {self.lei}" if self.lei else ""

    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass
class ParsedRegister:
    """A register file read into records and rejected lines."""

    layout: str
    encoding: str
    headers: list[str]
    records: list[RegisterRecord] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    duplicate_lines: int = 0
    as_of: datetime.date | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.records) + len(self.problems) + self.duplicate_lines

    def rejected_report(self) -> bytes:
        """The rejected lines as CSV (UTF-8 with BOM): line, column, reason, then the row as it was."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["line", "column", "reason", *(neutralise_cell(header) for header in self.headers)])
        for problem in self.problems:
            writer.writerow(
                [problem.line, problem.column, problem.message, *(neutralise_cell(value) for value in problem.values)]
            )
        return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def clean_cell(value: object) -> str:
    """A cell without stray spaces (ESMA's cells often carry them), non-breaking spaces included."""
    text = "" if value is None else str(value)
    return " ".join(text.replace("\u00a0", " ").replace("\u3000", " ").split())


def name_key(name: str) -> str:
    return f"name:{normalise_company(name) or clean_cell(name).casefold()}"[:200]


def decode_with_fallback(data: bytes) -> tuple[str, str, list[int]]:
    """UTF-8 (BOM stripped); bytes that are not UTF-8 are read as cp1252, one by one, so one odd cell
    does not spoil the file. Returns the text, the encoding and the lines that needed cp1252."""
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    encoding = "utf-8-sig" if body is not data else "utf-8"
    try:
        return body.decode("utf-8"), encoding, []
    except UnicodeDecodeError:
        pass
    parts: list[str] = []
    lines: list[int] = []
    position = 0
    while position < len(body):
        try:
            parts.append(body[position:].decode("utf-8"))
            break
        except UnicodeDecodeError as error:
            parts.append(body[position : position + error.start].decode("utf-8"))
            bad = body[position + error.start : position + error.start + 1]
            try:
                parts.append(bad.decode("cp1252"))
            except UnicodeDecodeError:
                parts.append(bad.decode("latin-1"))
            lines.append(body[: position + error.start].count(b"\n") + 1)
            position += error.start + 1
    if len(lines) > len(body) // 20:
        # Not UTF-8 with an odd byte but a legacy file throughout: read it all as cp1252.
        return body.decode("cp1252", errors="replace"), "cp1252", []
    return "".join(parts), f"{encoding} (cp1252 on {len(lines)} byte(s))", sorted(set(lines))


def parse_date(value: str, *, day_first: bool) -> datetime.date:
    """DD/MM/YYYY (ESMA) or YYYY-MM-DD (the transcriptions)."""
    text = unicodedata.normalize("NFKC", value).strip()
    patterns = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y") if day_first else ("%Y-%m-%d",)
    for pattern in patterns:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    example = "DD/MM/YYYY, e.g. 27/01/2025" if day_first else "YYYY-MM-DD, e.g. 2017-09-29"
    raise ValueError(f"{value!r} is not a date ({example})")


def country_code(token: str) -> str:
    """An ISO 3166-1 alpha-2 code from a register's country cell; ValueError when it is none."""
    code = COUNTRY_ALIASES.get(token.upper(), token.upper())
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{token!r} is not a country code")
    return code


def date_in_filename(filename: str) -> datetime.date | None:
    """register_jp-fsa_2026-06-30.csv -> 2026-06-30."""
    found = _DATE_IN_NAME.findall(filename or "")
    if not found:
        return None
    year, month, day = (int(part) for part in found[-1])
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def status_from_word(word: str) -> tuple[str, bool]:
    """A status as a transcription writes it -> (licence status, has ended); KeyError if unknown."""
    text = " ".join(unicodedata.normalize("NFKC", word).casefold().replace("_", " ").split())
    return STATUS_WORDS[text]


def is_url(value: str) -> bool:
    return bool(_URL.match(value or ""))


_BARE_URL = re.compile(r"^[\w-]+(?:\.[\w-]+)+/\S*$")


def source_link(source: str) -> str:
    """The first link of a source cell: 'aicoin.com/en/article/368256; en.coin-turk.com/?p=1' ->
    'https://aicoin.com/en/article/368256'. A source key such as '[FW]' or 'middleeastfx.com' (a site,
    not a page) gives none."""
    for part in (clean_cell(part) for part in (source or "").split(";")):
        if is_url(part):
            return part
        if _BARE_URL.match(part):
            return f"https://{part}"
    return ""


def settle_end_dates(records: list[RegisterRecord], *, as_of: datetime.date) -> list[RegisterRecord]:
    """An authorisation whose end date has passed on the register's date is no longer held; one
    with a future end date is exiting."""
    settled = []
    for record in records:
        if record.ended_on and record.is_active():
            if record.ended_on <= as_of:
                note = f"authorisation ended {record.ended_on:%Y-%m-%d}"
                status = LicenceStatus.UNLICENSED
            else:
                note = f"authorisation ends {record.ended_on:%Y-%m-%d}"
                status = LicenceStatus.EXITING
            record = replace(record, status=status, status_note="; ".join(filter(None, (note, record.status_note))))
        settled.append(record)
    return settled
