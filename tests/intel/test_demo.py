"""The demo scenario: FACTS as data, WebX 2025 with its matched attendees, and idempotency."""

import datetime
import io

import pytest
from django.core.management import call_command

from crm.models import Allocation, Contact, EvidenceChange, Exchange, Presence
from intel.choices import MatchStatus
from intel.models import Attendee, AttendeeImport, Event, ExchangeAlias, Regulation, Signal
from intel.queries import outage_impacts, regulatory_pressure

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    models = [Exchange, Allocation, Presence, Contact, EvidenceChange, Signal, Regulation, Event, Attendee]
    return {
        **{model.__name__: model.objects.count() for model in models},
        "ExchangeAlias": ExchangeAlias.objects.count(),
        "AttendeeImport": AttendeeImport.objects.count(),
    }


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())


def test_a_second_load_demo_duplicates_nothing(demo):
    before = counts()
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    assert counts() == before
    assert "  WebX 2025: the generated badge scans are already imported" in out.getvalue().splitlines()


def test_webx_has_thousands_of_generated_scans_matched_with_a_review_queue(demo):
    webx = Event.objects.get(slug="webx-2025")
    batch = AttendeeImport.objects.get(event=webx)
    by_status = {
        status: Attendee.objects.filter(event=webx, match_status=status).count() for status in MatchStatus.values
    }

    assert (webx.city, str(webx.starts_on), webx.venue) == ("Tokyo", "2025-08-25", "The Prince Park Tower Tokyo")
    assert batch.filename == "webx-2025-badge-scans-GENERATED.csv"
    assert (batch.rows_read, batch.created_count, batch.duplicate_count, batch.rejected_count) == (3000, 2854, 102, 44)
    assert by_status == {
        MatchStatus.MATCHED: 986,
        MatchStatus.REVIEW: 129,
        MatchStatus.NOT_AN_EXCHANGE: 380,
        MatchStatus.UNMATCHED: 1359,
    }
    assert Attendee.objects.filter(event=webx).exclude(notes__startswith="[GENERATED demo row]").count() == 0


def test_webx_review_queue_suggests_no_exchange_for_a_country_word_alone(demo):
    webx = Event.objects.get(slug="webx-2025")
    suggestions = {
        (company, exchange)
        for company, exchange in Attendee.objects.filter(event=webx, match_status=MatchStatus.REVIEW).values_list(
            "company", "exchange__name"
        )
    }

    assert suggestions == {
        ("CoinDesk Japan", "Coincheck"),
        ("Ledger", "Lighter"),
        ("Coinbase Exchange Japan", "Coinbase Advanced"),
        ("MEXC Glbal", "MEXC Global"),
    }
    bingx = Attendee.objects.filter(event=webx, company="BingX Japan").values_list("exchange__name", "match_status")
    assert set(bingx) == {("BingX", MatchStatus.MATCHED)}


def test_webx_cloud_vendor_staff_are_set_aside_as_not_an_exchange(demo):
    webx = Event.objects.get(slug="webx-2025")
    set_aside = Attendee.objects.filter(event=webx, match_status=MatchStatus.NOT_AN_EXCHANGE)

    assert sorted(set(set_aside.values_list("company", "match_method"))) == [
        ("Alibaba Cloud", "cloud_vendor"),
        ("Amazon Web Services", "cloud_vendor"),
        ("Google Cloud Japan", "cloud_vendor"),
        ("Huawei Cloud", "cloud_vendor"),
        ("Tencent Cloud", "cloud_vendor"),
    ]


def test_the_public_allocations_carry_their_evidence_and_nothing_else_is_invented(demo):
    assert sorted(Allocation.objects.values_list("exchange__slug", "vendor__slug", "workload", "evidence_source")) == [
        ("bitmex", "aws", "trading_engine", "vendor_case_study"),
        ("bybit", "aws", "trading_engine", "self_published"),
        ("coinbaseinternational", "aws", "market_data", "self_published"),
        ("coinbaseinternational", "aws", "trading_engine", "self_published"),
        ("okx", "alibaba-cloud", "trading_engine", "news"),
        ("paradex", "aws", "trading_engine", "self_published"),
    ]


def test_the_alibaba_outage_concerns_okx_by_share_and_gate_as_named(demo):
    outage = Signal.objects.get(vendor__slug="alibaba-cloud", kind="outage")
    slugs = dict(Exchange.objects.values_list("pk", "slug"))

    impacts = outage_impacts([outage.pk])[outage.pk]

    assert [(slugs[i.exchange_id], i.share_percent, i.is_named_by_source) for i in impacts] == [
        ("okx", 100, True),
        ("gate", None, True),
    ]


def test_singapore_pressure_starts_on_2025_06_30_with_generated_statuses_labelled(demo):
    before = regulatory_pressure(as_of=datetime.date(2025, 6, 29))
    after = regulatory_pressure(as_of=datetime.date(2025, 6, 30))

    assert before == []
    assert sorted((p.exchange_name, p.licence_status) for p in after) == [
        ("BYDFi", "pending"),
        ("Bitget", "unlicensed"),
        ("Bitrue", "pending"),
        ("DeepCoin", "unlicensed"),
        ("DigiFinex", "pending"),
        ("Weex", "unlicensed"),
    ]
    assert {p.status_source for p in after} == {"GENERATED for the demo: not a reported licence status"}
