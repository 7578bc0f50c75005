"""CSV exports people open in a spreadsheet: every cell that a spreadsheet would read as a formula is
neutralised (OWASP "CSV injection"): a leading = + - @ (or tab / carriage return) gets a quote prepended,
and bidirectional controls (which make text show other than it reads) are dropped. The one rule is
intel.parsing.neutralise_cell, shared with the import reports. Every export starts with a byte order
mark: without it Excel reads UTF-8 as the local code page and garbles Japanese names."""

import csv
import io
from collections.abc import Iterable, Sequence

from intel.parsing import neutralise_cell

BYTE_ORDER_MARK = "\ufeff"


def neutralise(value: object) -> str:
    """The cell as text, bidirectional controls dropped and a leading formula character made inert."""
    return neutralise_cell("" if value is None else str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (UTF-8 text after a byte order mark, CRLF line ends as spreadsheets expect) with every
    cell neutralised."""
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer)
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()
