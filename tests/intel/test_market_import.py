"""Importing CoinGecko readings against the real exchange catalogue: exact matches, history,
re-imports, review, bad input writing nothing, prospects created on request, and the command."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from crm.choices import ExchangeKind
from crm.demo import load_accounts
from crm.models import EvidenceChange, Exchange
from intel.choices import MatchMethod, MatchStatus
from intel.marketdata.coingecko import MarketDataError
from intel.models import ExchangeAlias, MarketDataImport, MarketFigure
from intel.services import (
    market_data_import,
    market_data_load_shipped,
    market_figure_mark_unmatched,
    market_figure_match_choose,
    market_figure_match_confirm,
)
from intel.services.market import COINGECKO_ALIAS_SOURCE, SHIPPED_FILE
from tests.crm.factories import ExchangeFactory, UserFactory
from tests.intel.fake_coingecko import FakeCoinGecko, Script

pytestmark = pytest.mark.django_db

SHIPPED = SHIPPED_FILE.read_bytes()
AS_OF = datetime.date(2023, 1, 7)
DEX_DEPLOYMENTS = ["uniswap_v2", "uniswap_v3_polygon_pos", "uniswap_v3_optimism", "uniswap_v3_arbitrum"]


@pytest.fixture
def catalogue():
    """The real catalogue (crm/data/ccxt_exchanges.json), without outbox rows of its own."""
    load_accounts()
    EvidenceChange.objects.all().delete()
    return {exchange.slug: exchange for exchange in Exchange.objects.all()}


def records(**changes) -> list[dict]:
    """The shipped records, with some fields of some records changed: records(gdax={...})."""
    loaded = json.loads(SHIPPED)
    for record in loaded:
        record.update(changes.get(record["id"], {}))
    return loaded


def page(items: list[dict]) -> bytes:
    return json.dumps(items).encode()


def figure(source_id: str, market_import=None) -> MarketFigure:
    figures = MarketFigure.objects.filter(source_exchange_id=source_id).select_related("exchange")
    if market_import is not None:
        figures = figures.filter(market_import=market_import)
    return figures.get()


def test_the_shipped_reading_matches_the_catalogue(catalogue):
    progress = []

    outcome = market_data_import(pages=[SHIPPED], filenames=[SHIPPED_FILE.name], progress=lambda *a: progress.append(a))

    assert (outcome.rows_read, outcome.matched, outcome.review, outcome.unmatched, outcome.figures_written) == (
        100,
        47,
        27,
        26,
        100,
    )
    assert outcome.as_of == AS_OF
    assert progress == [(50, 100), (100, 100)]
    batch = MarketDataImport.objects.get()
    assert (batch.filename, batch.as_of, batch.rows_read, batch.matched_count, batch.review_count) == (
        "coingecko_exchanges_2023-01-07.json",
        AS_OF,
        100,
        47,
        27,
    )
    assert batch.unmatched_count == 26
    gdax = figure("gdax")
    assert (gdax.exchange.slug, gdax.match_status, gdax.volume_24h_btc, gdax.trust_score_rank) == (
        "coinbase",
        MatchStatus.MATCHED,
        Decimal("32899.4535"),
        1,
    )
    matched = dict(MarketFigure.objects.matched().values_list("source_exchange_id", "exchange__slug"))
    assert {
        source_id: matched.get(source_id)
        for source_id in (
            "kraken",  # an affiliate link at r.kraken.com
            "okex",
            "huobi",
            "mxc",
            "crypto_com",
            "bybit_spot",
            "gate",  # gate.io; the catalogue says gate.com
            "binance_us",
            "binance",
            "bitstamp",  # links.bitstamp.net
            "gemini",  # an affiliate link elsewhere: the same name
            "bitpanda",  # Bitpanda Pro, now One Trading
            "bitcoin_com",
            "gmo_japan",
            "bitmex_spot",
            "aex",  # only similar to Apex
        )
    } == {
        "kraken": "kraken",
        "okex": "okx",
        "huobi": "htx",
        "mxc": "mexc",
        "crypto_com": "cryptocom",
        "bybit_spot": "bybit",
        "gate": "gate",
        "binance_us": "binanceus",
        "binance": "binance",
        "bitstamp": "bitstamp",
        "gemini": "gemini",
        "bitpanda": "onetrading",
        "bitcoin_com": "fmfwio",
        "gmo_japan": None,
        "bitmex_spot": None,
        "aex": None,
    }
    assert figure("aex").match_status == MatchStatus.REVIEW
    assert figure("gmo_japan").match_status == MatchStatus.UNMATCHED
    assert {figure(source_id).match_status for source_id in DEX_DEPLOYMENTS} == {MatchStatus.UNMATCHED}
    assert len(outcome.exchanges_changed) == 47
    assert EvidenceChange.objects.filter(cause="market_figure").count() == 47
    assert outcome.aliases_added == ExchangeAlias.objects.filter(source=COINGECKO_ALIAS_SOURCE).count() == 17
    assert outcome.summary_lines()[-1] == "Data provided by CoinGecko (as of 2023-01-07)"


def test_bitmex_spot_matches_bitmex_once_the_account_exists(catalogue):
    ExchangeFactory(slug="bitmex", name="BitMEX", website="https://www.bitmex.com")

    market_data_import(pages=[SHIPPED], filenames=[SHIPPED_FILE.name])

    assert (figure("bitmex_spot").exchange.slug, figure("bitmex_spot").match_status) == ("bitmex", MatchStatus.MATCHED)


def test_a_reading_without_the_normalized_volume(catalogue):
    items = records()
    for item in items:
        del item["trade_volume_24h_btc_normalized"]

    outcome = market_data_import(pages=[page(items)], as_of=datetime.date(2025, 7, 1))

    assert (outcome.matched, outcome.review, outcome.unmatched) == (47, 27, 26)
    gdax = figure("gdax")
    assert (gdax.volume_24h_btc, gdax.volume_24h_btc_normalized, gdax.as_of) == (
        Decimal("32899.4535"),
        None,
        datetime.date(2025, 7, 1),
    )


def test_the_same_file_again_changes_nothing(catalogue):
    market_data_import(pages=[SHIPPED], filenames=[SHIPPED_FILE.name])
    EvidenceChange.objects.all().delete()

    outcome = market_data_import(pages=[SHIPPED], filenames=["renamed_2023-01-07.json"])

    assert outcome.is_changed is False
    batch = MarketDataImport.objects.get()
    assert outcome.summary_lines()[0] == (
        f"Nothing changed: this reading was imported already (import #{batch.pk}, as of 2023-01-07)."
    )
    assert (MarketDataImport.objects.count(), MarketFigure.objects.count(), EvidenceChange.objects.count()) == (
        1,
        100,
        0,
    )


def test_a_newer_reading_adds_history_and_rescores_only_what_changed(catalogue):
    first = market_data_import(pages=[SHIPPED], filenames=[SHIPPED_FILE.name]).batch
    EvidenceChange.objects.all().delete()
    newer = records(gdax={"trade_volume_24h_btc": 40000.123456})

    outcome = market_data_import(pages=[page(newer)], filenames=["coingecko_exchanges_2023-01-08.json"])

    assert (MarketDataImport.objects.count(), MarketFigure.objects.count(), outcome.figures_written) == (2, 200, 100)
    assert outcome.exchanges_changed == [catalogue["coinbase"].pk]
    assert list(EvidenceChange.objects.values_list("exchange__slug", "cause")) == [("coinbase", "market_figure")]
    history = list(
        MarketFigure.objects.filter(exchange=catalogue["coinbase"])
        .order_by("as_of")
        .values_list("as_of", "volume_24h_btc")
    )
    assert history == [(AS_OF, Decimal("32899.4535")), (datetime.date(2023, 1, 8), Decimal("40000.1235"))]
    newest = MarketFigure.objects.newest_per_exchange().get(exchange=catalogue["coinbase"])
    assert (newest.as_of, newest.market_import_id) == (datetime.date(2023, 1, 8), outcome.batch.pk)
    assert figure("gdax", first).volume_24h_btc == Decimal("32899.4535")  # never overwritten


def test_an_older_reading_is_history_only(catalogue):
    market_data_import(pages=[SHIPPED], filenames=[SHIPPED_FILE.name])
    EvidenceChange.objects.all().delete()

    outcome = market_data_import(
        pages=[page(records(gdax={"trade_volume_24h_btc": 1.0}))], filenames=["coingecko_exchanges_2022-12-01.json"]
    )

    assert outcome.exchanges_changed == []
    assert EvidenceChange.objects.count() == 0
    assert MarketFigure.objects.newest_per_exchange().get(exchange=catalogue["coinbase"]).as_of == AS_OF


def test_an_ambiguous_record_goes_to_review_with_its_candidates(catalogue):
    # www.binance.com is the website of Binance, Binance COIN-M and Binance USDⓈ-M.
    items = [{"id": "binance_futures", "name": "Binance Futures", "url": "https://www.binance.com/en/futures"}]

    outcome = market_data_import(pages=[page(items)], as_of=AS_OF)

    assert (outcome.matched, outcome.review, outcome.unmatched) == (0, 1, 0)
    futures = figure("binance_futures")
    assert (futures.match_status, futures.match_method, futures.match_confidence) == (
        MatchStatus.REVIEW,
        MatchMethod.EMAIL_DOMAIN,
        70,
    )
    assert [candidate["name"] for candidate in futures.match_candidates] == [
        "Binance USDⓈ-M",
        "Binance",
        "Binance COIN-M",
    ]
    assert outcome.exchanges_changed == []


def test_deployments_sharing_one_website_do_not_all_attach_to_one_exchange(catalogue):
    uniswap = ExchangeFactory(
        slug="uniswap", name="Uniswap", website="https://uniswap.org", kind=ExchangeKind.DECENTRALISED
    )
    items = [item for item in records() if item["id"] in DEX_DEPLOYMENTS]

    outcome = market_data_import(pages=[page(items)], as_of=AS_OF)

    assert (outcome.matched, outcome.review) == (0, 4)
    assert {(f.exchange_id, f.match_status) for f in MarketFigure.objects.all()} == {(uniswap.pk, MatchStatus.REVIEW)}

    # The entry that is Uniswap itself keeps the match; its deployments wait for a person.
    items.append({"id": "uniswap", "name": "Uniswap", "url": "https://app.uniswap.org/"})
    outcome = market_data_import(pages=[page(items)], as_of=datetime.date(2023, 1, 8))

    assert (outcome.matched, outcome.review) == (1, 4)
    assert MarketFigure.objects.matched().get().source_exchange_id == "uniswap"


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        ([b"<html>Too Many Requests</html>"], "p1.json: not valid JSON (Expecting value, line 1, column 1)."),
        (
            [b'{"error": "invalid"}'],
            "p1.json: expected a JSON list of exchanges (CoinGecko /exchanges), got an object (it says: invalid).",
        ),
        (
            [SHIPPED, page([{"id": "a", "name": "A"}, {"id": "b"}])],
            "p2.json: record #2 (id 'b'): field 'name' is missing or empty.",
        ),
        (
            [page(records(kraken={"trade_volume_24h_btc": "n/a"}))],
            "p1.json: record #4 (id 'kraken'): field 'trade_volume_24h_btc' is not a number: \"n/a\".",
        ),
    ],
)
def test_bad_input_writes_nothing(catalogue, pages, message):
    aliases = ExchangeAlias.objects.count()

    with pytest.raises(MarketDataError) as error:
        market_data_import(pages=pages, filenames=["p1.json", "p2.json"][: len(pages)], as_of=AS_OF)

    assert str(error.value) == message
    assert (MarketDataImport.objects.count(), MarketFigure.objects.count(), EvidenceChange.objects.count()) == (0, 0, 0)
    assert ExchangeAlias.objects.count() == aliases


def test_a_file_without_a_date_needs_one():
    with pytest.raises(MarketDataError) as error:
        market_data_import(pages=[SHIPPED], filenames=["exchanges.json"])
    assert str(error.value) == (
        "No as-of date: give one (--as-of YYYY-MM-DD) or put it in the file name (_2023-01-07.json)."
    )


def test_create_missing_makes_prospects_but_not_of_shared_websites(catalogue):
    before = Exchange.objects.count()

    outcome = market_data_import(pages=[SHIPPED], filenames=[SHIPPED_FILE.name], create_missing=True)

    assert (len(outcome.created_names), len(outcome.not_created), outcome.unmatched) == (17, 9, 9)
    assert Exchange.objects.count() == before + 17
    assert outcome.not_created[0] == (
        "Uniswap (v2) (uniswap_v2)",
        "shares its website app.uniswap.org with 3 other CoinGecko entries",
    )
    gmo = Exchange.objects.get(slug="gmo-japan")
    assert (gmo.name, gmo.website, gmo.headquarters.code, gmo.kind) == (
        "GMO Japan",
        "https://coin.z.com/jp/",
        "JP",
        ExchangeKind.OTHER,
    )
    currency = Exchange.objects.get(slug="currency")
    assert (currency.website, currency.headquarters.code) == ("https://currency.com/", "GI")
    assert Exchange.objects.get(slug="bitazza").headquarters is None  # CoinGecko gives no country
    assert (figure("gmo_japan").exchange, figure("gmo_japan").match_status) == (gmo, MatchStatus.MATCHED)
    assert outcome.matched == 47 + 17
    assert len(outcome.exchanges_changed) == 47 + 17
    assert "created as prospects: 17: AscendEX (BitMax) (bitmax), Bitazza (bitazza)" in outcome.summary_lines()[3]


def test_create_missing_after_a_plain_import_of_the_same_file(catalogue):
    market_data_import(pages=[SHIPPED], filenames=[SHIPPED_FILE.name])

    outcome = market_data_import(pages=[SHIPPED], filenames=[SHIPPED_FILE.name], create_missing=True)

    assert (outcome.is_changed, len(outcome.created_names), MarketFigure.objects.count()) == (False, 17, 100)
    batch = MarketDataImport.objects.get()
    assert (batch.matched_count, batch.unmatched_count) == (64, 9)
    assert figure("gmo_japan").exchange.slug == "gmo-japan"


def test_a_person_decides_and_later_readings_keep_it(catalogue):
    user = UserFactory(is_superuser=True)
    market_data_import(pages=[SHIPPED], filenames=[SHIPPED_FILE.name])
    EvidenceChange.objects.all().delete()

    okcoin = market_figure_match_choose(figure=figure("okcoin"), exchange=catalogue["okx"], user=user)
    aex = market_figure_mark_unmatched(figure=figure("aex"), user=user)
    bittrex = market_figure_match_confirm(figure=figure("bittrex"), user=user)

    assert (okcoin.exchange.slug, okcoin.match_status, okcoin.match_method, okcoin.reviewed_by) == (
        "okx",
        MatchStatus.MATCHED,
        MatchMethod.MANUAL,
        user,
    )
    assert (aex.exchange, aex.match_status) == (None, MatchStatus.UNMATCHED)
    assert (bittrex.exchange.slug, bittrex.match_status, bittrex.match_method) == (
        "bittrade",
        MatchStatus.MATCHED,
        MatchMethod.FUZZY_NAME,
    )
    assert sorted(EvidenceChange.objects.values_list("exchange__slug", flat=True)) == ["bittrade", "okx"]

    outcome = market_data_import(pages=[page(records())], filenames=["coingecko_exchanges_2023-01-08.json"])

    later = {f.source_exchange_id: f for f in MarketFigure.objects.filter(market_import=outcome.batch)}
    assert (later["okcoin"].exchange.slug, later["okcoin"].match_status, later["okcoin"].match_method) == (
        "okx",
        MatchStatus.MATCHED,
        MatchMethod.MANUAL,
    )
    assert (later["aex"].exchange, later["aex"].match_status) == (None, MatchStatus.UNMATCHED)
    assert later["bittrex"].exchange.slug == "bittrade"
    assert (outcome.matched, outcome.review, outcome.unmatched) == (49, 24, 27)


def test_the_shipped_reading_loads_once():
    first = market_data_load_shipped()
    second = market_data_load_shipped()

    assert first[0] == "100 exchanges read"
    assert second[0].startswith("Nothing changed: this reading was imported already")
    assert MarketFigure.objects.count() == 100


def test_the_command_prints_progress_and_a_summary(catalogue, capsys):
    call_command("import_market_data", "coingecko", str(SHIPPED_FILE))

    out = capsys.readouterr().out
    assert "100 exchanges read\n" in out
    assert "  matched: 47; to review: 27; unmatched: 26\n" in out
    assert "  unmatched (not created): AscendEX (BitMax) (bitmax), Bitazza (bitazza)," in out
    assert "  figures written: 100; exchanges whose newest figure changed (rescored): 47\n" in out
    assert out.endswith("  Data provided by CoinGecko (as of 2023-01-07)\n")


def test_the_command_refuses_bad_input_and_writes_nothing(catalogue, tmp_path):
    bad = tmp_path / "coingecko_2023-01-07.json"
    bad.write_bytes(page(records(bybit_spot={"trade_volume_24h_btc": "lots"})))

    with pytest.raises(CommandError) as error:
        call_command("import_market_data", "coingecko", str(bad))

    assert str(error.value) == (
        f"{bad}: record #5 (id 'bybit_spot'): field 'trade_volume_24h_btc' is not a number: \"lots\". "
        "Nothing was imported."
    )
    assert MarketFigure.objects.count() == 0


def test_the_command_fetches_from_the_api(catalogue, settings, monkeypatch, capsys):
    monkeypatch.setenv("COINGECKO_API_KEY", "demo-key")
    settings.COINGECKO_MIN_INTERVAL_SECONDS = 0
    with FakeCoinGecko(Script(api_key="demo-key")) as server:
        settings.COINGECKO_API_URL = server.url
        call_command("import_market_data", "coingecko", "--api", "--per-page", "60", "--as-of", "2023-01-07")

    batch = MarketDataImport.objects.get()
    assert (batch.is_from_api, batch.source_url, batch.rows_read, batch.matched_count) == (
        True,
        f"{server.url}/exchanges?per_page=60&page=1",
        100,
        47,
    )
    assert batch.filename == "coingecko_exchanges_2023-01-07_p1.json, coingecko_exchanges_2023-01-07_p2.json"
    assert "  fetched page 2 (100 exchanges so far)\n" in capsys.readouterr().out


def test_the_command_gives_up_on_the_api_and_writes_nothing(catalogue, settings, monkeypatch):
    monkeypatch.delenv("COINGECKO_API_KEY", raising=False)
    settings.COINGECKO_MIN_INTERVAL_SECONDS = 0
    settings.COINGECKO_BACKOFF_SECONDS = 0
    settings.COINGECKO_MAX_ATTEMPTS = 2
    with FakeCoinGecko(Script(failures=5, status=500)) as server:
        settings.COINGECKO_API_URL = server.url
        with pytest.raises(CommandError) as error:
            call_command("import_market_data", "coingecko", "--api")

    assert str(error.value).endswith("HTTP 500 (500: scripted); gave up after 2 attempts. Nothing was imported.")
    assert (MarketDataImport.objects.count(), MarketFigure.objects.count()) == (0, 0)


def test_the_number_of_queries_does_not_grow_with_the_reading(catalogue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from intel.services import market_aliases_ensure

    market_aliases_ensure()  # the first run adds the CoinGecko aliases: one query more, once
    counts = []
    for day, items in ((1, records()[:10]), (2, records())):
        with CaptureQueriesContext(connection) as queries:
            market_data_import(pages=[page(items)], as_of=datetime.date(2023, 1, day))
        counts.append(len(queries.captured_queries))

    # Only the figures' bulk insert may take more statements, where the database caps the
    # parameters of one statement (SQLite: 999); on PostgreSQL the counts are equal.
    fields = [field for field in MarketFigure._meta.concrete_fields if not field.primary_key]
    batch = connection.ops.bulk_batch_size(fields, [None] * 100) or 100
    assert counts[1] - counts[0] == -(-100 // batch) - 1
