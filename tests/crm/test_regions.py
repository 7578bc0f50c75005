"""The vendors' region catalogue (crm/data/cloud_regions.csv) and the reader of what people write."""

import pytest

from crm.reference_data import REGIONS_PATH, REGIONS_SOURCE, VENDORS
from crm.regions import RegionError, region_code_clean, region_label, region_resolve, vendor_regions


def test_the_catalogue_lists_the_six_vendors_by_their_slugs_each_code_once():
    regions = vendor_regions()
    vendors = {region.vendor for region in regions}
    assert vendors == {"aws", "google-cloud", "microsoft-azure", "alibaba-cloud", "tencent-cloud", "huawei-cloud"}
    assert vendors <= {vendor["slug"] for vendor in VENDORS}
    assert len({(region.vendor, region.code) for region in regions}) == len(regions)


def test_the_catalogue_has_its_source_and_date_beside_it():
    attribution = REGIONS_PATH.with_name("cloud_regions.ATTRIBUTION.md").read_text(encoding="utf-8")
    assert REGIONS_SOURCE == "The vendors' public region lists, as published by the vendor, compiled 2026-12-01"
    assert "as published by the vendor, compiled 2026-12-01" in attribution


@pytest.mark.parametrize(
    ("vendor", "text", "code"),
    [
        ("aws", "ap-northeast-1", "ap-northeast-1"),
        ("aws", "Tokyo", "ap-northeast-1"),
        ("aws", "apne1-az4", "ap-northeast-1"),
        ("aws", "ap-northeast-1 (apne1-az4)", "ap-northeast-1"),
        ("aws", "AP-NORTHEAST-1A", "ap-northeast-1"),
        ("aws", "ａｐ－ｎｏｒｔｈｅａｓｔ－１", "ap-northeast-1"),
        ("aws", "ap-southeast-1 (apse1-az2, apse1-az3)", "ap-southeast-1"),
        ("aws", "Hong Kong", "ap-east-1"),
        ("google-cloud", "asia-east2", "asia-east2"),
        ("google-cloud", "asia-northeast1-b", "asia-northeast1"),
        ("microsoft-azure", "East US 2", "eastus2"),
        ("microsoft-azure", "East US", "eastus"),
        ("microsoft-azure", "Hong Kong", "eastasia"),
        ("alibaba-cloud", "Hong Kong zone C", "cn-hongkong"),
        ("alibaba-cloud", "cn-hongkong-c", "cn-hongkong"),
        ("alibaba-cloud", "阿里云香港可用区C", "cn-hongkong"),
        ("tencent-cloud", "ap-hongkong-2", "ap-hongkong"),
        ("tencent-cloud", "Singapore", "ap-singapore"),
        ("huawei-cloud", "ap-southeast-1", "ap-southeast-1"),
        ("huawei-cloud", "AP-Singapore", "ap-southeast-3"),
    ],
)
def test_a_code_a_city_an_alias_or_a_zone_names_the_vendor_s_region(vendor, text, code):
    assert region_resolve(vendor=vendor, text=text) == code


@pytest.mark.parametrize(
    ("vendor", "text"),
    [
        ("aws", ""),
        ("aws", "our own racks"),
        ("aws", "Tokyo and Osaka"),  # two regions: neither
        ("aws", "us-east-10"),
        ("microsoft-azure", "Virginia"),  # East US and East US 2 are both in Virginia
        ("oracle-cloud", "Tokyo"),  # no catalogue for the vendor
    ],
)
def test_a_text_that_names_no_single_region_of_the_vendor_is_region_unknown(vendor, text):
    assert region_resolve(vendor=vendor, text=text) == ""


def test_a_code_given_as_such_is_the_vendor_s_code_or_an_error_saying_which_are():
    assert region_code_clean(vendor="aws", value="Tokyo") == "ap-northeast-1"
    assert region_code_clean(vendor="aws", value="") == ""
    with pytest.raises(RegionError, match=r"^'mars-1' is not a region of vendor 'aws'; use one of: af-south-1|ap-"):
        region_code_clean(vendor="aws", value="mars-1")
    with pytest.raises(RegionError, match="There is no region catalogue for vendor 'oracle-cloud'"):
        region_code_clean(vendor="oracle-cloud", value="ap-tokyo-1")


def test_a_region_reads_as_its_code_and_city():
    assert region_label("aws", "ap-northeast-1") == "ap-northeast-1 (Tokyo)"
    assert region_label("alibaba-cloud", "cn-hongkong") == "cn-hongkong (Hong Kong)"
    assert region_label("aws", "") == ""
