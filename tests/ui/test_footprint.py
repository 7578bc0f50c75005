"""The exchange page's cloud footprint: the verdict, a disagreement with recorded evidence, and 'Check now'."""

import datetime
from decimal import Decimal

import pytest

from crm.choices import EvidenceSource
from crm.models import Allocation
from intel.technographics.choices import EndpointRole
from intel.technographics.models import CloudDetection
from intel.technographics.resolver import StaticResolver
from intel.technographics.services import exchange_clouds_detect
from tests.crm.factories import ExchangeFactory, jurisdiction, vendor
from tests.technographics.conftest import FIXTURE_RANGES
from tests.technographics.factories import EndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked(team):
    from intel.technographics.attribution import IpTables
    from intel.technographics.tables import SourceData, build_payload

    tables = IpTables(
        build_payload(
            [SourceData(ranges=FIXTURE_RANGES, description={"name": "fixture", "version": "1", "date": "2025-08-01"})],
            built_on="2025-08-02",
        )
    )
    exchange = ExchangeFactory(
        name="Sigma", slug="sigma", website="https://www.sigma.example", headquarters=jurisdiction("JP")
    )
    Allocation.objects.create(
        exchange=exchange,
        vendor=vendor("alibaba-cloud"),
        workload="trading_engine",
        share_percent=Decimal("100"),
        evidence_source=EvidenceSource.REP_CONFIRMED,
        observed_on=datetime.date(2025, 8, 25),
    )
    EndpointFactory(exchange=exchange, host="api.sigma.example", role=EndpointRole.API)
    exchange_clouds_detect(
        exchange_id=exchange.pk,
        resolver=StaticResolver({"api.sigma.example": ["13.112.0.7"], "www.sigma.example": "NXDOMAIN"}),
        tables=tables,
        now=datetime.datetime(2025, 9, 1, 3, 0, tzinfo=datetime.UTC),
    )
    return exchange


def test_the_page_shows_where_the_hosts_sit_and_the_disagreement_with_the_rep(japan_client, checked):
    detection = CloudDetection.objects.get(exchange=checked)

    body = japan_client.get("/exchanges/sigma/").content.decode()

    assert detection.disagreements[0]["sentence"] in body
    assert "<code>13.112.0.7</code></td><td>AWS Tokyo (ap-northeast-1)</td>" in body
    assert "www.sigma.example: NXDOMAIN" in body
    assert "Check now" not in body


def test_only_the_owner_may_ask_for_a_check(japan_client, checked, team):
    refused = japan_client.post("/exchanges/sigma/footprint/check/")

    assert refused.status_code == 403
    assert CloudDetection.objects.filter(exchange=checked).count() == 1

    checked.owner = team["japan"]
    checked.save()
    assert "Check now" in japan_client.get("/exchanges/sigma/").content.decode()
