"""The allocation rule: one exchange's shares per workload never exceed 100%."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.choices import EvidenceSource, Workload
from crm.models import Allocation
from crm.services import allocation_save
from tests.crm.factories import AllocationFactory, ExchangeFactory, vendor

pytestmark = pytest.mark.django_db


def new_allocation(exchange, vendor_slug, share, workload=Workload.ALL):
    return Allocation(
        exchange=exchange,
        vendor=vendor(vendor_slug),
        workload=workload,
        share_percent=Decimal(share),
        evidence_source=EvidenceSource.REP_ESTIMATE,
        observed_on="2025-08-25",
    )


def test_shares_up_to_100_percent_are_saved_with_the_default_confidence_of_their_source():
    okx = ExchangeFactory(name="OKX", slug="okx")
    allocation_save(allocation=new_allocation(okx, "alibaba-cloud", "60"))
    saved = allocation_save(allocation=new_allocation(okx, "aws", "40"))

    assert saved.confidence == 45
    assert sorted(okx.allocations.values_list("vendor__slug", "share_percent")) == [
        ("alibaba-cloud", Decimal("60.00")),
        ("aws", Decimal("40.00")),
    ]


def test_a_share_that_takes_the_total_over_100_percent_is_refused_naming_exchange_and_workload():
    okx = ExchangeFactory(name="OKX", slug="okx")
    allocation_save(allocation=new_allocation(okx, "alibaba-cloud", "60"))

    with pytest.raises(ValidationError) as refused:
        allocation_save(allocation=new_allocation(okx, "aws", "41"))

    assert refused.value.message_dict == {
        "share_percent": [
            "OKX: the shares for workload 'All workloads' would add up to 101%, more than 100%. "
            "Lower another vendor's share first."
        ]
    }
    assert list(okx.allocations.values_list("vendor__slug", flat=True)) == ["alibaba-cloud"]


def test_workloads_are_counted_separately():
    okx = ExchangeFactory(name="OKX", slug="okx")
    allocation_save(allocation=new_allocation(okx, "alibaba-cloud", "100", Workload.TRADING_ENGINE))
    allocation_save(allocation=new_allocation(okx, "aws", "100", Workload.AI))

    assert okx.allocations.count() == 2


def test_raising_an_existing_share_counts_the_others_not_itself():
    okx = ExchangeFactory(name="OKX", slug="okx")
    alibaba = allocation_save(allocation=new_allocation(okx, "alibaba-cloud", "60"))
    allocation_save(allocation=new_allocation(okx, "aws", "30"))

    alibaba.share_percent = Decimal("70")
    allocation_save(allocation=alibaba)
    alibaba.share_percent = Decimal("71")
    with pytest.raises(ValidationError):
        allocation_save(allocation=alibaba)

    assert Allocation.objects.get(pk=alibaba.pk).share_percent == Decimal("70.00")


def test_the_database_refuses_a_writer_that_bypasses_the_service():
    okx = ExchangeFactory(name="OKX", slug="okx")
    AllocationFactory(exchange=okx, vendor=vendor("alibaba-cloud"), share_percent=Decimal("70"))

    with pytest.raises(IntegrityError), transaction.atomic():
        AllocationFactory(exchange=okx, vendor=vendor("aws"), share_percent=Decimal("31"))
        # PostgreSQL checks at commit time; force the deferred check inside the block.
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert list(okx.allocations.values_list("share_percent", flat=True)) == [Decimal("70.00")]


def test_a_share_outside_0_to_100_is_refused_by_field():
    okx = ExchangeFactory(name="OKX", slug="okx")

    with pytest.raises(ValidationError) as refused:
        allocation_save(allocation=new_allocation(okx, "aws", "120"))

    assert list(refused.value.message_dict) == ["share_percent"]
    assert okx.allocations.count() == 0
