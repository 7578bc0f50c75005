"""The demo scenario: FACTS as data, WebX 2025 with its matched attendees, and idempotency."""

import datetime
import io

import pytest
from django.core.management import call_command

from crm.models import Allocation, Contact, EvidenceChange, Exchange, Presence
from intel.choices import MatchStatus
from intel.demo import load_exchanges_and_aliases
from intel.models import Attendee, AttendeeImport, Event, ExchangeAlias, Regulation, Signal
from intel.queries import outage_impacts, regulatory_pressure
from tests.crm.factories import ExchangeFactory

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    models = [Exchange, Allocation, Presence, Contact, EvidenceChange, Signal, Regulation, Event, Attendee]
    return {
        **{model.__name__: model.objects.count() for model in models},
        "ExchangeAlias": ExchangeAlias.objects.count(),
        "AttendeeImport": AttendeeImport.objects.count(),
    }


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # as `make demo` runs it
    call_command("load_demo", stdout=io.StringIO())


def test_a_second_load_demo_duplicates_nothing(demo, settings):
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
    assert (batch.rows_read, batch.created_count, batch.duplicate_count, batch.rejected_count) == (3000, 2869, 87, 44)
    assert by_status == {
        MatchStatus.MATCHED: 1002,
        MatchStatus.REVIEW: 127,
        MatchStatus.NOT_AN_EXCHANGE: 394,
        MatchStatus.UNMATCHED: 1346,
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


def test_the_public_allocations_carry_their_source_url_and_date_and_nothing_else_is_invented(demo):
    allocations = Allocation.objects.values_list("exchange__slug", "vendor__slug", "workload", "evidence_source")

    assert sorted(allocations) == [
        ("binance", "aws", "wallets", "news"),
        ("bitbank", "aws", "all", "vendor_case_study"),
        ("bitmex", "aws", "trading_engine", "vendor_case_study"),
        ("bybit", "aws", "trading_engine", "self_published"),
        ("coinbase", "aws", "all", "vendor_case_study"),
        ("coinbaseinternational", "aws", "market_data", "self_published"),
        ("coinbaseinternational", "aws", "trading_engine", "self_published"),
        ("cryptocom", "aws", "trading_engine", "self_published"),
        ("gate", "alibaba-cloud", "wallets", "news"),
        ("kucoin", "aws", "trading_engine", "news"),
        ("mexc", "aws", "trading_engine", "news"),
        ("okx", "alibaba-cloud", "trading_engine", "news"),
        ("paradex", "aws", "trading_engine", "self_published"),
        ("robinhood", "aws", "all", "news"),
        ("zaif", "aws", "trading_engine", "news"),
    ]
    assert Allocation.objects.filter(source_url="").count() == 0
    assert Allocation.objects.filter(evidence_source="generated").count() == 0
    bybit = Allocation.objects.get(exchange__slug="bybit")
    assert (bybit.source_url, str(bybit.observed_on), bybit.confidence) == (
        "https://bybit-exchange.github.io/docs/faq",
        "2025-08-25",
        95,
    )


def test_the_alibaba_outage_concerns_okx_and_gate_by_their_allocations_and_as_named(demo):
    outage = Signal.objects.get(vendor__slug="alibaba-cloud", kind="outage")
    slugs = dict(Exchange.objects.values_list("pk", "slug"))

    impacts = outage_impacts([outage.pk])[outage.pk]

    assert [(slugs[i.exchange_id], i.share_percent, i.is_named_by_source) for i in impacts] == [
        ("gate", 100, True),
        ("okx", 100, True),
    ]
    assert (str(outage.occurred_at), str(outage.ended_at)) == ("2022-12-18 03:00:00+00:00", "2022-12-18 18:50:00+00:00")


def test_every_signal_of_the_demo_has_a_source_url(demo):
    assert Signal.objects.count() == 8
    assert Signal.objects.filter(source_url="").count() == 0


def test_no_real_exchange_gets_a_generated_licence_status(demo):
    assert Presence.objects.filter(origin="generated").count() == 0
    assert Presence.objects.filter(source__icontains="generated").count() == 0


def test_regulatory_pressure_comes_from_register_readings_only(demo):
    pressures = regulatory_pressure(as_of=datetime.date(2026, 12, 1))

    # FSA warning letters and ended registrations in Japan; withdrawn, refused or deemed in Hong Kong
    assert sorted((p.exchange_name, p.jurisdiction_code, p.licence_status) for p in pressures) == [
        ("Bitget", "JP", "unlicensed"),
        ("Bybit", "HK", "unlicensed"),
        ("Bybit", "JP", "unlicensed"),
        ("Crypto.com", "HK", "pending"),
        ("HTX", "HK", "unlicensed"),
        ("Kraken", "JP", "unlicensed"),
        ("KuCoin", "JP", "unlicensed"),
        ("LBank", "JP", "unlicensed"),
        ("MEXC Global", "JP", "unlicensed"),
        ("OKX", "HK", "unlicensed"),
    ]
    assert all("register" in p.status_source for p in pressures)


def test_licences_come_from_the_regulators_registers_with_their_reference_and_date(demo):
    bitflyer = Presence.objects.get(exchange__slug="bitflyer", jurisdiction__code="JP")
    okx_eu = Presence.objects.get(exchange__slug="okx", jurisdiction__code="EU")

    assert (bitflyer.licence_status, bitflyer.licence_reference, str(bitflyer.since), bitflyer.origin) == (
        "registered",
        "関東財務局長 第00003号",
        "2017-09-29",
        "register",
    )
    assert (okx_eu.licence_status, okx_eu.licence_reference, str(okx_eu.since), str(okx_eu.source_date)) == (
        "licensed",
        "LEI 54930069NLWEIGLHXU42",
        "2025-01-27",
        "2026-06-25",
    )
    assert Presence.objects.filter(origin="register").count() == 563


def test_the_demo_prints_the_data_coverage_summary(settings):
    settings.DEBUG = True
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    lines = out.getvalue().splitlines()
    assert "size from market data: 65 of 123 exchanges" in lines
    assert "licence statuses from registers: 563 presences on 34 exchanges" in lines
    assert "GENERATED values on real exchanges: 0" in lines
    assert "exchanges with sourced cloud evidence: 14" in lines


def test_the_headline_list_has_real_mid_size_exchanges_where_a_rival_holds_60_percent(demo):
    from leads.models import Score
    from leads.sentences import factor_sentence

    mid_size_with_a_rival = [
        (score.exchange.slug, factor_sentence(score.factors[0], "en"))
        for score in Score.objects.prospects().select_related("exchange")
        if score.exchange.size_tier == "mid" and any(f["code"] == "displacement_target" for f in score.factors)
    ]

    assert mid_size_with_a_rival == [
        ("bybit", "Mid-size: 24h volume 6,001 BTC, rank 5 on CoinGecko (2023-01-07)"),
        ("cryptocom", "Mid-size: 24h volume 4,789 BTC, rank 6 on CoinGecko (2023-01-07)"),
        ("gate", "Mid-size: 24h volume 9,567 BTC, rank 12 on CoinGecko (2023-01-07)"),
    ]


def test_the_demo_s_regions_resolve_to_the_vendors_codes_and_the_tokyo_outages_miss_bybit_in_singapore(demo):
    from leads.facts import load_facts
    from leads.parameters import ScoringParameters
    from leads.scoring import score_exchange

    # every region the shipped evidence writes names one region of its vendor
    assert set(Allocation.objects.exclude(region="").values_list("vendor__slug", "region", "region_code")) == {
        ("aws", "ap-northeast-1", "ap-northeast-1"),
        ("aws", "ap-northeast-1 (apne1-az4)", "ap-northeast-1"),
        ("aws", "ap-southeast-1 (apse1-az2, apse1-az3)", "ap-southeast-1"),
        ("aws", "us-east-1", "us-east-1"),
        ("alibaba-cloud", "Hong Kong zone C", "cn-hongkong"),
    }
    assert set(Signal.objects.exclude(vendor_region="").values_list("vendor_region_code", flat=True)) == {
        "ap-northeast-1",
        "cn-hongkong",
        "us-east-1",
    }

    # and Bybit, on AWS Singapore, has no factor from the AWS Tokyo outages
    bybit = Exchange.objects.get(slug="bybit")
    as_of = datetime.datetime(2025, 4, 16, tzinfo=datetime.UTC)  # the day after the apne1-az4 power failure
    loaded = load_facts(exchange_ids=[bybit.pk], as_of=as_of)
    result = score_exchange(loaded.exchanges[0], parameters=ScoringParameters(), home=loaded.home, as_of=as_of)
    assert [f.code for f in result.factors if f.code.endswith("_incident")] == []


def test_built_in_aliases_say_where_they_come_from():
    # given the exchanges from the catalogue that the built-in aliases name
    for slug, name in (("coincheck", "Coincheck"), ("bybit", "Bybit"), ("kucoin", "KuCoin")):
        ExchangeFactory(slug=slug, name=name)

    load_exchanges_and_aliases()

    assert sorted(ExchangeAlias.objects.values_list("exchange__slug", "alias", "source")) == [
        ("bybit", "バイビット", "built-in: Bybit's name in katakana, as Japanese press writes it"),
        ("coincheck", "コインチェック", "JFSA register 2026-06-30, 関東財務局長 第00014号: コインチェック株式会社"),
        ("kucoin", "库币", "built-in"),
    ]
