"""`import_exchanges`: counts, idempotency, hand edits kept, families, non-ISO codes, all or nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from crm.catalogue import CatalogueRecord, read_snapshot
from crm.choices import ExchangeKind
from crm.models import Exchange, Presence
from crm.services import exchange_catalogue_import

pytestmark = pytest.mark.django_db


def record(ccxt_id, name, countries=(), family=None, website=None, is_dex=False):
    return CatalogueRecord(
        ccxt_id=ccxt_id,
        name=name,
        website=website or f"https://www.{ccxt_id}.com",
        countries=tuple(countries),
        is_dex=is_dex,
        family=family,
    )


CATALOGUE = [
    record("okxus", "OKX (US)", ["US"], family="okx"),
    record("okx", "OKX", ["CN", "US"]),
    record("bitteam", "BIT.TEAM", ["GB"]),
    record("uniswap", "Uniswap", [], is_dex=True),
]


def test_first_import_creates_each_exchange_with_presences_and_family():
    summary = exchange_catalogue_import(records=CATALOGUE)

    assert (summary.created, summary.updated, summary.unchanged, summary.skipped) == (4, 0, 0, [])
    okx = Exchange.objects.get(ccxt_id="okx")
    assert Exchange.objects.get(ccxt_id="okxus").family == okx
    assert sorted(okx.presences.values_list("jurisdiction__code", flat=True)) == ["CN", "US"]
    assert okx.headquarters.code == "CN"
    assert Exchange.objects.get(ccxt_id="uniswap").kind == ExchangeKind.DECENTRALISED
    assert list(Exchange.objects.families().values_list("ccxt_id", flat=True)) == ["bitteam", "okx", "uniswap"]


def test_second_import_changes_nothing_and_says_so():
    exchange_catalogue_import(records=CATALOGUE)
    before = list(Exchange.objects.values_list("pk", "name", "website", "updated_at"))

    summary = exchange_catalogue_import(records=CATALOGUE)

    assert (summary.created, summary.updated, summary.unchanged, summary.presences_added) == (0, 0, 4, 0)
    assert summary.changed_anything is False
    assert list(Exchange.objects.values_list("pk", "name", "website", "updated_at")) == before
    assert Presence.objects.count() == 4


def test_a_hand_edit_survives_a_later_import_while_other_fields_follow_the_catalogue():
    exchange_catalogue_import(records=CATALOGUE)
    Exchange.objects.filter(ccxt_id="okx").update(name="OKX Global")
    renamed = [
        record("okx", "OKX.com", ["CN", "US", "SG"], website="https://www.okx.com/en"),
        *CATALOGUE[2:],
    ]

    summary = exchange_catalogue_import(records=renamed)

    okx = Exchange.objects.get(ccxt_id="okx")
    assert okx.name == "OKX Global"
    assert okx.website == "https://www.okx.com/en"
    assert summary.kept_edits == [("okx", "name")]
    assert (summary.updated, summary.unchanged, summary.presences_added) == (1, 2, 1)


def test_unknown_country_codes_and_orphan_variants_are_skipped_with_reasons():
    summary = exchange_catalogue_import(
        records=[record("acme", "Acme", ["ZZ", "SG"]), record("acmeusdm", "Acme USDM", family="nobody")]
    )

    assert summary.skipped == [
        ("acme", "country code 'ZZ' is not a known jurisdiction"),
        ("acmeusdm", "its family 'nobody' is not in the catalogue"),
    ]
    assert list(Exchange.objects.values_list("ccxt_id", flat=True)) == ["acme"]
    assert list(Presence.objects.values_list("jurisdiction__code", flat=True)) == ["SG"]


def test_a_failing_import_leaves_the_database_as_it_was(monkeypatch):
    calls = []

    def explode(done, total):
        calls.append(done)
        if done == 3:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        exchange_catalogue_import(records=CATALOGUE, progress=explode)

    assert calls == [1, 2, 3]
    assert Exchange.objects.count() == 0
    assert Presence.objects.count() == 0


def test_the_command_imports_the_shipped_snapshot_and_is_idempotent():
    out = StringIO()
    call_command("import_exchanges", "--from", "snapshot", stdout=out, stderr=StringIO())
    count = len(read_snapshot())

    assert f"Created {count}, updated 0, unchanged 0, skipped 0" in out.getvalue()
    assert Exchange.objects.get(ccxt_id="binanceusdm").family.ccxt_id == "binance"
    assert Exchange.objects.get(ccxt_id="foxbit").presences.get().jurisdiction.code == "BR"

    again = StringIO()
    call_command("import_exchanges", "--from", "snapshot", stdout=again, stderr=StringIO())
    assert f"Created 0, updated 0, unchanged {count}, skipped 0; presences added 0." in again.getvalue()
    assert "Nothing changed" in again.getvalue()
    assert Exchange.objects.count() == count


def test_an_import_records_a_rescore_of_its_new_and_changed_exchanges_and_none_of_the_unchanged():
    from crm.models import EvidenceChange

    exchange_catalogue_import(records=CATALOGUE)
    assert sorted(EvidenceChange.objects.values_list("exchange__ccxt_id", "cause")) == [
        ("bitteam", "import"),
        ("okx", "import"),
        ("okxus", "import"),
        ("uniswap", "import"),
    ]
    EvidenceChange.objects.update(processed_at="2025-09-01T00:00:00Z")

    # a second import where only BIT.TEAM moved (a new country)
    exchange_catalogue_import(records=[*CATALOGUE[:2], record("bitteam", "BIT.TEAM", ["GB", "SG"]), CATALOGUE[3]])

    assert list(EvidenceChange.objects.filter(processed_at=None).values_list("exchange__ccxt_id", flat=True)) == [
        "bitteam"
    ]
