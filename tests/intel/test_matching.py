"""Matching people to exchanges: email domain, alias, similar name, threshold (pure)."""

import pytest

from intel.choices import AliasKind, MatchMethod, MatchStatus
from intel.matching import (
    AliasEntry,
    Candidate,
    ExchangeEntry,
    Matcher,
    MatchResult,
    VendorEntry,
    distinctive_name,
    normalise_company,
)

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
    result = matcher.match(company="Binance Wallet")

    assert result == MatchResult(
        2, MatchMethod.FUZZY_NAME, 80, MatchStatus.REVIEW, (Candidate(2, "Binance", 80),), "similar name (80%)"
    )


def test_the_threshold_is_a_setting(matcher):
    lenient = Matcher(exchanges=EXCHANGES, aliases=ALIASES, threshold=80)

    assert lenient.match(company="Binance Wallet").status == MatchStatus.MATCHED


def test_a_name_like_no_exchange_is_not_matched(matcher):
    assert matcher.match(company="ソニー株式会社", email="a@sony.co.jp") == MatchResult(
        None, MatchMethod.NONE, 0, MatchStatus.UNMATCHED, (), "no exchange found"
    )


# The demo's catalogue has "OKX Japan" and "Binance Japan" as aliases; the region word must not make
# every "<Company> Japan" look like them.
REGIONAL = [
    *EXCHANGES,
    ExchangeEntry(8, "BingX", "https://bingx.com"),
    ExchangeEntry(9, "LBank", "https://www.lbank.com"),
    ExchangeEntry(10, "Bitfinex", "https://www.bitfinex.com"),
]
REGIONAL_ALIASES = [*ALIASES, AliasEntry(1, "OKX Japan"), AliasEntry(2, "Binance Japan")]


@pytest.fixture
def regional():
    return Matcher(exchanges=REGIONAL, aliases=REGIONAL_ALIASES)


@pytest.mark.parametrize(("raw", "distinctive"), [("bingx japan", "bingx"), ("pwc japan", "pwc"), ("japan", "")])
def test_region_words_are_not_part_of_the_distinctive_name(raw, distinctive):
    assert distinctive_name(raw) == distinctive


def test_an_exchange_with_a_country_after_its_name_is_that_exchange(regional):
    result = regional.match(company="BingX Japan")

    assert result == MatchResult(
        8,
        MatchMethod.FUZZY_NAME,
        100,
        MatchStatus.MATCHED,
        (Candidate(8, "BingX", 100), Candidate(10, "Bitfinex", 62)),
        "same name",
    )


@pytest.mark.parametrize(("company", "exchange_id"), [("LBank Japan", 9), ("Bitfinex Singapore", 10)])
def test_other_exchanges_in_japan_are_not_sent_to_binance_or_okx(regional, company, exchange_id):
    result = regional.match(company=company)

    assert (result.exchange_id, result.status, result.confidence) == (exchange_id, MatchStatus.MATCHED, 100)


def test_a_company_that_is_not_an_exchange_in_japan_is_matched_to_nothing(regional):
    assert regional.match(company="PwC Japan") == MatchResult(
        None, MatchMethod.NONE, 0, MatchStatus.UNMATCHED, (), "no exchange found"
    )


def test_the_exchange_s_own_japanese_arm_is_still_the_exchange(regional):
    result = regional.match(company="OKX Japan")

    assert (result.exchange_id, result.method, result.status) == (1, MatchMethod.ALIAS, MatchStatus.MATCHED)


def test_two_names_of_several_words_must_start_alike(regional):
    kraken = Matcher(exchanges=[ExchangeEntry(11, "Kraken Futures", "https://futures.kraken.com")])

    assert kraken.match(company="Sakura Ventures").status == MatchStatus.UNMATCHED


VENDORS = [
    VendorEntry("Tencent Cloud", "https://www.tencentcloud.com", ("Tencent",)),
    VendorEntry("AWS", "https://aws.amazon.com", ("Amazon Web Services",)),
]


@pytest.mark.parametrize(
    ("company", "email", "vendor"),
    [
        ("Tencent Cloud", "", "Tencent Cloud"),
        ("Tencent Japan", "", "Tencent Cloud"),
        ("Amazon Web Services Japan G.K.", "", "AWS"),
        ("", "ken@amazon.com", "AWS"),
        ("Freelance", "ken@jp.tencentcloud.com", "Tencent Cloud"),
    ],
)
def test_people_of_a_cloud_vendor_are_not_an_exchange(company, email, vendor):
    matcher = Matcher(exchanges=REGIONAL, aliases=REGIONAL_ALIASES, vendors=VENDORS)

    assert matcher.match(company=company, email=email) == MatchResult(
        None, MatchMethod.CLOUD_VENDOR, 95, MatchStatus.NOT_AN_EXCHANGE, (), f"works for {vendor}, a cloud vendor"
    )


def test_an_exchange_s_own_mail_domain_wins_over_a_vendor_name():
    matcher = Matcher(exchanges=REGIONAL, aliases=REGIONAL_ALIASES, vendors=VENDORS)

    result = matcher.match(company="Tencent Cloud", email="li@okx.com")

    assert (result.exchange_id, result.status) == (1, MatchStatus.MATCHED)
