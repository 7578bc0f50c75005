"""Reading the exchange catalogue: country codes, URLs and families (pure, no database)."""

import json

import pytest

from crm.catalogue import (
    SNAPSHOT_PATH,
    CatalogueError,
    api_hosts_from,
    normalise_country,
    read_snapshot,
    record_from_description,
)


@pytest.mark.parametrize(
    ("ccxt_code", "iso"), [("UK", "GB"), ("LX", "LU"), ("pt-BR", "BR"), ("EU", "EU"), ("sg", "SG"), ("JP", "JP")]
)
def test_non_iso_country_codes_are_normalised(ccxt_code, iso):
    assert normalise_country(ccxt_code) == iso


def test_a_description_becomes_a_record_with_website_and_api_hosts():
    description = {
        "id": "okx",
        "name": "OKX",
        "countries": ["CN", "US", "UK"],
        "hostname": "www.okx.com",
        "dex": False,
        "urls": {
            "www": "https://www.okx.com",
            "api": {"rest": "https://{hostname}", "ws": "wss://ws.okx.com:8443/ws/v5"},
        },
    }

    record = record_from_description(description, family=None)

    assert record.website == "https://www.okx.com"
    assert record.countries == ("CN", "US", "GB")
    assert record.api_hosts == ("ws.okx.com", "www.okx.com")
    assert record.is_dex is False


def test_unfilled_placeholders_are_left_out_of_the_api_hosts():
    assert api_hosts_from({"a": "https://{region}.api.example.com", "b": ["https://api.example.com/v1"]}, None) == (
        "api.example.com",
    )


def test_the_shipped_snapshot_holds_the_real_catalogue_with_families():
    records = {record.ccxt_id: record for record in read_snapshot()}

    assert len(records) == json.loads(SNAPSHOT_PATH.read_text())["exchanges"].__len__()
    assert records["binanceusdm"].family == "binance"
    assert records["okxus"].family == "okx"
    assert records["okx"].family is None
    assert records["bitteam"].countries == ("GB",)
    assert records["blockchaincom"].countries == ("LU",)
    assert records["foxbit"].countries == ("BR",)


def test_a_malformed_snapshot_is_reported_with_the_record_and_field(tmp_path):
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps({"exchanges": [{"ccxt_id": "a", "name": "A"}, {"ccxt_id": "b"}]}))

    with pytest.raises(CatalogueError) as error:
        read_snapshot(path)

    assert str(error.value) == f"{path}: exchange #2 has no field 'name'."
