"""Data migrations: rows saved before a migration get what it adds."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("crm", "0009_rep_language"), ("intel", "0008_event_timezone_validated")]
AFTER = [("crm", "0010_allocation_region_code"), ("intel", "0009_signal_vendor_region_code")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_allocations_and_outages_get_the_region_code_their_text_names():
    # given an allocation and two outages saved before regions were structured
    old = migrate(BEFORE)
    vendor = old.get_model("crm", "CloudVendor")
    aws, alibaba = vendor.objects.get(slug="aws"), vendor.objects.get(slug="alibaba-cloud")
    exchange = old.get_model("crm", "Exchange").objects.create(name="Bybit", slug="bybit")
    allocation = old.get_model("crm", "Allocation").objects.create(
        exchange=exchange,
        vendor=aws,
        share_percent=100,
        region="ap-southeast-1 (apse1-az2, apse1-az3)",
        evidence_source="self_published",
        confidence=95,
        observed_on=datetime.date(2025, 8, 25),
    )
    signal = old.get_model("intel", "Signal")
    tokyo = signal.objects.create(
        kind="outage",
        title="t",
        occurred_at=datetime.datetime(2025, 4, 15, tzinfo=datetime.UTC),
        vendor=aws,
        vendor_region="ap-northeast-1 (apne1-az4)",
    )
    somewhere = signal.objects.create(
        kind="outage",
        title="t",
        occurred_at=datetime.datetime(2022, 12, 18, tzinfo=datetime.UTC),
        vendor=alibaba,
        vendor_region="one zone",
    )

    # when the migrations run
    new = migrate(AFTER)

    # then each row has the code its text names, the text as it was, and an unknown text stays unknown
    assert new.get_model("crm", "Allocation").objects.values_list("region", "region_code").get(pk=allocation.pk) == (
        "ap-southeast-1 (apse1-az2, apse1-az3)",
        "ap-southeast-1",
    )
    signals = dict(new.get_model("intel", "Signal").objects.values_list("pk", "vendor_region_code"))
    assert (signals[tokyo.pk], signals[somewhere.pk]) == ("ap-northeast-1", "")
    migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
