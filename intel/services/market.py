"""Importing market-data readings (CoinGecko /exchanges pages) as history: one MarketDataImport
per run, one MarketFigure per CoinGecko exchange, each matched to an account (website domain,
then alias, then the same name); and the review of the weak or ambiguous matches."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from crm.choices import ExchangeKind
from crm.models import Exchange
from crm.services import evidence_changed, jurisdiction_get_or_create, unique_slug
from intel.choices import AliasKind, MarketSource, MatchMethod, MatchStatus
from intel.marketdata.coingecko import (
    ATTRIBUTION,
    CoinGeckoExchange,
    MarketDataError,
    as_of_from_filenames,
    clean_website,
    country_code,
    parse_page,
)
from intel.matching import AliasEntry, ExchangeEntry, Matcher, MatchResult, normalise_company, normalise_domain
from intel.models import ExchangeAlias, MarketDataImport, MarketFigure

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 50
SHIPPED_FILE = Path(__file__).resolve().parent.parent / "data" / "coingecko_exchanges_2023-01-07.json"
COINGECKO_ALIAS_SOURCE = "built-in (CoinGecko names)"
# A CoinGecko record carries its website: when the domain does not settle it, only the same name
# (after normalising) matches without review. "AEX" is only similar to "Apex", not the same.
MARKET_NAME_THRESHOLD = 100
# Names and domains CoinGecko uses that differ from the catalogue's (by exchange slug). Only
# added for exchanges that exist; never moved from an exchange a person pointed them at.
COINGECKO_ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    # CoinGecko 'gdax' is "Coinbase Exchange" at coinbase.com: the Coinbase account, not the ccxt
    # "Coinbase Exchange" API variant that shares the domain.
    "coinbase": (("coinbase.com", AliasKind.DOMAIN), ("GDAX", AliasKind.NAME), ("Coinbase Pro", AliasKind.NAME)),
    "okx": (("OKEx", AliasKind.NAME), ("okex.com", AliasKind.DOMAIN)),
    "htx": (("Huobi", AliasKind.NAME), ("htx.com", AliasKind.DOMAIN)),
    "mexc": (("MXC", AliasKind.NAME), ("mxc.com", AliasKind.DOMAIN)),
    "gate": (("Gate.io", AliasKind.NAME), ("gate.io", AliasKind.DOMAIN)),
    "cryptocom": (("Crypto.com Exchange", AliasKind.NAME),),
    "woo": (("WOO Network", AliasKind.NAME), ("WOO Trade", AliasKind.NAME), ("woo.org", AliasKind.DOMAIN)),
    # Bitpanda Pro was renamed One Trading (2023); CoinGecko's 2023 reading still says Bitpanda Pro.
    "onetrading": (("Bitpanda Pro", AliasKind.NAME), ("exchange.bitpanda.com", AliasKind.DOMAIN)),
    "bitmex": (("bitmex.com", AliasKind.DOMAIN),),
    "ascendex": (("BitMax", AliasKind.NAME), ("ascendex.com", AliasKind.DOMAIN)),
}


@dataclass
class MarketImportOutcome:
    """What an import did; `is_changed` is False when the same reading was imported before."""

    is_changed: bool
    source: str
    as_of: datetime.date
    rows_read: int = 0
    duplicates: int = 0
    matched: int = 0
    review: int = 0
    unmatched_names: list[str] = field(default_factory=list)
    created_names: list[str] = field(default_factory=list)
    not_created: list[tuple[str, str]] = field(default_factory=list)
    figures_written: int = 0
    exchanges_changed: list[int] = field(default_factory=list)
    aliases_added: int = 0
    batch: MarketDataImport | None = None

    @property
    def unmatched(self) -> int:
        return len(self.unmatched_names)

    @property
    def attribution(self) -> str:
        return f"{ATTRIBUTION} (as of {self.as_of:%Y-%m-%d})"

    def summary_lines(self) -> list[str]:
        if not self.is_changed:
            lines = [
                f"Nothing changed: this reading was imported already "
                f"(import #{self.batch.pk}, as of {self.batch.as_of:%Y-%m-%d})."
            ]
            if self.created_names:
                lines.append(f"Created as prospects: {len(self.created_names)}: {', '.join(self.created_names)}.")
            return [*lines, self.attribution]
        lines = [
            f"{self.rows_read} exchanges read"
            + (f" ({self.duplicates} listed twice, kept once)" if self.duplicates else ""),
            f"matched: {self.matched}; to review: {self.review}; unmatched: {self.unmatched}",
        ]
        if self.unmatched_names:
            lines.append(f"unmatched (not created): {', '.join(self.unmatched_names)}")
        if self.created_names:
            lines.append(f"created as prospects: {len(self.created_names)}: {', '.join(self.created_names)}")
        lines.extend(f"not created: {name}: {reason}" for name, reason in self.not_created)
        lines.append(
            f"figures written: {self.figures_written}; exchanges whose newest figure changed (rescored): "
            f"{len(self.exchanges_changed)}"
        )
        return [*lines, self.attribution]


@transaction.atomic
def market_aliases_ensure() -> int:
    """Add the CoinGecko names and domains (COINGECKO_ALIASES) of the exchanges that exist.
    Idempotent; an alias that already points anywhere is left alone. Returns how many were added."""
    exchanges = dict(Exchange.objects.filter(slug__in=COINGECKO_ALIASES).values_list("slug", "pk"))
    taken = set(ExchangeAlias.objects.values_list("kind", "normalised"))
    added = []
    for slug, entries in COINGECKO_ALIASES.items():
        if slug not in exchanges:
            continue
        for alias, kind in entries:
            key = (kind, ExchangeAlias.normalise(kind, alias))
            if key in taken or not key[1]:
                continue
            taken.add(key)
            added.append(
                ExchangeAlias(exchange_id=exchanges[slug], kind=kind, alias=alias, source=COINGECKO_ALIAS_SOURCE)
            )
    for record in added:
        record.set_normal_forms()
    ExchangeAlias.objects.bulk_create(added)
    return len(added)


def market_matcher_load() -> tuple[Matcher, dict[int, set[str]]]:
    """A Matcher for market data (two queries) and each exchange's names as matching compares them.

    Unlike the badge import's, it does not roll a venue up to its family: Binance US has its own
    volume on CoinGecko and keeps it, apart from Binance's."""
    exchanges = [
        ExchangeEntry(pk, name, website) for pk, name, website in Exchange.objects.values_list("pk", "name", "website")
    ]
    aliases = [AliasEntry(*row) for row in ExchangeAlias.objects.values_list("exchange_id", "alias", "kind")]
    names: dict[int, set[str]] = {entry.id: {normalise_company(entry.name)} for entry in exchanges}
    for alias in aliases:
        if alias.kind == AliasKind.NAME and alias.exchange_id in names:
            names[alias.exchange_id].add(normalise_company(alias.alias))
    return Matcher(exchanges=exchanges, aliases=aliases, threshold=MARKET_NAME_THRESHOLD), names


def _content_sha256(pages: Sequence[bytes]) -> str:
    if len(pages) == 1:
        return hashlib.sha256(pages[0]).hexdigest()  # the same as `sha256sum FILE`
    return hashlib.sha256("\n".join(hashlib.sha256(page).hexdigest() for page in pages).encode()).hexdigest()


def _read_pages(pages: Sequence[bytes], filenames: Sequence[str]) -> list[CoinGeckoExchange]:
    records: list[CoinGeckoExchange] = []
    for number, page in enumerate(pages):
        label = filenames[number] if number < len(filenames) and filenames[number] else f"page {number + 1}"
        records.extend(parse_page(page, label=label))
    return records


@transaction.atomic
def market_data_import(
    *,
    pages: Sequence[bytes],
    source: str = MarketSource.COINGECKO,
    filenames: Sequence[str] = (),
    as_of: datetime.date | None = None,
    is_from_api: bool = False,
    source_url: str = "",
    create_missing: bool = False,
    imported_by=None,
    progress: Progress | None = None,
) -> MarketImportOutcome:
    """Import one reading (the pages of one fetch, or files) as history, all or nothing.

    Raises MarketDataError (naming the page or file, the record and the field) before writing
    anything. The as-of date is `as_of`, else the date in the file names, else today for an API
    fetch. The same pages imported again change nothing. With `create_missing`, exchanges no
    account matches become prospects."""
    if source != MarketSource.COINGECKO:
        raise MarketDataError(f"Unknown market-data source {source!r}; known: {', '.join(MarketSource.values)}.")
    if not pages:
        raise MarketDataError("Nothing to import: no page or file given.")
    records = _read_pages(pages, filenames)
    if as_of is None:
        as_of = as_of_from_filenames(filenames)
    if as_of is None:
        if not is_from_api:
            raise MarketDataError(
                "No as-of date: give one (--as-of YYYY-MM-DD) or put it in the file name (_2023-01-07.json)."
            )
        as_of = timezone.localdate()
    sha256 = _content_sha256(pages)
    aliases_added = market_aliases_ensure()
    previous = MarketDataImport.objects.filter(source=source, content_sha256=sha256).order_by("pk").first()
    if previous is not None:
        outcome = MarketImportOutcome(is_changed=False, source=source, as_of=previous.as_of, batch=previous)
        outcome.aliases_added = aliases_added
        if create_missing:
            _create_missing_for_previous(previous=previous, outcome=outcome)
        return outcome

    matcher, exchange_names = market_matcher_load()
    decisions = _decisions(source=source, source_ids={record.id for record in records})
    newest_before = _newest_figures()
    outcome = MarketImportOutcome(is_changed=True, source=source, as_of=as_of, rows_read=len(records))
    outcome.aliases_added = aliases_added
    batch = MarketDataImport(
        source=source,
        as_of=as_of,
        filename=", ".join(Path(name).name for name in filenames)[:300],
        content_sha256=sha256,
        is_from_api=is_from_api,
        source_url=source_url[:200],
        imported_by=imported_by,
    )
    figures: list[MarketFigure] = []
    seen: set[str] = set()
    total = len(records)
    for done, record in enumerate(records, start=1):
        if record.id in seen:
            outcome.duplicates += 1
        else:
            seen.add(record.id)
            figure = _figure(record, source=source, as_of=as_of)
            decision = decisions.get(record.id)
            if decision is not None:
                _apply_decision(figure, decision)
            else:
                _apply_match(figure, matcher.match(company=record.name, website=record.url))
            figures.append(figure)
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    _settle_collisions(figures, decisions=decisions, exchange_names=exchange_names)
    if create_missing:
        _create_missing(figures, outcome=outcome, as_of=as_of)
    for figure in figures:
        if figure.match_status == MatchStatus.MATCHED:
            outcome.matched += 1
        elif figure.match_status == MatchStatus.REVIEW:
            outcome.review += 1
        elif figure.match_status == MatchStatus.UNMATCHED:
            outcome.unmatched_names.append(f"{figure.source_name} ({figure.source_exchange_id})")
    batch.rows_read = outcome.rows_read
    batch.matched_count, batch.review_count, batch.unmatched_count = outcome.matched, outcome.review, outcome.unmatched
    batch.save()
    for figure in figures:
        figure.market_import = batch
    MarketFigure.objects.bulk_create(figures)
    outcome.batch, outcome.figures_written = batch, len(figures)
    outcome.exchanges_changed = _changed_exchanges(figures, newest_before=newest_before, as_of=as_of)
    evidence_changed(
        exchange_ids=outcome.exchanges_changed, cause="market_figure", reference=f"market_import:{batch.pk}"
    )
    return outcome


def _figure(record: CoinGeckoExchange, *, source: str, as_of: datetime.date) -> MarketFigure:
    website = record.url if record.url.startswith(("http://", "https://")) else ""
    return MarketFigure(
        source=source,
        as_of=as_of,
        source_exchange_id=record.id[:100],
        source_name=record.name[:200],
        source_website=website[:500],
        volume_24h_btc=record.volume_24h_btc,
        volume_24h_btc_normalized=record.volume_24h_btc_normalized,
        trust_score=record.trust_score,
        trust_score_rank=record.trust_score_rank,
        year_established=record.year_established,
        country=record.country[:100],
    )


def _apply_match(figure: MarketFigure, match: MatchResult) -> None:
    figure.exchange_id = match.exchange_id if match.status in (MatchStatus.MATCHED, MatchStatus.REVIEW) else None
    figure.match_method = match.method
    figure.match_confidence = match.confidence
    figure.match_status = match.status
    figure.match_candidates = [candidate.as_dict() for candidate in match.candidates]


@dataclass(frozen=True)
class _Decision:
    exchange_id: int | None
    status: str
    user_id: int | None


def _decisions(*, source: str, source_ids: set[str]) -> dict[str, _Decision]:
    """What people decided for these CoinGecko ids in earlier readings (the latest decision each):
    a later reading keeps it instead of matching again. One query."""
    decided = (
        MarketFigure.objects.filter(source=source, source_exchange_id__in=source_ids, reviewed_at__isnull=False)
        .order_by("source_exchange_id", "-reviewed_at", "-pk")
        .values_list("source_exchange_id", "exchange_id", "match_status", "reviewed_by_id")
    )
    decisions: dict[str, _Decision] = {}
    for source_id, exchange_id, status, user_id in decided:
        if source_id not in decisions and not (status == MatchStatus.MATCHED and exchange_id is None):
            decisions[source_id] = _Decision(exchange_id, status, user_id)
    return decisions


def _apply_decision(figure: MarketFigure, decision: _Decision) -> None:
    figure.exchange_id = decision.exchange_id
    figure.match_method = MatchMethod.MANUAL
    figure.match_confidence = 100
    figure.match_status = decision.status
    figure.match_candidates = []


def _settle_collisions(
    figures: list[MarketFigure], *, decisions: dict[str, _Decision], exchange_names: dict[int, set[str]]
) -> None:
    """Several CoinGecko entries of one reading matched to one exchange (Uniswap's deployments
    share app.uniswap.org): the one whose name is the exchange's keeps the match, the others go
    to review; when none or several are, all go to review. A person's decision stands."""
    by_exchange: dict[int, list[MarketFigure]] = {}
    for figure in figures:
        if figure.match_status == MatchStatus.MATCHED and figure.source_exchange_id not in decisions:
            by_exchange.setdefault(figure.exchange_id, []).append(figure)
    for exchange_id, claimants in by_exchange.items():
        if len(claimants) < 2:
            continue
        names = exchange_names.get(exchange_id, set())
        same_name = [figure for figure in claimants if normalise_company(figure.source_name) in names]
        keep = same_name[0] if len(same_name) == 1 else None
        for figure in claimants:
            if figure is keep:
                continue
            figure.match_status = MatchStatus.REVIEW
            figure.match_confidence = min(figure.match_confidence, 70)
            figure.match_candidates = [
                {**candidate, "confidence": min(candidate["confidence"], 70)} for candidate in figure.match_candidates
            ] or [{"exchange_id": exchange_id, "name": "", "confidence": 70}]


def _newest_figures() -> dict[int, tuple]:
    return {
        row[0]: row[1:]
        for row in MarketFigure.objects.newest_per_exchange().values_list(
            "exchange_id",
            "as_of",
            "volume_24h_btc",
            "volume_24h_btc_normalized",
            "trust_score",
            "trust_score_rank",
        )
    }


def _changed_exchanges(
    figures: list[MarketFigure], *, newest_before: dict[int, tuple], as_of: datetime.date
) -> list[int]:
    """The exchanges whose newest figure this reading changed: a first figure, or a reading at
    least as recent as the newest one with other values. Backfilled history changes nothing."""
    changed = []
    for figure in figures:
        if figure.match_status != MatchStatus.MATCHED or figure.exchange_id is None:
            continue
        values = (
            figure.volume_24h_btc,
            figure.volume_24h_btc_normalized,
            figure.trust_score,
            figure.trust_score_rank,
        )
        before = newest_before.get(figure.exchange_id)
        if before is None or (as_of >= before[0] and tuple(before[1:]) != values):
            changed.append(figure.exchange_id)
    return sorted(set(changed))


def _create_missing(
    figures: list[MarketFigure], *, outcome: MarketImportOutcome, as_of: datetime.date
) -> list[MarketFigure]:
    """Create a prospect for each unmatched CoinGecko entry; entries that share one website with
    others (a protocol's deployments on several chains) are listed, not created. Returns the
    figures it attached to a new exchange."""
    unmatched = [figure for figure in figures if figure.match_status == MatchStatus.UNMATCHED]
    hosts: dict[str, int] = {}
    for figure in unmatched:
        host = normalise_domain(figure.source_website)
        if host:
            hosts[host] = hosts.get(host, 0) + 1
    taken = set(Exchange.objects.values_list("slug", flat=True))
    jurisdictions: dict[str, object] = {}
    attached = []
    for figure in unmatched:
        host = normalise_domain(figure.source_website)
        label = f"{figure.source_name} ({figure.source_exchange_id})"
        if host and hosts[host] > 1:
            outcome.not_created.append(
                (label, f"shares its website {host} with {hosts[host] - 1} other CoinGecko entries")
            )
            continue
        code = country_code(figure.country)
        if code and code not in jurisdictions:
            jurisdictions[code] = jurisdiction_get_or_create(code=code)
        exchange = Exchange(
            name=figure.source_name,
            slug=unique_slug(figure.source_exchange_id.replace("_", "-"), taken),
            website=clean_website(figure.source_website)[:200],
            kind=ExchangeKind.OTHER,
            headquarters=jurisdictions.get(code),
            notes=(
                f"Created by the CoinGecko import from its entry {figure.source_exchange_id!r} "
                f"(reading as of {as_of:%Y-%m-%d}). Kind unknown: CoinGecko's /exchanges does not say whether "
                "it is centralised."
                + ("" if code or not figure.country else f" Country {figure.country!r} not resolved.")
            ),
        )
        exchange.full_clean(validate_unique=False)
        exchange.save()
        figure.exchange = exchange
        figure.match_method = MatchMethod.MANUAL
        figure.match_confidence = 100
        figure.match_status = MatchStatus.MATCHED
        figure.match_candidates = []
        outcome.created_names.append(label)
        attached.append(figure)
    return attached


def _create_missing_for_previous(*, previous: MarketDataImport, outcome: MarketImportOutcome) -> None:
    """`--create-missing` on a reading imported before without it: create the prospects now and
    attach that reading's unmatched figures to them."""
    figures = list(previous.figures.filter(match_status=MatchStatus.UNMATCHED))
    newest_before = _newest_figures()
    attached = _create_missing(figures, outcome=outcome, as_of=previous.as_of)
    if not attached:
        return
    MarketFigure.objects.bulk_update(
        attached, ["exchange", "match_method", "match_confidence", "match_status", "match_candidates"]
    )
    previous.matched_count += len(attached)
    previous.unmatched_count -= len(attached)
    previous.save(update_fields=["matched_count", "unmatched_count"])
    outcome.exchanges_changed = _changed_exchanges(attached, newest_before=newest_before, as_of=previous.as_of)
    evidence_changed(
        exchange_ids=outcome.exchanges_changed, cause="market_figure", reference=f"market_import:{previous.pk}"
    )


def market_data_load_shipped(*, create_missing: bool = False, progress: Progress | None = None) -> list[str]:
    """Import the CoinGecko reading shipped with the product (intel/data, as of 2023-01-07).
    Idempotent: a second run says nothing changed. Returns the summary lines."""
    outcome = market_data_import(
        pages=[SHIPPED_FILE.read_bytes()],
        filenames=[SHIPPED_FILE.name],
        create_missing=create_missing,
        progress=progress,
    )
    return outcome.summary_lines()
