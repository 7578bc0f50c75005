"""Reading a file as text: the errors for a file that cannot be read as a whole, the encodings
(BOMs, UTF-8, UTF-16, Shift_JIS / CP932), the delimiter, and the rows of a csv reader with their lines."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from typing import BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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
