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
        ("\u202e=1+1", "'=1+1"),  # an override hiding a formula: dropped, then the formula quoted
        ("\u202aa\u202bb\u202cc\u202dd\u202ee", "abcde"),
        ("\u2066a\u2067b\u2068c\u2069d", "abcd"),
        ("\u200eOKX\u200f", "OKX"),
        ("مرحبا OKX", "مرحبا OKX"),  # right-to-left text itself is kept
    ],
)
def test_a_cell_starting_with_a_formula_character_gets_a_quote_and_bidi_controls_are_dropped(cell, expected):
    assert neutralise(cell) == expected


def test_the_header_and_every_row_are_neutralised():
    text = csv_text(["=name", "score"], [["=HYPERLINK(1)", 75], ["OKX", -3]])

    assert text == "\ufeff'=name,score\r\n'=HYPERLINK(1),75\r\nOKX,'-3\r\n"


def test_an_export_starts_with_a_byte_order_mark_so_excel_reads_japanese_names():
    # given a Japanese name
    # when it is exported
    text = csv_text(["Person"], [["佐藤 健二"]])

    # then the file starts with the UTF-8 byte order mark, and the name follows intact
    assert text.encode("utf-8") == b"\xef\xbb\xbfPerson\r\n" + "佐藤 健二".encode() + b"\r\n"
