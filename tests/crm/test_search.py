"""The search normaliser and Exchange.objects.search: full-width, half-width, kana and other names."""

import pytest

from crm.models import Exchange
from crm.search import normalise_search_term, search_forms
from tests.crm.factories import ExchangeFactory
from tests.intel.factories import alias


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("ＯＫＸ", "okx"),  # full-width Latin
        ("ｺｲﾝﾁｪｯｸ", "コインチェック"),  # half-width katakana
        ("こいんちぇっく", "コインチェック"),  # hiragana
        ("  GMO　Coin ", "gmo coin"),  # ideographic space, surrounding spaces
        ("欧易", "欧易"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_a_search_term_is_normalised_to_one_form(term, expected):
    assert normalise_search_term(term) == expected


def test_a_term_is_looked_for_as_typed_folded_and_normalised():
    assert search_forms("ﾋﾞｯﾄ") == ("ﾋﾞｯﾄ", "ビット")
    assert search_forms("びっと") == ("びっと", "ビット")
    assert search_forms(" OKX ") == ("okx",)  # the conditions ignore case: one form is enough
    assert search_forms("   ") == ()


@pytest.fixture
def exchanges(db):
    coincheck = ExchangeFactory(name="Coincheck", slug="coincheck")
    okx = ExchangeFactory(name="OKX", slug="okx")
    binance = ExchangeFactory(name="Binance", slug="binance")
    ExchangeFactory(name="Kraken", slug="kraken")
    alias(coincheck, "コインチェック")
    alias(okx, "欧易")
    alias(okx, "OKEx")
    alias(binance, "バイナンス")
    return {"coincheck": coincheck, "okx": okx, "binance": binance}


def found(term: str) -> list[str]:
    return list(Exchange.objects.search(term).order_by("slug").values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("term", "slugs"),
    [
        ("コインチェック", ["coincheck"]),
        ("ｺｲﾝﾁｪｯｸ", ["coincheck"]),
        ("こいんちぇっく", ["coincheck"]),
        ("チェック", ["coincheck"]),  # part of an alias
        ("欧易", ["okx"]),
        ("ＯＫＸ", ["okx"]),
        ("ｏｋｅｘ", ["okx"]),
        ("バイナンス", ["binance"]),
        ("coin", ["coincheck"]),
        ("KRAK", ["kraken"]),
        ("币安", []),  # nobody taught it this name
    ],
)
def test_exchanges_are_found_by_name_slug_or_alias_in_any_width_or_kana(exchanges, term, slugs):
    assert found(term) == slugs


def test_an_empty_term_finds_every_exchange(exchanges):
    assert found("  ") == ["binance", "coincheck", "kraken", "okx"]


def test_an_exchange_with_two_matching_aliases_is_found_once(exchanges):
    alias(exchanges["okx"], "欧易交易所")

    assert found("欧易") == ["okx"]


def test_the_search_is_one_query_whatever_the_number_of_aliases(exchanges, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert found("欧易") == ["okx"]


def test_an_alias_keeps_its_search_form_when_renamed(exchanges):
    record = exchanges["coincheck"].aliases.get()
    record.alias = "ｺｲﾝﾁｪｯｸ株式会社"
    record.save()

    record.refresh_from_db()
    assert record.search_name == "コインチェック株式会社"
    assert found("コインチェック株式会社") == ["coincheck"]
