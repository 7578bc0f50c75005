"""detect_clouds: progress per exchange, disagreements and changes shown, a summary at the end."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from crm.choices import EvidenceSource, Workload
from crm.models import Exchange
from tests.crm.factories import AllocationFactory, ExchangeFactory, vendor

pytestmark = pytest.mark.django_db


def test_detect_clouds_shows_progress_disagreements_and_a_summary(fixture_resolver):
    # given two exchanges, one with a rep-confirmed allocation the DNS contradicts
    omicron = ExchangeFactory(name="Omicron", slug="omicron", website="https://omicron.example", ccxt_id=None)
    ExchangeFactory(name="Pi", slug="pi", website="https://pi.example", ccxt_id=None)
    AllocationFactory(
        exchange=omicron,
        vendor=vendor("alibaba-cloud"),
        workload=Workload.TRADING_ENGINE,
        share_percent=Decimal("100"),
        evidence_source=EvidenceSource.REP_CONFIRMED,
    )
    fixture_resolver({"omicron.example": ["13.112.0.1"], "pi.example": ["104.16.0.1"]})
    out = io.StringIO()
    # when the command checks them
    call_command("detect_clouds", stdout=out)
    lines = out.getvalue().splitlines()
    # then
    assert lines[0].startswith("Checking 2 exchanges with the range tables built on ")
    assert lines[1:4] == [
        "  [1/2] omicron: website on AWS Tokyo (ap-northeast-1) 100%",
        "      disagreement: A rep says Alibaba Cloud (confirmed by the account); the website host omicron.example "
        "resolves to AWS Tokyo (ap-northeast-1).",
        "  [2/2] pi: behind a front door, origin unknown",
    ]
    assert lines[4].startswith("Checked 2 exchanges, 2 hosts (0 unresolved) in ") and lines[4].endswith(
        "s: 0 allocations written, 0 withdrawn, 1 disagreements, 0 cloud-change signals."
    )


def test_detect_clouds_refuses_an_unknown_slug_and_checks_nothing(fixture_resolver):
    ExchangeFactory(slug="rho", ccxt_id=None)
    with pytest.raises(CommandError) as error:
        call_command("detect_clouds", exchange=["rho", "nope"], stdout=io.StringIO())
    assert str(error.value) == "No exchange with slug: nope."
    assert Exchange.objects.get(slug="rho").cloud_detections.count() == 0
