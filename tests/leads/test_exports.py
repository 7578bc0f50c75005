"""CSV exports are safe to open in a spreadsheet."""

import pytest

from leads.exports import csv_text, neutralise


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+81 3 1234", "'+81 3 1234"),
        ("-2 points", "'-2 points"),
        ("@cmd", "'@cmd"),
        ("\tindent", "'\tindent"),
        ("Bybit", "Bybit"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_cell_starting_with_a_formula_character_gets_a_quote(cell, expected):
    assert neutralise(cell) == expected


def test_the_header_and_every_row_are_neutralised():
    text = csv_text(["=name", "score"], [["=HYPERLINK(1)", 75], ["OKX", -3]])

    assert text == "'=name,score\r\n'=HYPERLINK(1),75\r\nOKX,'-3\r\n"
