"""Outage reach (pure): an outage hits the allocations in its region, possibly affects those whose
region is unknown, and misses those in another region or on another vendor."""

from decimal import Decimal

import pytest

from crm.regions import region_resolve
from intel.outages import AffectedExchange, AllocationFact, Reach, affected_exchanges, outage_exposure, outage_reach

AWS, ALIBABA, TENCENT, HUAWEI = 1, 2, 3, 4
SLUGS = {AWS: "aws", ALIBABA: "alibaba-cloud", TENCENT: "tencent-cloud", HUAWEI: "huawei-cloud"}


def reach(vendor: int, allocation_text: str, outage_vendor: int, outage_text: str) -> Reach:
    """Both sides as people write them, resolved through the region catalogue."""
    return outage_reach(
        allocation_vendor_id=vendor,
        allocation_region_code=region_resolve(vendor=SLUGS[vendor], text=allocation_text),
        outage_vendor_id=outage_vendor,
        outage_region_code=region_resolve(vendor=SLUGS[outage_vendor], text=outage_text),
    )


@pytest.mark.parametrize(
    ("vendor", "allocation", "outage", "expected"),
    [
        # AWS: codes, cities, zone names and zone ids
        (AWS, "ap-northeast-1", "ap-northeast-1 (Tokyo)", Reach.HIT),
        (AWS, "Tokyo", "apne1-az4", Reach.HIT),
        (AWS, "ap-northeast-1 (apne1-az4)", "ap-northeast-1a", Reach.HIT),
        (AWS, "ap-southeast-1 (apse1-az2, apse1-az3)", "ap-northeast-1 (Tokyo)", Reach.NONE),
        (AWS, "", "ap-northeast-1", Reach.POSSIBLE),
        (AWS, "ap-southeast-1", "", Reach.POSSIBLE),
        (AWS, "our own racks", "ap-northeast-1", Reach.POSSIBLE),
        # Alibaba Cloud: cn-hongkong, its zones and how people write them
        (ALIBABA, "Hong Kong zone C", "cn-hongkong", Reach.HIT),
        (ALIBABA, "cn-hongkong-c", "香港", Reach.HIT),
        (ALIBABA, "ap-southeast-1", "Hong Kong zone C", Reach.NONE),
        (ALIBABA, "Singapore", "ap-southeast-1", Reach.HIT),
        # Tencent Cloud: ap-hongkong and its numbered zones
        (TENCENT, "ap-hongkong-2", "Hong Kong", Reach.HIT),
        (TENCENT, "ap-singapore", "ap-hongkong", Reach.NONE),
        (TENCENT, "", "ap-hongkong", Reach.POSSIBLE),
        # Huawei Cloud: its ap-southeast-1 is Hong Kong, its Singapore is ap-southeast-3
        (HUAWEI, "ap-southeast-1", "AP-Hong Kong", Reach.HIT),
        (HUAWEI, "Singapore", "ap-southeast-3a", Reach.HIT),
        (HUAWEI, "ap-southeast-1", "Singapore", Reach.NONE),
    ],
)
def test_an_outage_reaches_an_allocation_by_region(vendor, allocation, outage, expected):
    assert reach(vendor, allocation, vendor, outage) == expected


def test_an_outage_at_another_vendor_reaches_nothing_even_in_the_same_region():
    assert reach(AWS, "ap-northeast-1", ALIBABA, "ap-northeast-1") == Reach.NONE
    assert outage_reach(
        allocation_vendor_id=AWS, allocation_region_code="", outage_vendor_id=None, outage_region_code=""
    ) == (Reach.NONE)


def test_an_exchange_is_hit_through_its_largest_share_in_the_region_before_any_possible_hit():
    allocations = [
        AllocationFact(10, AWS, "wallets", Decimal("30"), "Tokyo", "ap-northeast-1"),
        AllocationFact(10, AWS, "all", Decimal("70"), "", ""),
        AllocationFact(10, ALIBABA, "trading_engine", Decimal("100"), "", "ap-northeast-1"),
    ]

    exposure = outage_exposure(outage_vendor_id=AWS, outage_region_code="ap-northeast-1", allocations=allocations)

    assert (exposure.reach, exposure.share_percent, exposure.workload) == (Reach.HIT, Decimal("30"), "wallets")


def test_an_exchange_the_source_names_is_hit_whatever_its_region():
    allocations = [AllocationFact(10, AWS, "all", Decimal("60"), "Singapore", "ap-southeast-1")]

    missed = outage_exposure(outage_vendor_id=AWS, outage_region_code="ap-northeast-1", allocations=allocations)
    named = outage_exposure(
        outage_vendor_id=AWS, outage_region_code="ap-northeast-1", allocations=allocations, names_exchange=True
    )
    unknown_share = outage_exposure(
        outage_vendor_id=ALIBABA, outage_region_code="cn-hongkong", allocations=allocations, names_exchange=True
    )

    assert missed is None
    assert (named.reach, named.share_percent, named.is_named_by_source) == (Reach.HIT, Decimal("60"), True)
    assert (unknown_share.reach, unknown_share.share_percent) == (Reach.HIT, None)


def test_the_exchanges_an_outage_reaches_hit_first_then_possibly_affected_largest_share_first():
    allocations = [
        AllocationFact(10, ALIBABA, "all", Decimal("60"), "Hong Kong zone C", "cn-hongkong"),
        AllocationFact(10, AWS, "all", Decimal("40")),
        AllocationFact(11, ALIBABA, "trading_engine", Decimal("20"), "cn-hongkong-b", "cn-hongkong"),
        AllocationFact(11, ALIBABA, "ai", Decimal("80"), "Singapore", "ap-southeast-1"),
        AllocationFact(12, ALIBABA, "all", Decimal("90")),
        AllocationFact(13, ALIBABA, "all", Decimal("0"), "", "cn-hongkong"),
        AllocationFact(15, ALIBABA, "all", Decimal("100"), "Tokyo", "ap-northeast-1"),
    ]

    affected = affected_exchanges(
        vendor_id=ALIBABA, region_code="cn-hongkong", allocations=allocations, named_exchange_ids=[10, 14]
    )

    assert affected == [
        AffectedExchange(10, Decimal("60"), "all", "Hong Kong zone C", True, Reach.HIT, "cn-hongkong"),
        AffectedExchange(11, Decimal("20"), "trading_engine", "cn-hongkong-b", False, Reach.HIT, "cn-hongkong"),
        AffectedExchange(14, None, "", "", True, Reach.HIT, ""),
        AffectedExchange(12, Decimal("90"), "all", "", False, Reach.POSSIBLE, ""),
    ]
