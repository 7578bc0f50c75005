"""Reading CoinGecko /exchanges pages: the shipped reading, the fields CoinGecko dropped, and bad
input named by record index, id and field."""

import datetime
import json
from decimal import Decimal

import pytest

from intel.marketdata.coingecko import (
    CoinGeckoExchange,
    MarketDataError,
    as_of_from_filename,
    as_of_from_filenames,
    clean_website,
    country_code,
    parse_page,
)
from intel.services.market import SHIPPED_FILE


def test_the_shipped_reading_is_read_whole():
    records = parse_page(SHIPPED_FILE.read_bytes())

    assert len(records) == 100
    assert records[0] == CoinGeckoExchange(
        id="gdax",
        name="Coinbase Exchange",
        url="https://www.coinbase.com",
        country="United States",
        year_established=2012,
        trust_score=10,
        trust_score_rank=1,
        volume_24h_btc=Decimal("32899.4535"),
        volume_24h_btc_normalized=Decimal("32899.4535"),
    )
    assert records[9].id == "bingx"
    assert records[16].country == ""  # mxc: "country": null


def test_a_page_without_the_normalized_volume_is_accepted():
    """CoinGecko stopped serving trade_volume_24h_btc_normalized on 2025-06-16."""
    page = json.dumps([{"id": "kraken", "name": "Kraken", "trade_volume_24h_btc": 7570.7776475}])

    (record,) = parse_page(page)

    assert record.volume_24h_btc == Decimal("7570.7776")
    assert record.volume_24h_btc_normalized is None
    assert record.trust_score is None


@pytest.mark.parametrize(
    ("page", "message"),
    [
        (b"{not json", "f.json: not valid JSON (Expecting property name enclosed in double quotes, line 1, column 2)."),
        (b"[\xff]", "f.json: not UTF-8 text (invalid start byte at byte 1)."),
        (
            b'{"status": {"error_code": 429, "error_message": "You\'ve exceeded the Rate Limit"}}',
            "f.json: expected a JSON list of exchanges (CoinGecko /exchanges), got an object "
            "(it says: You've exceeded the Rate Limit).",
        ),
        (b"[1]", "f.json: record #1 is not an object (found int)."),
        (b'[{"id": "a", "name": "A"}, {"name": "B"}]', "f.json: record #2: field 'id' is missing or empty."),
        (b'[{"id": "bkex", "name": " "}]', "f.json: record #1 (id 'bkex'): field 'name' is missing or empty."),
        (
            b'[{"id": "a", "name": "A"}, {"id": "b", "name": "B", "trade_volume_24h_btc": "12.5"}]',
            "f.json: record #2 (id 'b'): field 'trade_volume_24h_btc' is not a number: \"12.5\".",
        ),
        (
            b'[{"id": "b", "name": "B", "trade_volume_24h_btc_normalized": true}]',
            "f.json: record #1 (id 'b'): field 'trade_volume_24h_btc_normalized' is not a number: true.",
        ),
        (
            b'[{"id": "b", "name": "B", "trade_volume_24h_btc": -1}]',
            "f.json: record #1 (id 'b'): field 'trade_volume_24h_btc' is negative: -1.",
        ),
        (
            b'[{"id": "b", "name": "B", "trust_score_rank": 2.5}]',
            "f.json: record #1 (id 'b'): field 'trust_score_rank' is not a whole number >= 0: 2.5.",
        ),
        (b'[{"id": "b", "name": "B", "url": 7}]', "f.json: record #1 (id 'b'): field 'url' is not text: 7."),
    ],
)
def test_bad_input_names_the_record_and_the_field(page, message):
    with pytest.raises(MarketDataError) as error:
        parse_page(page, label="f.json")

    assert str(error.value) == message


def test_the_as_of_date_comes_from_the_file_name():
    assert as_of_from_filename("intel/data/coingecko_exchanges_2023-01-07.json") == datetime.date(2023, 1, 7)
    assert as_of_from_filename("/tmp/2023-01-01/exchanges.json") is None
    assert as_of_from_filename("exchanges_2023-02-30.json") is None
    assert as_of_from_filenames(["a_2023-01-07_p1.json", "a_2023-01-07_p2.json"]) == datetime.date(2023, 1, 7)
    with pytest.raises(MarketDataError) as error:
        as_of_from_filenames(["a_2023-01-07.json", "b_2023-01-08.json"])
    assert str(error.value) == (
        "The files are of different dates (a_2023-01-07.json (2023-01-07), b_2023-01-08.json (2023-01-08)): "
        "import them one date at a time."
    )


def test_countries_and_websites_for_new_prospects():
    assert [country_code(name) for name in ("United States", "Turkey", "British Virgin Islands", "Atlantis", "")] == [
        "US",
        "TR",
        "VG",
        "",
        "",
    ]
    assert clean_website("https://currency.com/?utm_source=COINGECKO&utm_campaign=listing") == "https://currency.com/"
    assert clean_website("https://www.coinstore.com/#/") == "https://www.coinstore.com/"
    assert clean_website("ftp://example.com") == ""
