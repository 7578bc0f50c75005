"""Matching a person met at an event (or a market-data or register record) to an exchange: email
domain or website first, then known aliases, then similar names. Pure: the caller loads the exchanges
and aliases once and passes them in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

from intel.choices import AliasKind, MatchMethod, MatchStatus

# At or above: matched without review. Below, down to the floor: the review queue.
MATCH_THRESHOLD = 85
REVIEW_FLOOR = 60
# Two different exchanges scoring within this many points of each other need a person to choose.
AMBIGUITY_MARGIN = 5

EMAIL_DOMAIN_CONFIDENCE = 95
EMAIL_DOMAIN_SHARED_CONFIDENCE = 70  # the domain belongs to several unrelated exchanges
ALIAS_CONFIDENCE = 95

# Mailboxes anyone can have: their domain says nothing about the employer.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.jp",
        "ymail.com",
        "outlook.com",
        "outlook.jp",
        "hotmail.com",
        "hotmail.co.jp",
        "live.com",
        "live.jp",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "au.com",
        "softbank.ne.jp",
        "i.softbank.jp",
        "nifty.com",
        "example.com",
    }
)

# Words that say what kind of company it is, not which one.
COMPANY_NOISE_WORDS = frozenset(
    {
        "exchange",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "llc",
        "corp",
        "corporation",
        "co",
        "company",
        "pte",
        "plc",
        "gmbh",
        "sa",
        "ag",
        "kk",
        "global",
        "the",
    }
)
# Words that say where a company works, not which company it is: "BingX Japan" is BingX. They are
# dropped before names are compared, so that "PwC Japan" does not look like "OKX Japan".
REGION_WORDS = frozenset(
    {
        "japan",
        "jp",
        "japanese",
        "tokyo",
        "singapore",
        "sg",
        "global",
        "international",
        "intl",
        "asia",
        "apac",
        "pacific",
        "korea",
        "kr",
        "hong",
        "kong",
        "hk",
        "china",
        "cn",
        "taiwan",
        "tw",
        "thailand",
        "th",
        "vietnam",
        "vn",
        "indonesia",
        "india",
        "australia",
        "europe",
        "uk",
        "dubai",
        "uae",
        "mena",
        "latam",
        "日本",
        "ジャパン",
        "シンガポール",
    }
)
# A leading word this long or longer that is the whole name of an exchange points at that exchange.
LEADING_WORD_MIN_LENGTH = 3
LEADING_WORD_CONFIDENCE = 80
CLOUD_VENDOR_CONFIDENCE = 95
COMPANY_NOISE_JAPANESE = ("株式会社", "有限会社", "合同会社", "(株)", "（株）", "㈱", "取引所")
_PUNCTUATION = re.compile(r"[^\w]+", re.UNICODE)


def normalise_company(name: str) -> str:
    """Lower-case, half-width, without punctuation and words like 'Exchange', 'Ltd', '株式会社'.

    >>> normalise_company("ＯＫＸ Exchange, Ltd.")
    'okx'
    """
    text = unicodedata.normalize("NFKC", name or "")
    for noise in COMPANY_NOISE_JAPANESE:
        text = text.replace(unicodedata.normalize("NFKC", noise), " ")
    text = text.casefold().replace("_", " ")
    words = [word for word in _PUNCTUATION.sub(" ", text).split() if word not in COMPANY_NOISE_WORDS]
    return " ".join(words)


def distinctive_name(normalised: str) -> str:
    """A normalised company name without the words that only say where it works.

    >>> distinctive_name("bingx japan")
    'bingx'
    """
    return " ".join(word for word in normalised.split() if word not in REGION_WORDS)


def normalise_person(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "").casefold()
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def normalise_domain(value: str) -> str:
    """A domain from an email address, URL or bare host: lower-case, without 'www.'."""
    text = unicodedata.normalize("NFKC", value or "").strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    elif "//" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/", 1)[0].strip(".")
    return text.removeprefix("www.")


def parent_domains(domain: str) -> list[str]:
    """jp.okx.com -> [jp.okx.com, okx.com]: a subsidiary's mail domain still names its exchange."""
    parts = domain.split(".")
    return [".".join(parts[index:]) for index in range(len(parts) - 1)]


@dataclass(frozen=True)
class ExchangeEntry:
    """What matching needs to know about one exchange."""

    id: int
    name: str
    website: str = ""
    family_id: int | None = None


@dataclass(frozen=True)
class VendorEntry:
    """A cloud vendor: its people are not exchange staff, whatever else their badge says."""

    name: str
    website: str = ""
    other_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class AliasEntry:
    exchange_id: int
    alias: str
    kind: str = AliasKind.NAME


@dataclass(frozen=True)
class Candidate:
    exchange_id: int
    name: str
    confidence: int

    def as_dict(self) -> dict:
        return {"exchange_id": self.exchange_id, "name": self.name, "confidence": self.confidence}


@dataclass(frozen=True)
class MatchResult:
    exchange_id: int | None
    method: str
    confidence: int
    status: str
    candidates: tuple[Candidate, ...] = ()
    reason: str = ""


NO_MATCH = MatchResult(None, MatchMethod.NONE, 0, MatchStatus.UNMATCHED, (), "no exchange found")


@dataclass
class Matcher:
    """Matches (company, email) pairs against a fixed set of exchanges and aliases.

    Build it once per import; results are cached per distinct (company, email domain), so a file
    where a thousand people work for a hundred companies costs a hundred look-ups."""

    exchanges: Iterable[ExchangeEntry]
    aliases: Iterable[AliasEntry] = ()
    vendors: Iterable[VendorEntry] = ()
    threshold: int = MATCH_THRESHOLD
    review_floor: int = REVIEW_FLOOR
    _by_id: dict[int, ExchangeEntry] = field(init=False, repr=False)
    _by_domain: dict[str, set[int]] = field(init=False, repr=False)
    _by_alias: dict[str, int] = field(init=False, repr=False)
    _by_name: dict[str, set[int]] = field(init=False, repr=False)
    _choices: list[str] = field(init=False, repr=False)
    _choice_ids: list[set[int]] = field(init=False, repr=False)
    _choice_index: dict[str, int] = field(init=False, repr=False)
    _vendor_names: dict[str, str] = field(init=False, repr=False)
    _vendor_domains: dict[str, str] = field(init=False, repr=False)
    _cache: dict[tuple[str, str], MatchResult] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {entry.id: entry for entry in self.exchanges}
        self._by_domain, self._by_alias, self._by_name = {}, {}, {}
        for entry in self._by_id.values():
            domain = normalise_domain(entry.website)
            if domain:
                self._by_domain.setdefault(domain, set()).add(entry.id)
            name = normalise_company(entry.name)
            if name:
                self._by_name.setdefault(name, set()).add(entry.id)
        for alias in self.aliases:
            if alias.exchange_id not in self._by_id:
                continue
            if alias.kind == AliasKind.DOMAIN:
                domain = normalise_domain(alias.alias)
                # A domain a person put in the alias table wins over the catalogue's websites.
                self._by_domain[domain] = {alias.exchange_id}
            else:
                self._by_alias[normalise_company(alias.alias)] = alias.exchange_id
        # Similar names are compared without region words, on both sides.
        names: dict[str, set[int]] = {}
        for name, ids in self._by_name.items():
            names.setdefault(distinctive_name(name) or name, set()).update(ids)
        for alias, exchange_id in self._by_alias.items():
            names.setdefault(distinctive_name(alias) or alias, set()).add(exchange_id)
        self._choices = list(names)
        self._choice_ids = [names[name] for name in self._choices]
        self._choice_index = {name: index for index, name in enumerate(self._choices)}
        self._vendor_names, self._vendor_domains = {}, {}
        for vendor in self.vendors:
            for vendor_name in (vendor.name, *vendor.other_names):
                distinctive = distinctive_name(normalise_company(vendor_name))
                if distinctive:
                    self._vendor_names[distinctive] = vendor.name
            domain = normalise_domain(vendor.website)
            # aws.amazon.com: people there write from amazon.com.
            for vendor_domain in parent_domains(domain)[-2:] if domain else ():
                self._vendor_domains[vendor_domain] = vendor.name
        self._cache = {}

    def root(self, exchange_id: int) -> int:
        """The account an exchange belongs to: Binance USDⓈ-M counts as Binance."""
        family_id = self._by_id[exchange_id].family_id
        return family_id if family_id in self._by_id else exchange_id

    def _candidate(self, exchange_id: int, confidence: int) -> Candidate:
        return Candidate(exchange_id, self._by_id[exchange_id].name, confidence)

    def match(self, *, company: str, email: str = "", website: str = "") -> MatchResult:
        """Match a company by its mail domain (or, for a record without one, its website), then
        by known alias, then by similar name."""
        domain = normalise_domain(email) if "@" in (email or "") else ""
        if not domain and website:
            domain = normalise_domain(website)
        name = normalise_company(company)
        key = (name, domain)
        if key not in self._cache:
            self._cache[key] = self._match(name, domain)
        return self._cache[key]

    def _match(self, name: str, domain: str) -> MatchResult:
        by_domain = self._match_domain(name, domain)
        if by_domain is not None:
            return by_domain
        if name and name in self._by_alias:
            exchange_id = self._by_alias[name]
            return MatchResult(
                exchange_id,
                MatchMethod.ALIAS,
                ALIAS_CONFIDENCE,
                MatchStatus.MATCHED,
                (self._candidate(exchange_id, ALIAS_CONFIDENCE),),
                "a known alias",
            )
        vendor = self._vendor(name, domain)
        if vendor:
            return MatchResult(
                None,
                MatchMethod.CLOUD_VENDOR,
                CLOUD_VENDOR_CONFIDENCE,
                MatchStatus.NOT_AN_EXCHANGE,
                (),
                f"works for {vendor}, a cloud vendor",
            )
        return self._match_name(name) if name else NO_MATCH

    def _vendor(self, name: str, domain: str) -> str:
        """The cloud vendor a company name or mail domain names ('' if none): "Tencent Cloud Japan",
        "Amazon Web Services", or a mailbox at amazon.com."""
        if domain:
            for candidate_domain in parent_domains(domain):
                if candidate_domain in self._vendor_domains:
                    return self._vendor_domains[candidate_domain]
        words = distinctive_name(name).split()
        for length in range(len(words), 0, -1):
            vendor = self._vendor_names.get(" ".join(words[:length]))
            if vendor:
                return vendor
        return ""

    def _match_domain(self, name: str, domain: str) -> MatchResult | None:
        if not domain or domain in FREE_MAIL_DOMAINS:
            return None
        for candidate_domain in parent_domains(domain):
            ids = self._by_domain.get(candidate_domain)
            if not ids:
                continue
            roots = sorted({self.root(exchange_id) for exchange_id in ids})
            if len(roots) == 1:
                return MatchResult(
                    roots[0],
                    MatchMethod.EMAIL_DOMAIN,
                    EMAIL_DOMAIN_CONFIDENCE,
                    MatchStatus.MATCHED,
                    (self._candidate(roots[0], EMAIL_DOMAIN_CONFIDENCE),),
                    f"email domain {candidate_domain}",
                )
            # Several unrelated exchanges share the domain: the company name may tell them apart.
            scored = sorted(
                ((self._name_score(name, exchange_id), exchange_id) for exchange_id in roots),
                key=lambda pair: (-pair[0], pair[1]),
            )
            (best_score, best_id), (second_score, _) = scored[0], scored[1]
            if best_score >= self.threshold and best_score - second_score > AMBIGUITY_MARGIN:
                return MatchResult(
                    best_id,
                    MatchMethod.EMAIL_DOMAIN,
                    EMAIL_DOMAIN_CONFIDENCE,
                    MatchStatus.MATCHED,
                    (self._candidate(best_id, EMAIL_DOMAIN_CONFIDENCE),),
                    f"email domain {candidate_domain} and company name",
                )
            candidates = tuple(
                self._candidate(exchange_id, EMAIL_DOMAIN_SHARED_CONFIDENCE) for _, exchange_id in scored
            )
            return MatchResult(
                best_id,
                MatchMethod.EMAIL_DOMAIN,
                EMAIL_DOMAIN_SHARED_CONFIDENCE,
                MatchStatus.REVIEW,
                candidates,
                f"email domain {candidate_domain} belongs to {len(roots)} exchanges",
            )
        return None

    def _name_score(self, name: str, exchange_id: int) -> int:
        if not name:
            return 0
        exchange_name = normalise_company(self._by_id[exchange_id].name)
        return round(fuzz.ratio(distinctive_name(name) or name, distinctive_name(exchange_name) or exchange_name))

    def _match_name(self, name: str) -> MatchResult:
        query = distinctive_name(name)
        if not query:
            return NO_MATCH
        found = process.extract(query, self._choices, scorer=fuzz.ratio, limit=5, score_cutoff=self.review_floor)
        best: dict[int, int] = {}
        leading = query.split()[0]
        for choice, score, index in found:
            # "Sakura Ventures" is not "Kraken Futures": two names of several words must start alike.
            if " " in query and " " in choice and fuzz.ratio(leading, choice.split()[0]) < self.review_floor:
                continue
            for exchange_id in self._choice_ids[index]:
                root = self.root(exchange_id)
                best[root] = max(best.get(root, 0), round(score))
        # "Bitget Wallet": a leading word that is an exchange's whole name points at that exchange,
        # above names that merely look alike.
        if len(leading) >= LEADING_WORD_MIN_LENGTH and leading != query:
            for exchange_id in self._leading_ids(leading):
                root = self.root(exchange_id)
                best[root] = max(best.get(root, 0), LEADING_WORD_CONFIDENCE)
        if not best:
            return NO_MATCH
        ranked = sorted(best.items(), key=lambda pair: (-pair[1], pair[0]))
        candidates = tuple(self._candidate(exchange_id, score) for exchange_id, score in ranked[:3])
        top_id, top_score = ranked[0]
        is_ambiguous = len(ranked) > 1 and top_score - ranked[1][1] <= AMBIGUITY_MARGIN
        if top_score >= self.threshold and not is_ambiguous:
            return MatchResult(top_id, MatchMethod.FUZZY_NAME, top_score, MatchStatus.MATCHED, candidates, "same name")
        reason = "similar names of several exchanges" if is_ambiguous else f"similar name ({top_score}%)"
        return MatchResult(top_id, MatchMethod.FUZZY_NAME, top_score, MatchStatus.REVIEW, candidates, reason)

    def _leading_ids(self, word: str) -> set[int]:
        index = self._choice_index.get(word)
        return self._choice_ids[index] if index is not None else set()
