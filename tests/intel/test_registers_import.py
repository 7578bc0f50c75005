"""Importing register readings: entries, matching, presences, changes, signals, the command."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from crm.choices import FactOrigin, LicenceStatus
from crm.models import EvidenceChange, Presence
from intel.choices import SignalKind
from intel.models import Register, RegisterEntry, Regulation, Signal
from intel.queries import licence_disagreements
from intel.services import register_entry_match_confirm, register_import, registers_load_shipped, regulations_load
from tests.crm.factories import ExchangeFactory, PresenceFactory, jurisdiction
from tests.intel.test_registers_parsing import esma_csv, esma_row

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[2] / "intel" / "data"
ESMA_FILE = "esma_casps_2026-06-25.csv"
JP_FILE = "register_jp-fsa_2026-06-30.csv"


@pytest.fixture
def exchanges():
    """The catalogue's exchanges these registers name (their ccxt ids and sites)."""
    rows = {
        "okx": ("OKX", "https://www.okx.com"),
        "bybit": ("Bybit", "https://www.bybit.com"),
        "bitflyer": ("bitFlyer", "https://bitflyer.com"),
        "gate": ("Gate", "https://gate.com"),
        "kraken": ("Kraken", "https://www.kraken.com"),
        "cryptocom": ("Crypto.com", "https://crypto.com/"),
        "bitstamp": ("Bitstamp", "https://www.bitstamp.net"),
    }
    return {
        slug: ExchangeFactory(slug=slug, ccxt_id=slug, name=name, website=website)
        for slug, (name, website) in rows.items()
    }


def shipped(filename: str) -> bytes:
    return (DATA / filename).read_bytes()


def test_the_real_esma_file_sets_okx_licensed_across_its_passports(exchanges):
    outcome = register_import(kind="esma-mica", data=shipped(ESMA_FILE), filename=ESMA_FILE)

    assert (outcome.is_committed, outcome.entries, outcome.duplicate_lines, outcome.rejected) == (True, 243, 1, 0)
    assert (outcome.matched, outcome.review) == (7, 0)
    okx = RegisterEntry.objects.get(lei="54930069NLWEIGLHXU42")
    assert (okx.exchange, okx.match_status, okx.match_method) == (exchanges["okx"], "matched", "email_domain")
    presences = Presence.objects.filter(exchange=exchanges["okx"])
    assert presences.count() == 31  # the EU, Malta (home) and its 29 host states
    eu = presences.get(jurisdiction__code="EU")
    assert (eu.licence_status, eu.licence_reference, eu.since) == (
        LicenceStatus.LICENSED,
        "LEI 54930069NLWEIGLHXU42",
        datetime.date(2025, 1, 27),
    )
    assert (eu.source, eu.source_date, eu.origin) == (
        "ESMA interim MiCA register (CASPS.csv), 2026-06-25",
        datetime.date(2026, 6, 25),
        FactOrigin.REGISTER,
    )
    assert eu.source_url == "https://www.esma.europa.eu/sites/default/files/2024-12/CASPS.csv"
    matched = set(RegisterEntry.objects.matched().values_list("legal_name", "exchange__slug"))
    assert matched == {
        ("OKX Europe Limited", "okx"),
        ("Bybit EU GmbH", "bybit"),
        ("Payward Europe Solutions Limited", "kraken"),
        ("Payward Global Solutions Limited", "kraken"),
        ("Foris DAX MT Limited", "cryptocom"),
        ("Gate Technology Limited", "gate"),
        ("Bitstamp Europe S.A.", "bitstamp"),
    }
    assert "UAB Decentralized" in outcome.unmatched_names
    assert " GG Digital, a.s." not in outcome.unmatched_names and "GG Digital, a.s." in outcome.unmatched_names
    assert set(EvidenceChange.objects.filter(cause="register").values_list("exchange__slug", flat=True)) == {
        "okx",
        "bybit",
        "kraken",
        "cryptocom",
        "gate",
        "bitstamp",
    }


def test_the_japan_transcription_registers_bitflyer_and_okcoin_japan(exchanges):
    register_import(kind="jp-fsa", data=shipped(JP_FILE), filename=JP_FILE)

    bitflyer = Presence.objects.get(exchange=exchanges["bitflyer"], jurisdiction__code="JP")
    assert (bitflyer.licence_status, bitflyer.licence_reference, bitflyer.since) == (
        LicenceStatus.REGISTERED,
        "関東財務局長 第00003号",
        datetime.date(2017, 9, 29),
    )
    assert bitflyer.source == (
        "Japan FSA register of crypto-asset exchange service providers, transcribed "
        "(register_jp-fsa_2026-06-30.csv), 2026-06-30"
    )
    okx = Presence.objects.get(exchange=exchanges["okx"], jurisdiction__code="JP")
    assert (okx.licence_status, okx.licence_reference) == (LicenceStatus.REGISTERED, "関東財務局長 第00020号")
    kraken = Presence.objects.get(exchange=exchanges["kraken"], jurisdiction__code="JP")
    assert (kraken.licence_status, kraken.licence_reference) == (LicenceStatus.UNLICENSED, "関東財務局長 第00022号")
    bybit = Presence.objects.get(exchange=exchanges["bybit"], jurisdiction__code="JP")
    assert (bybit.licence_status, bybit.since) == (LicenceStatus.UNLICENSED, datetime.date(2024, 11, 28))


def test_reimporting_the_same_file_changes_nothing(exchanges):
    register_import(kind="jp-fsa", data=shipped(JP_FILE), filename=JP_FILE)
    counts = (Register.objects.count(), RegisterEntry.objects.count(), Presence.objects.count(), Signal.objects.count())

    outcome = register_import(kind="jp-fsa", data=shipped(JP_FILE), filename=JP_FILE)

    assert outcome.is_committed is False
    assert outcome.message.startswith("Nothing changed: this file was imported on ")
    assert counts == (
        Register.objects.count(),
        RegisterEntry.objects.count(),
        Presence.objects.count(),
        Signal.objects.count(),
    )


def test_a_newer_reading_signals_the_withdrawn_the_renamed_and_the_granted(exchanges):
    # given a first reading with OKX and Bybit EU
    bybit_row = esma_row(name="Bybit EU GmbH", lei="5299005V5GBSN2A4C303", commercial="Bybit", website="www.bybit.eu")
    register_import(kind="esma-mica", data=esma_csv(esma_row(updated="30/04/2026"), bybit_row), filename="a.csv")

    # when the next reading renames OKX's entity, drops Bybit EU and adds Bitstamp Europe
    renamed = esma_row(name="OKX Europe Holdings Limited", updated="25/06/2026")
    bitstamp = esma_row(
        name="Bitstamp Europe S.A.",
        lei="549300XIBGTJ0PLIEO72",
        commercial="Bitstamp",
        website="https://www.bitstamp.net/",
        authorised="15/05/2026",
    )
    outcome = register_import(kind="esma-mica", data=esma_csv(renamed, bitstamp), filename="b.csv")

    # then each change is a dated, sourced licence-change signal naming the exchange and the EU
    assert outcome.change_counts == {"granted": 1, "withdrawn": 1, "lapsed": 0, "renamed": 1}
    signals = Signal.objects.filter(kind=SignalKind.LICENCE_CHANGE).order_by("title")
    assert [(s.title, s.occurred_at.date().isoformat(), s.jurisdiction.code) for s in signals] == [
        ("Bitstamp: licence granted in European Union", "2026-05-15", "EU"),
        ("Bybit: licence withdrawn in European Union", "2026-06-25", "EU"),
        ("OKX: licensee renamed in European Union", "2026-06-25", "EU"),
    ]
    assert [list(s.exchanges.values_list("slug", flat=True)) for s in signals] == [["bitstamp"], ["bybit"], ["okx"]]
    assert {s.source_note for s in signals} == {"ESMA interim MiCA register (CASPS.csv), 2026-06-25"}
    assert outcome.register.changes["renamed"][0]["previous_legal_name"] == "OKX Europe Limited"
    bybit_eu = Presence.objects.get(exchange=exchanges["bybit"], jurisdiction__code="EU")
    assert (bybit_eu.licence_status, bybit_eu.source_date) == (LicenceStatus.UNLICENSED, datetime.date(2026, 6, 25))


def test_an_end_date_that_passes_between_readings_is_a_lapse(exchanges):
    ending = esma_row(ended="31/05/2026", updated="30/04/2026")
    register_import(kind="esma-mica", data=esma_csv(ending), filename="a.csv")
    assert Presence.objects.get(exchange=exchanges["okx"], jurisdiction__code="EU").licence_status == "exiting"

    outcome = register_import(kind="esma-mica", data=esma_csv(esma_row(ended="31/05/2026")), filename="b.csv")

    assert outcome.change_counts == {"granted": 0, "withdrawn": 0, "lapsed": 1, "renamed": 0}
    assert Signal.objects.get().occurred_at.date() == datetime.date(2026, 5, 31)
    assert Presence.objects.get(exchange=exchanges["okx"], jurisdiction__code="EU").licence_status == "unlicensed"


def test_a_status_a_person_typed_is_kept_and_the_disagreement_shown(exchanges):
    # given a rep recorded OKX as unlicensed in Malta
    typed = PresenceFactory(
        exchange=exchanges["okx"],
        jurisdiction=jurisdiction("MT"),
        licence_status=LicenceStatus.UNLICENSED,
        origin=FactOrigin.PERSON,
        source="rep call 2026-05",
    )

    outcome = register_import(kind="esma-mica", data=esma_csv(esma_row()), filename="casps.csv")

    typed.refresh_from_db()
    assert (typed.licence_status, typed.origin, typed.source) == ("unlicensed", "person", "rep call 2026-05")
    assert outcome.disagreements == [
        "OKX in MT: a person recorded unlicensed, the register says licensed "
        "(ESMA interim MiCA register (CASPS.csv), 2026-06-25)"
    ]
    [reading] = licence_disagreements([exchanges["okx"].pk])
    assert (reading.jurisdiction_code, reading.status, reading.source) == ("MT", "unlicensed", "rep call 2026-05")
    assert (reading.register_status, reading.register_reference, reading.register_source) == (
        "licensed",
        "LEI 54930069NLWEIGLHXU42",
        "ESMA interim MiCA register (CASPS.csv), 2026-06-25",
    )


def test_a_file_with_a_bad_row_writes_nothing_unless_keep_valid(exchanges):
    data = esma_csv(esma_row(), esma_row(lei="5299005V5GBSN2A4C303", authorised="31/13/2025"))

    refused = register_import(kind="esma-mica", data=data, filename="casps.csv")

    assert refused.is_committed is False
    assert refused.message.startswith("1 of 2 rows are invalid, so nothing was imported (first: line 3, column")
    assert (Register.objects.count(), RegisterEntry.objects.count(), Presence.objects.count()) == (0, 0, 0)

    kept = register_import(kind="esma-mica", data=data, filename="casps.csv", keep_valid=True)

    assert (kept.is_committed, kept.entries, kept.rejected) == (True, 1, 1)
    assert kept.rejected_report.decode("utf-8-sig").splitlines()[0].startswith("line,column,reason,")


def test_regulations_load_is_idempotent_and_reuses_the_demo_dtsp_regime():
    Regulation.objects.create(
        jurisdiction=jurisdiction("SG"),
        name="Digital token service provider (DTSP) regime, Financial Services and Markets Act 2022",
        effective_on=datetime.date(2025, 6, 30),
        pressured_statuses=["unlicensed", "pending"],
    )

    first = regulations_load()
    second = regulations_load()

    assert Regulation.objects.count() == 4
    assert first[1] == "DTSP regime (SG): source added"
    assert second == [
        "MiCA transition ends (EU): already there",
        "DTSP regime (SG): already there",
        "VATP licensing (HK): already there",
        "FSA registration (JP): already there",
    ]
    mica = Regulation.objects.get(jurisdiction__code="EU")
    assert (mica.effective_on, mica.pressured_statuses) == (datetime.date(2026, 7, 1), ["unlicensed", "pending"])


def test_registers_load_shipped_imports_each_file_once(exchanges):
    first = registers_load_shipped()
    second = registers_load_shipped()

    assert len(first) == 9
    assert Register.objects.count() == 5
    assert [line.split(":")[0] for line in second[:5]] == ["Nothing changed"] * 5


def test_the_command_prints_counts_and_refuses_a_bad_file(exchanges, tmp_path):
    out = io.StringIO()
    call_command("import_register", "jp-fsa", str(DATA / JP_FILE), stdout=out, stderr=io.StringIO())
    printed = out.getvalue()
    assert "  entries: 36 (0 duplicate rows merged, 0 rejected)\n" in printed
    assert "  changes vs previous: 0 granted, 0 withdrawn, 0 lapsed, 0 renamed; 0 licence-change signals\n" in printed

    bad = tmp_path / "casps.csv"
    bad.write_bytes(esma_csv(esma_row(authorised="2025-01-27")))
    with pytest.raises(CommandError) as refused:
        call_command("import_register", "esma-mica", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    assert "line 2, column 'ac_authorisationNotificationDate'" in str(refused.value)
    assert Register.objects.filter(kind="esma-mica").count() == 0


def test_confirming_a_review_entry_sets_the_presence(exchanges, admin_client):
    # given a firm whose name only resembles OKX's
    outcome = register_import(
        kind="esma-mica",
        data=esma_csv(esma_row(name="OKX Trading Services", commercial="", website="")),
        filename="c.csv",
    )
    entry = RegisterEntry.objects.review_queue().get()
    assert (outcome.review, Presence.objects.count()) == (1, 0)
    assert admin_client.get("/admin/intel/registerentrytoreview/").status_code == 200
    assert admin_client.get(f"/admin/intel/register/{outcome.register.pk}/change/").status_code == 200

    # when a person confirms the suggestion
    register_entry_match_confirm(entry=entry)

    # then it is matched and OKX's EU presence comes from the register
    entry.refresh_from_db()
    assert (entry.match_status, entry.exchange.slug, entry.match_method) == ("matched", "okx", "manual")
    assert Presence.objects.get(exchange=exchanges["okx"], jurisdiction__code="EU").licence_status == "licensed"
