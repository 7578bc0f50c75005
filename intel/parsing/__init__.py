"""Reading badge-scan and business-card files as people really export them: any header spelling
(English or Japanese), UTF-8 with or without BOM, UTF-16, Shift_JIS / CP932, quoted commas and
newlines. Pure: bytes (or a binary file) in, rows and per-row problems out; nothing here touches the
database. The file is decoded and read row by row as it streams, never held as one text, and a row
limit stops the reading at the first row past it.

One module per concern: reading (the file as text: encodings, delimiter, file-level errors), columns
(which header names which field), rows (row validation and parse()), cells (the spreadsheet-safe
cell for every CSV written). The names are re-exported here, so `from intel.parsing import ...` keeps
working."""

from intel.parsing.cells import BIDI_CONTROLS, FORMULA_STARTS, neutralise_cell, rejected_rows_csv
from intel.parsing.columns import FIELD_LABELS, HEADER_SYNONYMS, guess_mapping, normalise_header
from intel.parsing.reading import (
    NUL,
    NUL_MESSAGE,
    FileError,
    FileTooLarge,
    TooManyRows,
    decode,
    numbered_rows,
    sniff_delimiter,
    too_large_message,
    too_many_rows_message,
)
from intel.parsing.rows import (
    DATETIME_FORMATS,
    MAX_LENGTHS,
    ParsedFile,
    ParsedRow,
    RowProblem,
    dedupe_key,
    parse,
    parse_datetime,
)

__all__ = [
    "BIDI_CONTROLS",
    "DATETIME_FORMATS",
    "FIELD_LABELS",
    "FORMULA_STARTS",
    "HEADER_SYNONYMS",
    "MAX_LENGTHS",
    "NUL",
    "NUL_MESSAGE",
    "FileError",
    "FileTooLarge",
    "ParsedFile",
    "ParsedRow",
    "RowProblem",
    "TooManyRows",
    "decode",
    "dedupe_key",
    "guess_mapping",
    "neutralise_cell",
    "normalise_header",
    "numbered_rows",
    "parse",
    "parse_datetime",
    "rejected_rows_csv",
    "sniff_delimiter",
    "too_large_message",
    "too_many_rows_message",
]
