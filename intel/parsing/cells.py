"""Cells as they go into a CSV that people open in a spreadsheet: formulas and bidirectional
controls neutralised (the one sanitiser of every export and rejected-rows download)."""

from __future__ import annotations

import csv
import io

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
