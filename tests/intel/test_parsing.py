"""Reading badge-scan files as people export them (pure)."""

import codecs
import datetime
import io

import pytest

from intel.parsing import FileError, ParsedRow, RowProblem, TooManyRows, guess_mapping, neutralise_cell, parse


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["Name", "Company", "Title", "Email", "Phone", "Notes", "Scanned by", "Scanned at"],
            ["full_name", "company", "title", "email", "phone", "notes", "scanned_by", "scanned_at"],
        ),
        (
            ["FULL NAME", "company_name", "Job Title", "E-mail", "Tel", "Comments", "SCANNED_BY", "Timestamp"],
            ["full_name", "company", "title", "email", "phone", "notes", "scanned_by", "scanned_at"],
        ),
        (
            ["氏名", "会社名", "役職", "メールアドレス", "電話番号", "備考", "担当者", "スキャン日時"],
            ["full_name", "company", "title", "email", "phone", "notes", "scanned_by", "scanned_at"],
        ),
        (["First name", "Last name", "Organisation", "Badge ID"], ["first_name", "last_name", "company", None]),
    ],
)
def test_header_spellings_in_english_and_japanese_are_recognised(headers, expected):
    assert list(guess_mapping(headers).values()) == expected


def test_a_utf8_file_with_bom_is_read_and_its_encoding_named():
    data = codecs.BOM_UTF8 + b"Name,Company\r\nAlice Chen,OKX\r\n"

    parsed = parse(data)

    assert parsed.encoding == "utf-8-sig"
    assert parsed.headers == ["Name", "Company"]
    assert parsed.rows == [ParsedRow(line=2, full_name="Alice Chen", company="OKX")]


def test_a_cp932_file_from_japanese_excel_is_detected():
    data = "氏名,会社名,役職\r\n山田 太郎,株式会社bitFlyer,部長\r\n".encode("cp932")

    parsed = parse(data)

    assert parsed.encoding == "cp932"
    assert parsed.rows == [ParsedRow(line=2, full_name="山田 太郎", company="株式会社bitFlyer", title="部長")]


def test_quoted_commas_and_newlines_stay_in_their_cell_and_lines_are_counted_in_the_file():
    data = b'Name,Company,Notes\nAlice,"Coinbase, Inc.","met at booth\nwants GPUs"\nBob,"",bad\n'

    parsed = parse(data)

    assert parsed.rows == [
        ParsedRow(line=2, full_name="Alice", company="Coinbase, Inc.", notes="met at booth\nwants GPUs"),
        ParsedRow(line=4, full_name="Bob", notes="bad"),
    ]


def test_first_and_last_name_columns_make_the_full_name_and_tabs_are_sniffed():
    parsed = parse(b"First name\tLast name\tCompany\nAlice\tChen\tOKX\n")

    assert parsed.delimiter == "\t"
    assert parsed.rows == [ParsedRow(line=2, full_name="Alice Chen", company="OKX")]


def test_bad_rows_are_rejected_naming_line_and_column_and_the_rest_is_kept():
    data = (
        b"Name,Email,Scanned at\n"
        b"Alice,alice@okx.com,2025-08-25 10:30\n"
        b",nobody@okx.com,\n"
        b"Bob,bob(at)okx.com,\n"
        b"Carol,,yesterday\n"
        b"Dan,,,extra\n"
    )

    parsed = parse(data)

    assert parsed.rows == [
        ParsedRow(line=2, full_name="Alice", email="alice@okx.com", scanned_at=datetime.datetime(2025, 8, 25, 10, 30))
    ]
    assert [str(problem) for problem in parsed.problems] == [
        "line 3, column 'Name': the name is empty",
        "line 4, column 'Email': 'bob(at)okx.com' is not an email address",
        "line 5, column 'Scanned at': 'yesterday' is not a date and time (use e.g. 2025-08-25 14:30)",
        "line 6: 4 values but the header has 3 columns (an unquoted comma?)",
    ]


def test_the_same_person_twice_in_a_file_is_merged_not_duplicated():
    data = b"Name,Email,Title,Phone\nAlice,ALICE@okx.com,CTO,\nAlice C.,alice@okx.com,,+81 90\n"

    parsed = parse(data)

    assert parsed.duplicate_lines == 1
    assert parsed.rows == [ParsedRow(line=3, full_name="Alice C.", email="alice@okx.com", title="CTO", phone="+81 90")]


def test_the_rejected_rows_report_has_line_reason_and_the_row_with_formulas_neutralised():
    parsed = parse(b"Name,Email\n=HYPERLINK(1),x@\n")

    report = parsed.rejected_report()

    assert report.startswith(codecs.BOM_UTF8)
    assert report.decode("utf-8-sig").splitlines() == [
        "line,reason,Name,Email",
        "2,\"line 2, column 'Email': 'x@' is not an email address\",'=HYPERLINK(1),x@",
    ]
    assert parsed.problems == [RowProblem(2, "Email", "'x@' is not an email address", ("=HYPERLINK(1)", "x@"))]


def test_cells_that_would_run_as_formulas_are_quoted():
    assert [neutralise_cell(v) for v in ("=1+1", "+81", "-2", "@SUM", "OKX")] == [
        "'=1+1",
        "'+81",
        "'-2",
        "'@SUM",
        "OKX",
    ]


def test_the_rejected_rows_report_drops_bidirectional_controls():
    parsed = parse("Name,Email\nEvil\u202egpj.exe,\u2066=1+1\u2069\n".encode())

    assert parsed.rejected_report().decode("utf-8-sig").splitlines()[1].endswith(",Evilgpj.exe,'=1+1")


def test_a_file_without_a_name_column_is_refused_listing_its_headers():
    with pytest.raises(FileError) as refused:
        parse(b"Company,Email\nOKX,a@okx.com\n")

    assert str(refused.value) == (
        "No column holds the person's name (expected a header such as Name, Full name or 氏名; "
        "the file has: Company, Email)."
    )


def test_undecodable_bytes_are_refused_with_the_position():
    with pytest.raises(FileError) as refused:
        parse(b"Name\n\x81\xff\xfe\n")

    assert str(refused.value) == (
        "The file is neither UTF-8 nor Shift_JIS/CP932 (byte 6 cannot be decoded). "
        "Save it as CSV UTF-8 and upload it again."
    )


def test_a_mapping_given_by_the_user_overrides_the_guess():
    parsed = parse(b"Who,Where\nAlice,OKX\n", mapping={"Who": "full_name", "Where": "company"})

    assert parsed.rows == [ParsedRow(line=2, full_name="Alice", company="OKX")]


class EndlessScans(io.RawIOBase):
    """A seekable binary file of `rows` badge scans, made as it is read; counts the bytes read."""

    def __init__(self, rows: int):
        self.header, self.row = b"Name,Email\n", b"Ann Example,ann@a.example\n"
        self.size = len(self.header) + rows * len(self.row)
        self.position = 0
        self.bytes_read = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        self.position = offset if whence == io.SEEK_SET else self.position + offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        end = min(self.position + len(buffer), self.size)
        chunk = bytearray()
        while self.position + len(chunk) < end:
            at = self.position + len(chunk)
            piece = self.header[at:] if at < len(self.header) else self.row[(at - len(self.header)) % len(self.row) :]
            chunk += piece[: end - at]
        buffer[: len(chunk)] = chunk
        self.position += len(chunk)
        self.bytes_read += len(chunk)
        return len(chunk)


def test_a_row_limit_stops_the_reading_at_the_first_row_past_it_naming_the_limit():
    scans = EndlessScans(rows=1_000_000)  # 26 MB

    with pytest.raises(TooManyRows) as refused:
        parse(io.BufferedReader(scans), max_rows=100)

    assert str(refused.value) == "The file has more than 100 rows; at most 100 are accepted per upload."
    assert scans.bytes_read < 20_000  # the first rows and a read-ahead buffer, not the 26 MB


def test_a_file_at_the_row_limit_is_read_whole():
    parsed = parse(io.BufferedReader(EndlessScans(rows=100)), max_rows=100)

    assert (parsed.rows_read, len(parsed.rows), parsed.duplicate_lines) == (100, 1, 99)


def test_a_nul_byte_in_a_cell_rejects_the_row_naming_line_and_column_and_the_report_can_be_stored():
    parsed = parse(b"Name,Company\nAnn,OK\x00X\nBob,Bybit\n")

    assert [row.full_name for row in parsed.rows] == ["Bob"]
    assert parsed.problems == [
        RowProblem(
            2,
            "Company",
            "contains a NUL character (byte 0), which is not text: remove it and upload the file again",
            ("Ann", "OK\ufffdX"),
        )
    ]
    assert "\x00" not in parsed.rejected_report().decode("utf-8-sig")


def test_a_nul_byte_in_the_header_refuses_the_file():
    with pytest.raises(FileError) as refused:
        parse(b"Na\x00me,Company\nAnn,OKX\n")

    assert str(refused.value) == (
        "Line 1 (the header) contains a NUL character (byte 0), which is not text: remove it and upload the file again."
    )
