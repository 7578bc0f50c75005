"""The data-coverage report: what the product knows about the real exchanges, and the gaps."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from crm.models import Allocation, Presence
from intel.models import MarketDataImport, MarketFigure
from tests.crm.factories import ExchangeFactory, jurisdiction, vendor

pytestmark = pytest.mark.django_db


def figure(exchange, as_of=datetime.date(2023, 1, 7)):
    reading = MarketDataImport.objects.get_or_create(source="coingecko", as_of=as_of, content_sha256="x")[0]
    return MarketFigure.objects.create(
        market_import=reading,
        source="coingecko",
        as_of=as_of,
        source_exchange_id=exchange.slug,
        source_name=exchange.name,
        exchange=exchange,
        match_status="matched",
        volume_24h_btc=Decimal("100"),
    )


def test_the_report_counts_each_kind_of_knowledge_and_each_gap():
    # given four exchanges: one sized by CoinGecko, one sized by hand (with a figure too), two unknown;
    # one licence from a register and one typed; one sourced allocation and one without a URL
    sized, by_hand, sourced, bare = (ExchangeFactory(slug=slug) for slug in ("sized", "by-hand", "sourced", "bare"))
    figure(sized)
    figure(by_hand)
    by_hand.size_tier_by_hand = "large"
    by_hand.save()
    Presence.objects.create(
        exchange=sized, jurisdiction=jurisdiction("JP"), licence_status="registered", origin="register"
    )
    Presence.objects.create(exchange=sized, jurisdiction=jurisdiction("SG"), licence_status="pending", origin="person")
    Presence.objects.create(
        exchange=bare, jurisdiction=jurisdiction("SG"), licence_status="pending", origin="generated"
    )
    Allocation.objects.create(
        exchange=sourced,
        vendor=vendor("aws"),
        share_percent=Decimal("100"),
        evidence_source="vendor_case_study",
        source_url="https://aws.amazon.com/solutions/case-studies/x/",
        observed_on=datetime.date(2024, 5, 1),
    )
    Allocation.objects.create(
        exchange=bare,
        vendor=vendor("aws"),
        share_percent=Decimal("50"),
        evidence_source="rep_estimate",
        observed_on=datetime.date(2025, 1, 1),
    )
    out = io.StringIO()

    # when the report runs
    call_command("data_coverage", stdout=out)

    # then each line says what is known and what is not
    assert out.getvalue().splitlines() == [
        "size from market data: 1 of 4 exchanges",
        "licence statuses from registers: 1 presences on 1 exchanges",
        "GENERATED values on real exchanges: 1",
        "exchanges with sourced cloud evidence: 1",
        "size set by hand: 1 exchanges; size unknown: 2",
        "licence statuses entered by a person: 1 presences",
        "evidence without a source URL: 1 allocations, 0 signals",
        "newest CoinGecko figure: 2023-01-07",
        "newest cloud evidence: 2024-05-01",
    ]


def test_only_managers_open_the_coverage_and_radar_pages(client, db):
    from tests.crm.factories import RepFactory, UserFactory

    rep = RepFactory(user=UserFactory(username="kenji"))
    manager = RepFactory(user=UserFactory(username="mei"), role="manager")

    client.force_login(rep.user)
    assert [client.get(path).status_code for path in ("/data-coverage/", "/radar/")] == [403, 403]
    client.force_login(manager.user)
    page = client.get("/data-coverage/").content.decode()
    assert "size from market data: 0 of 0 exchanges" in page
    assert client.get("/radar/").status_code == 200
