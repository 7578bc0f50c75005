"""Matching a register's firm to an exchange with the badge import's Matcher: its website, then its
legal name, commercial name and names in other scripts. Registers list group entities ("OKX Europe
Limited", "Payward Europe Solutions"), so a table of them is added to the aliases. Pure."""

from __future__ import annotations

from collections.abc import Mapping

from intel.choices import MatchMethod, MatchStatus
from intel.matching import NO_MATCH, AliasEntry, Candidate, Matcher, MatchResult, normalise_company, normalise_domain
from intel.registers.records import RegisterRecord

# The group entities the registers list, by the ccxt id of the exchange they belong to. Their names
# share too little with the exchange's ("Payward" is Kraken's company, "Foris DAX" Crypto.com's) for
# similar-name matching, and a wrong guess would give an exchange someone else's licence. Sources:
# the registers' own listings of which group company runs which platform (intel/data/registers.ATTRIBUTION.md).
GROUP_ENTITIES: dict[str, tuple[str, ...]] = {
    "okx": (
        "OKX Europe Limited",
        "OKCoin Japan",
        "OKJ",
        "オーケーコイン・ジャパン",
        "オーケーコイン・ジャパン株式会社",
        "OKX SG Pte Ltd",
        "OKX Middle East Fintech FZE",
    ),
    "bybit": ("Bybit EU GmbH", "Bybit Fintech Ltd", "Spark Fintech"),
    "binance": ("Binance Japan", "Binance Japan株式会社", "Binance FZE", "Binance Holdings"),
    "kraken": (
        "Payward Europe Solutions",
        "Payward Europe Solutions Limited",
        "Payward Global Solutions Limited",
        "Payward Asia",
        "Payward Asia株式会社",
        "Kraken Japan",
    ),
    "cryptocom": ("Foris DAX MT", "Foris DAX MT Limited", "Foris DAX Asia"),
    "gate": ("Gate Technology Limited", "Gate Japan", "Gate Japan株式会社"),
    "bitstamp": ("Bitstamp Europe S.A.",),
    "kucoin": ("KuCoin EU Exchange GmbH", "KuCoin EU"),
    "coinbase": ("Coinbase Luxembourg S.A.", "Coinbase株式会社", "Coinbase Japan", "Coinbase Singapore"),
    "gemini": ("Gemini Intergalactic EU Ltd",),
    "whitebit": ("WB-Shields Innovations GmbH", "WhiteBIT EU"),
    "blockchaincom": ("Blue Cube (Malta) Limited",),
    "bullish": ("Bullish Europe GmbH",),
    "bitget": ("Bitget Ltd",),
    "deribit": ("Deribit FZE",),
    "bittrade": ("ビットトレード株式会社", "Huobi Japan"),
    "hashkey": ("HashKey Japan", "HashKey Japan株式会社", "Hash Blockchain Ltd", "HashKey Exchange"),
    "htx": ("Huobi HK", "HBGL"),
    "upbit": ("Upbit Singapore",),
}
# Firms whose names look like an exchange's but are another company: never matched, never queued.
NOT_THE_EXCHANGE: dict[str, str] = {
    "GG Digital": "Golden Gate (CZ), not Gate",
    "Golden Gate": "Golden Gate (CZ), not Gate",
    "UAB Decentralized": "CoinGate (LT), not Gate",
    "CoinGate": "CoinGate (LT), not Gate",
}
NOT_THE_EXCHANGE_DOMAINS: dict[str, str] = {
    "goldengate.cz": "Golden Gate (CZ), not Gate",
    "coingate.com": "CoinGate (LT), not Gate",
}
# Registers name firms formally: a similar name below this is another company, not a review item.
REVIEW_FLOOR = 80
# Legal forms say what kind of company it is, not which: "Bitvavo B.V." is Bitvavo.
LEGAL_FORM_WORDS = frozenset(
    {
        "a",
        "ab",
        "as",
        "b",
        "bv",
        "eg",
        "fze",
        "fzco",
        "kg",
        "n",
        "nv",
        "o",
        "ood",
        "oy",
        "r",
        "s",
        "sarl",
        "sas",
        "sasu",
        "se",
        "sl",
        "sro",
        "srl",
        "spa",
        "uab",
        "v",
        "aktiengesellschaft",
    }
)


def matching_name(name: str) -> str:
    """A firm's name without its legal form, for the Matcher: 'GG Digital, a.s.' -> 'gg digital'."""
    return " ".join(word for word in normalise_company(name).split() if word not in LEGAL_FORM_WORDS)


_NOT_THE_EXCHANGE = {matching_name(name): reason for name, reason in NOT_THE_EXCHANGE.items()}


def group_aliases(exchange_ids: Mapping[str, int]) -> list[AliasEntry]:
    """The group entities as aliases of the exchanges present (`exchange_ids`: ccxt id or slug -> id)."""
    return [
        AliasEntry(exchange_id=exchange_ids[code], alias=matching_name(name))
        for code, names in GROUP_ENTITIES.items()
        if code in exchange_ids
        for name in names
    ]


def record_match(matcher: Matcher, record: RegisterRecord) -> MatchResult:
    """The exchange a register firm belongs to. Matched only when its website, a known alias or an
    identical name says so and no name points elsewhere; similar names go to review, never a guess."""
    names = [matching_name(name) for name in record.names]
    domain = normalise_domain(record.website)
    reason = next((_NOT_THE_EXCHANGE[name] for name in names if name in _NOT_THE_EXCHANGE), "")
    reason = reason or NOT_THE_EXCHANGE_DOMAINS.get(domain, "")
    if reason:
        return MatchResult(None, MatchMethod.NONE, 0, MatchStatus.UNMATCHED, (), reason)
    results = [matcher.match(company=names[0] if names else "", website=record.website)]
    results += [matcher.match(company=name) for name in names[1:] if name]
    sure = [result for result in results if result.status == MatchStatus.MATCHED and not _is_weak(result)]
    sure_ids = {result.exchange_id for result in sure}
    if len(sure_ids) == 1:
        return sure[0]  # the website (checked first) is the strongest evidence
    candidates = _candidates(results)
    if not candidates:
        return NO_MATCH
    top = candidates[0]
    if len(sure_ids) <= 1 and top.confidence < REVIEW_FLOOR:
        # "Open Bank" is not LBank: below the floor a register firm is another company, and the
        # review queue would drown in banks and brokers that look a little like an exchange.
        return MatchResult(None, MatchMethod.NONE, 0, MatchStatus.UNMATCHED, candidates, "no name close enough")
    reason = "names of the firm point at several exchanges" if len(sure_ids) > 1 else "similar name, not the same"
    method = next((result.method for result in results if result.exchange_id == top.exchange_id), MatchMethod.NONE)
    return MatchResult(top.exchange_id, method, top.confidence, MatchStatus.REVIEW, candidates, reason)


def _is_weak(result: MatchResult) -> bool:
    return result.method == MatchMethod.FUZZY_NAME and result.confidence < 100


def _candidates(results: list[MatchResult]) -> tuple[Candidate, ...]:
    best: dict[int, Candidate] = {}
    for result in results:
        if result.status not in (MatchStatus.MATCHED, MatchStatus.REVIEW):
            continue
        for candidate in result.candidates:
            if candidate.exchange_id not in best or candidate.confidence > best[candidate.exchange_id].confidence:
                best[candidate.exchange_id] = candidate
    return tuple(sorted(best.values(), key=lambda candidate: (-candidate.confidence, candidate.exchange_id))[:3])
