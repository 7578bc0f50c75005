"""Reading the registers' files (pure: no database)."""

import codecs
import csv
import datetime
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from crm.choices import LicenceStatus
from intel.matching import ExchangeEntry, Matcher
from intel.registers import RegisterFileError, RegisterRecord, parse_register
from intel.registers.changes import register_changes
from intel.registers.esma import ESMA_HEADERS
from intel.registers.matching import group_aliases, record_match

DATA = Path(__file__).resolve().parents[2] / "intel" / "data"
HEADER = ",".join(ESMA_HEADERS) + ","


def esma_csv(*rows: str) -> bytes:
    """A CASPS.csv as ESMA publishes it: BOM, 15 named columns and a trailing empty one."""
    return codecs.BOM_UTF8 + "\r\n".join([HEADER, *rows]).encode("utf-8") + b"\r\n"


def esma_row(
    name="OKX Europe Limited",
    lei="54930069NLWEIGLHXU42",
    commercial="OKX",
    website="www.okx.com",
    authorised="27/01/2025",
    ended="",
    services="a. providing custody|b. operation of a trading platform for crypto-assets",
    hosts="AT|BE",
    updated="25/06/2026",
) -> str:
    cells = ["Malta Financial Services Authority (MFSA)", "MT", name, lei, "MT", commercial, "Valletta"]
    cells += [website, "", authorised, ended, services, hosts, "", updated, ""]
    return ",".join(f'"{cell}"' if "," in cell else cell for cell in cells)


def test_the_real_esma_file_reads_243_firms_from_244_rows():
    # given the ESMA copy shipped with the product
    data = (DATA / "esma_casps_2026-06-25.csv").read_bytes()

    # when it is read
    parsed = parse_register(kind="esma-mica", data=data, filename="esma_casps_2026-06-25.csv")

    # then every row is read, the one duplicate (EUWAX AG) merged by LEI
    assert (len(parsed.records), parsed.duplicate_lines, parsed.problems) == (243, 1, [])
    assert parsed.rows_read == 244
    assert parsed.as_of == datetime.date(2026, 6, 25)
    assert parsed.encoding == "utf-8-sig"
    okx = next(record for record in parsed.records if record.lei == "54930069NLWEIGLHXU42")
    assert (okx.legal_name, okx.commercial_name, okx.home_state) == ("OKX Europe Limited", "OKX", "MT")
    assert okx.authorised_on == datetime.date(2025, 1, 27)
    assert len(okx.host_states) == 29
    euwax = next(record for record in parsed.records if record.legal_name == "EUWAX AG")
    assert euwax.authorised_on == datetime.date(2025, 4, 1)
    assert euwax.host_states == ("DE", "AT", "ES", "FR", "IT", "SI", "GR", "SK")


def test_an_authorisation_whose_end_date_passed_is_no_longer_held():
    data = (DATA / "esma_casps_2026-06-25.csv").read_bytes()

    parsed = parse_register(kind="esma-mica", data=data)

    stratos = next(record for record in parsed.records if record.legal_name == "Stratos Europe Ltd")
    assert (stratos.status, stratos.ended_on) == (LicenceStatus.UNLICENSED, datetime.date(2026, 4, 24))
    assert stratos.status_note == "authorisation ended 2026-04-24"


def test_messy_separators_and_stray_spaces_are_read():
    # given lists separated by " I ", ", " and " | " with spaces around the cells
    data = esma_csv(
        esma_row(hosts=" AT I DE I  GR ", services="e. execution of orders, g. reception and transmission "),
        esma_row(name=" Bybit EU GmbH ", lei="5299005V5GBSN2A4C303 ", hosts="BE | DE | ", services="h. advice |"),
    )

    parsed = parse_register(kind="esma-mica", data=data)

    okx, bybit = parsed.records
    assert okx.host_states == ("AT", "DE", "GR")
    assert okx.services == (
        "e. execution of orders for crypto-assets on behalf of clients",
        "g. reception and transmission of orders for crypto-assets on behalf of clients",
    )
    assert (bybit.legal_name, bybit.lei, bybit.host_states) == ("Bybit EU GmbH", "5299005V5GBSN2A4C303", ("BE", "DE"))
    assert bybit.services == ("h. providing advice on crypto-assets",)


def test_a_cp1252_byte_in_one_cell_is_read_as_cp1252():
    # given a UTF-8 file where one cell was pasted from Windows (curly quotes as cp1252 bytes)
    data = esma_csv(esma_row(name="Payward Europe Solutions Limited", lei="254900641D8KNHUZYX24", commercial="KRAKEN"))
    data = data.replace(b"KRAKEN", b"Kraken Digital Asset Exchange (\x93Kraken\x94)")

    parsed = parse_register(kind="esma-mica", data=data)

    assert parsed.records[0].commercial_name == "Kraken Digital Asset Exchange (\u201cKraken\u201d)"
    assert parsed.encoding == "utf-8-sig (cp1252 on 2 byte(s))"
    assert parsed.warnings == ["bytes that are not UTF-8 were read as cp1252 on line(s) 2"]


def test_duplicate_rows_of_one_lei_are_merged():
    data = esma_csv(
        esma_row(authorised="21/11/2025", hosts="DE", services="c. exchange of crypto-assets for funds"),
        esma_row(authorised="01/04/2025", hosts="DE|AT", services="d. exchange of crypto-assets for other"),
    )

    parsed = parse_register(kind="esma-mica", data=data)

    assert (len(parsed.records), parsed.duplicate_lines) == (1, 1)
    merged = parsed.records[0]
    assert (merged.line, merged.authorised_on, merged.host_states) == (2, datetime.date(2025, 4, 1), ("DE", "AT"))
    assert merged.services == (
        "c. exchange of crypto-assets for funds",
        "d. exchange of crypto-assets for other crypto-assets",
    )


def test_a_bad_date_names_its_line_and_column():
    data = esma_csv(esma_row(), esma_row(lei="5299005V5GBSN2A4C303", authorised="31/13/2025"))

    parsed = parse_register(kind="esma-mica", data=data)

    assert [str(problem) for problem in parsed.problems] == [
        "line 3, column 'ac_authorisationNotificationDate': '31/13/2025' is not a date (DD/MM/YYYY, e.g. 27/01/2025)"
    ]
    report = list(csv.reader(io.StringIO(parsed.rejected_report().decode("utf-8-sig"))))
    assert report[0][:4] == ["line", "column", "reason", "ae_competentAuthority"]
    assert report[1][:3] == [
        "3",
        "ac_authorisationNotificationDate",
        "'31/13/2025' is not a date (DD/MM/YYYY, e.g. 27/01/2025)",
    ]


def test_another_layout_is_refused_naming_the_expected_and_found_headers():
    transcription = (DATA / "register_hk-sfc_2026-02-13.csv").read_bytes()

    with pytest.raises(RegisterFileError) as refused:
        parse_register(kind="esma-mica", data=transcription)

    assert str(refused.value) == (
        f"This is not ESMA's CASPS.csv layout. Expected the columns {', '.join(ESMA_HEADERS)} (and a trailing "
        "empty one); found: register_number, legal_name, other_names, brand, website, status, licensed_on, "
        "ended_on, source_url, notes."
    )
    with pytest.raises(RegisterFileError) as refused:
        parse_register(kind="jp-fsa", data=esma_csv(esma_row()), filename="x_2026-06-30.csv")
    assert str(refused.value).startswith(
        "This is not the register transcription layout. Expected the columns register_number, legal_name, "
        "other_names, brand, website, status, licensed_on, ended_on, source_url (and optionally notes); "
        "found: ae_competentAuthority, ae_homeMemberState,"
    )


def test_the_japan_transcription_maps_its_status_words():
    data = (DATA / "register_jp-fsa_2026-06-30.csv").read_bytes()

    parsed = parse_register(kind="jp-fsa", data=data, filename="register_jp-fsa_2026-06-30.csv")

    by_name = {record.legal_name: record for record in parsed.records}
    assert parsed.as_of == datetime.date(2026, 6, 30)
    assert sum(1 for record in parsed.records if record.status == LicenceStatus.REGISTERED) == 26
    bitflyer = by_name["株式会社bitFlyer"]
    assert (bitflyer.key, bitflyer.status, bitflyer.authorised_on) == (
        "関東財務局長 第00003号",
        LicenceStatus.REGISTERED,
        datetime.date(2017, 9, 29),
    )
    line = by_name["LINE Xenesis株式会社"]
    assert (line.status, line.ended_on) == (LicenceStatus.UNLICENSED, datetime.date(2026, 6, 1))
    bybit = by_name["Bybit Fintech Ltd"]
    assert (bybit.status, bybit.authorised_on, bybit.registration_number) == (
        LicenceStatus.UNLICENSED,
        datetime.date(2024, 11, 28),
        "",
    )
    assert sorted(
        record.commercial_name for record in parsed.records if record.status_note.startswith("not registered in Japan")
    ) == ["Bitforex", "Bitget", "Bybit", "KuCoin", "LBank", "MEXC"]


def test_a_transcription_with_a_bad_status_or_date_names_line_and_column():
    header = "register_number,legal_name,other_names,brand,website,status,licensed_on,ended_on,source_url\n"
    data = (header + ",OKX,,OKX,,licenced,2024-1-32,,[FW]\n,Bybit,,Bybit,,maybe,,,[FW]\n").encode()

    parsed = parse_register(kind="hk-sfc", data=data, as_of=datetime.date(2026, 2, 13))

    assert [str(problem) for problem in parsed.problems] == [
        "line 2, column 'licensed_on': '2024-1-32' is not a date (YYYY-MM-DD, e.g. 2017-09-29)",
        "line 3, column 'status': 'maybe' is not a status this import knows",
    ]


def test_a_transcription_without_a_date_is_refused():
    data = (DATA / "register_ae-vara_2026-03-31.csv").read_bytes()

    with pytest.raises(RegisterFileError) as refused:
        parse_register(kind="ae-vara", data=data, filename="vara.csv")

    assert str(refused.value).startswith("The register's date is neither in the file nor in its name")


def fsa_workbook(header: list[str]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["暗号資産交換業者登録一覧（令和8年6月30日現在）"])
    sheet.append(header)
    sheet.append([1, "関東財務局", "関東財務局長第00003号", "平成29年9月29日", "株式会社bitFlyer"])
    sheet.append([2, "近畿財務局", "00001", datetime.datetime(2017, 9, 29), "株式会社Zaif"])
    sheet.append([3, "関東財務局", "第00020号", "2020年3月30日", "オーケーコイン・ジャパン株式会社"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_fsa_workbook_is_read_when_its_header_row_is_recognised():
    data = fsa_workbook(["番号", "財務局等", "登録番号", "登録年月日", "暗号資産交換業者名"])

    parsed = parse_register(kind="jp-fsa", data=data, filename="kasoutuka.xlsx")

    assert parsed.as_of == datetime.date(2026, 6, 30)
    assert [(r.line, r.registration_number, r.legal_name, r.authorised_on, r.status) for r in parsed.records] == [
        (3, "関東財務局長 第00003号", "株式会社bitFlyer", datetime.date(2017, 9, 29), LicenceStatus.REGISTERED),
        (4, "近畿財務局長 第00001号", "株式会社Zaif", datetime.date(2017, 9, 29), LicenceStatus.REGISTERED),
        (5, "関東財務局長 第00020号", "オーケーコイン・ジャパン株式会社", datetime.date(2020, 3, 30), "registered"),
    ]


def test_a_workbook_without_the_fsa_headers_is_refused():
    data = fsa_workbook(["No", "Name", "Date"])

    with pytest.raises(RegisterFileError) as refused:
        parse_register(kind="jp-fsa", data=data, filename="kasoutuka.xlsx")

    assert str(refused.value) == (
        "This sheet is not the Japan FSA register layout. Expected a header row with 登録番号 and "
        "暗号資産交換業者名 (and optionally 財務局等, 登録年月日, ホームページ); found: "
        "暗号資産交換業者登録一覧（令和8年6月30日現在）."
    )


def test_group_entities_match_their_exchange_and_look_alikes_do_not():
    exchanges = [ExchangeEntry(1, "OKX", "https://www.okx.com"), ExchangeEntry(2, "Gate", "https://gate.com")]
    matcher = Matcher(exchanges=exchanges, aliases=group_aliases({"okx": 1, "gate": 2}))

    def match(**fields):
        return record_match(matcher, RegisterRecord(key="k", line=2, **fields))

    assert match(legal_name="オーケーコイン・ジャパン株式会社", other_names=("OKCoin Japan",)).exchange_id == 1
    assert match(legal_name="Gate Technology Limited", commercial_name="Gate").status == "matched"
    assert match(legal_name="GG Digital, a.s.", website="https://www.goldengate.cz/").status == "unmatched"
    coingate = match(legal_name="UAB Decentralized", commercial_name="Coingate", website="https://coingate.com")
    assert (coingate.status, coingate.exchange_id, coingate.reason) == ("unmatched", None, "CoinGate (LT), not Gate")
    assert match(legal_name="OKX Trading Services").status == "review"


def record(key, name, status=LicenceStatus.LICENSED, ended_on=None):
    return RegisterRecord(key=key, line=2, legal_name=name, status=status, ended_on=ended_on)


def test_changes_between_readings():
    previous = [
        record("A", "Alpha Ltd"),
        record("B", "Beta Ltd"),
        record("C", "Gamma Ltd", LicenceStatus.EXITING, datetime.date(2026, 3, 1)),
    ]
    current = [
        record("A", "Alpha Europe Ltd"),
        record("C", "Gamma Ltd", LicenceStatus.UNLICENSED, datetime.date(2026, 3, 1)),
        record("D", "Delta Ltd"),
    ]

    changes = register_changes(previous=previous, current=current, as_of=datetime.date(2026, 6, 25))

    assert [(c.kind, c.key, c.on.isoformat(), c.previous_legal_name) for c in changes] == [
        ("granted", "D", "2026-06-25", ""),
        ("withdrawn", "B", "2026-06-25", ""),
        ("lapsed", "C", "2026-03-01", ""),
        ("renamed", "A", "2026-06-25", "Alpha Ltd"),
    ]
