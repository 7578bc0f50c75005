"""Loaders: outage impacts and regulatory pressure from the database."""

import datetime
from decimal import Decimal

import pytest

from crm.choices import LicenceStatus, Workload
from intel.choices import SignalKind
from intel.models import Regulation
from intel.outages import AffectedExchange, Reach
from intel.queries import outage_impacts, regulatory_pressure
from intel.services import signal_record
from tests.crm.factories import (
    AllocationFactory,
    ExchangeFactory,
    PresenceFactory,
    RepFactory,
    UserFactory,
    jurisdiction,
    vendor,
)

pytestmark = pytest.mark.django_db


def test_outage_impacts_come_from_allocations_by_region_and_share_in_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    okx = ExchangeFactory(slug="okx")
    other = ExchangeFactory(slug="mid")
    AllocationFactory(exchange=okx, vendor=vendor("alibaba-cloud"), share_percent=Decimal("60"), region="HK")
    AllocationFactory(exchange=other, vendor=vendor("alibaba-cloud"), share_percent=Decimal("25"))
    AllocationFactory(exchange=other, vendor=vendor("alibaba-cloud"), workload=Workload.AI, share_percent=Decimal("90"))
    outage = signal_record(
        kind=SignalKind.OUTAGE,
        title="HK zone C",
        occurred_at=datetime.datetime(2022, 12, 18, tzinfo=datetime.UTC),
        vendor=vendor("alibaba-cloud"),
        exchanges=[okx],
        source_note="News",
    )

    with django_assert_num_queries(3):
        impacts = outage_impacts([outage.pk])

    assert impacts == {
        outage.pk: [
            AffectedExchange(okx.pk, Decimal("60.00"), Workload.ALL, "HK", True, Reach.HIT, ""),
            AffectedExchange(other.pk, Decimal("90.00"), Workload.AI, "", False, Reach.POSSIBLE, ""),
        ]
    }


@pytest.fixture
def singapore():
    Regulation.objects.create(
        jurisdiction=jurisdiction("SG"),
        name="DTSP regime",
        effective_on=datetime.date(2025, 6, 30),
        pressured_statuses=["unlicensed", "pending"],
        consequence="must stop serving clients abroad or leave",
    )
    bitget = PresenceFactory(
        exchange=ExchangeFactory(name="Bitget", slug="bitget"),
        jurisdiction=jurisdiction("SG"),
        licence_status=LicenceStatus.UNLICENSED,
        source="GENERATED",
    )
    PresenceFactory(
        exchange=ExchangeFactory(name="Upbit", slug="upbit"),
        jurisdiction=jurisdiction("SG"),
        licence_status=LicenceStatus.LICENSED,
    )
    return bitget


def test_before_the_effective_date_no_exchange_is_under_pressure(singapore):
    assert regulatory_pressure(as_of=datetime.date(2025, 6, 29)) == []


def test_after_the_effective_date_the_unlicensed_exchange_is_under_pressure_since_that_date(singapore):
    pressures = regulatory_pressure(as_of=datetime.date(2025, 8, 25))

    assert [(p.exchange_name, p.jurisdiction_code, p.since, p.reason, p.status_source) for p in pressures] == [
        (
            "Bitget",
            "SG",
            datetime.date(2025, 6, 30),
            "unlicensed in SG under DTSP regime (in force since 2025-06-30): must stop serving clients abroad or leave",
            "GENERATED",
        )
    ]


def test_a_rep_only_sees_pressure_on_exchanges_in_their_territory(singapore):
    rep_in_japan = RepFactory(user=UserFactory(username="kenji"), territories=[jurisdiction("JP")])
    rep_in_singapore = RepFactory(user=UserFactory(username="priya"), territories=[jurisdiction("SG")])

    assert regulatory_pressure(as_of=datetime.date(2025, 8, 25), user=rep_in_japan.user) == []
    assert [
        p.exchange_name for p in regulatory_pressure(as_of=datetime.date(2025, 8, 25), user=rep_in_singapore.user)
    ] == ["Bitget"]
