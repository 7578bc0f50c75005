"""Matching people to exchanges: email domain, alias, similar name, threshold (pure)."""

import pytest

from intel.choices import AliasKind, MatchMethod, MatchStatus
from intel.matching import AliasEntry, Candidate, ExchangeEntry, Matcher, MatchResult, normalise_company

EXCHANGES = [
    ExchangeEntry(1, "OKX", "https://www.okx.com"),
    ExchangeEntry(2, "Binance", "https://www.binance.com"),
    ExchangeEntry(3, "Binance USDⓈ-M", "https://www.binance.com", family_id=2),
    ExchangeEntry(4, "Coinbase Exchange", "https://coinbase.com/"),
    ExchangeEntry(5, "Coinbase Advanced", "https://www.coinbase.com"),
    ExchangeEntry(6, "bitFlyer", "https://bitflyer.com"),
    ExchangeEntry(7, "HTX", "https://www.huobi.com"),
]
ALIASES = [
    AliasEntry(1, "OKEx"),
    AliasEntry(1, "欧易"),
    AliasEntry(7, "Huobi"),
    AliasEntry(7, "htx.com", AliasKind.DOMAIN),
]


@pytest.fixture
def matcher():
    return Matcher(exchanges=EXCHANGES, aliases=ALIASES)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("OKX Exchange, Ltd.", "okx"),
        ("ＯＫＸ", "okx"),
        ("株式会社bitFlyer", "bitflyer"),
        ("（株）ビットフライヤー", "ビットフライヤー"),
        ("MEXC Global Pte. Ltd", "mexc"),
        ("Crypto.com", "crypto com"),
    ],
)
def test_names_are_normalised_for_case_punctuation_legal_words_and_full_width(raw, normalised):
    assert normalise_company(raw) == normalised


def test_the_email_domain_wins_even_from_a_subsidiary_mailbox(matcher):
    assert matcher.match(company="Some Holding", email="taro@jp.okx.com") == MatchResult(
        1, MatchMethod.EMAIL_DOMAIN, 95, MatchStatus.MATCHED, (Candidate(1, "OKX", 95),), "email domain okx.com"
    )


def test_a_domain_shared_by_variants_matches_the_family(matcher):
    result = matcher.match(company="", email="a@binance.com")

    assert (result.exchange_id, result.method, result.status) == (2, MatchMethod.EMAIL_DOMAIN, MatchStatus.MATCHED)


def test_a_domain_in_the_alias_table_matches(matcher):
    result = matcher.match(company="", email="li@htx.com")

    assert (result.exchange_id, result.method, result.confidence) == (7, MatchMethod.EMAIL_DOMAIN, 95)


def test_a_domain_of_two_unrelated_exchanges_goes_to_review_unless_the_name_decides(matcher):
    unclear = matcher.match(company="", email="a@coinbase.com")
    decided = matcher.match(company="Coinbase Advanced", email="b@coinbase.com")

    assert unclear == MatchResult(
        4,
        MatchMethod.EMAIL_DOMAIN,
        70,
        MatchStatus.REVIEW,
        (Candidate(4, "Coinbase Exchange", 70), Candidate(5, "Coinbase Advanced", 70)),
        "email domain coinbase.com belongs to 2 exchanges",
    )
    assert (decided.exchange_id, decided.status) == (5, MatchStatus.MATCHED)


def test_free_mail_domains_say_nothing_and_the_alias_decides(matcher):
    assert matcher.match(company="欧易", email="someone@gmail.com") == MatchResult(
        1, MatchMethod.ALIAS, 95, MatchStatus.MATCHED, (Candidate(1, "OKX", 95),), "a known alias"
    )


def test_aliases_match_after_normalisation(matcher):
    result = matcher.match(company="ＯＫＥｘ Ltd.")

    assert (result.exchange_id, result.method, result.confidence) == (1, MatchMethod.ALIAS, 95)


def test_a_close_name_at_or_above_the_threshold_is_matched(matcher):
    result = matcher.match(company="Binanse")

    assert (result.exchange_id, result.method, result.confidence, result.status) == (
        2,
        MatchMethod.FUZZY_NAME,
        86,
        MatchStatus.MATCHED,
    )


def test_below_the_threshold_a_similar_name_goes_to_review_with_its_candidates(matcher):
    result = matcher.match(company="Binance Japan")

    assert result == MatchResult(
        2, MatchMethod.FUZZY_NAME, 70, MatchStatus.REVIEW, (Candidate(2, "Binance", 70),), "similar name (70%)"
    )


def test_the_threshold_is_a_setting(matcher):
    lenient = Matcher(exchanges=EXCHANGES, aliases=ALIASES, threshold=70)

    assert lenient.match(company="Binance Japan").status == MatchStatus.MATCHED


def test_a_name_like_no_exchange_is_not_matched(matcher):
    assert matcher.match(company="ソニー株式会社", email="a@sony.co.jp") == MatchResult(
        None, MatchMethod.NONE, 0, MatchStatus.UNMATCHED, (), "no exchange found"
    )
