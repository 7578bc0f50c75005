"""The size tier of an exchange: set by hand, or read from its newest market figure against the
scoring model's thresholds. Pure; leads.scoring calls it and stores nothing else about size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from leads.parameters import ScoringParameters
from leads.sentences import gettext_noop, message


@dataclass(frozen=True, slots=True)
class MarketFigureFact:
    """The newest market figure of an exchange (e.g. CoinGecko's 24h volume), with its source and date."""

    id: int
    source: str
    as_of: datetime.date
    volume_24h_btc: float | None
    volume_24h_btc_normalized: float | None = None
    trust_score_rank: int | None = None

    @property
    def volume_btc(self) -> float | None:
        """The volume a tier is read from: the normalized one where the source gives it (it
        discounts wash trading), else the reported one."""
        return self.volume_24h_btc_normalized if self.volume_24h_btc_normalized is not None else self.volume_24h_btc


@dataclass(frozen=True, slots=True)
class SizeVerdict:
    """The size tier in effect and what it rests on: 'hand' (a person set it), 'market' (the newest
    market figure under the model's thresholds) or 'none'."""

    tier: str
    basis: str
    figure: MarketFigureFact | None = None


def size_in_effect(
    *, size_tier_by_hand: str, figure: MarketFigureFact | None, parameters: ScoringParameters
) -> SizeVerdict:
    """The one answer to "how big is this exchange": a tier set by hand wins; else the newest
    market figure's volume against the model's thresholds; else unknown."""
    if size_tier_by_hand and size_tier_by_hand != "unknown":
        return SizeVerdict(size_tier_by_hand, "hand", figure)
    volume = figure.volume_btc if figure is not None else None
    if volume is None:
        return SizeVerdict("unknown", "none", figure)
    if volume >= parameters.size_large_volume_btc:
        tier = "large"
    elif volume >= parameters.size_mid_volume_btc:
        tier = "mid"
    else:
        tier = "small"
    return SizeVerdict(tier, "market", figure)


def figure_clause(figure: MarketFigureFact) -> dict:
    """The figure as a clause of a factor's sentence (leads.sentences renders it):
    '24h volume 9,450 BTC, rank 21 on CoinGecko (2023-01-07)'."""
    params = {"volume": figure.volume_btc, "source": figure.source, "date": figure.as_of.isoformat()}
    if figure.trust_score_rank is None:
        return message(gettext_noop("24h volume %(volume)s BTC on %(source)s (%(date)s)"), **params)
    return message(
        gettext_noop("24h volume %(volume)s BTC, rank %(rank)s on %(source)s (%(date)s)"),
        rank=figure.trust_score_rank,
        **params,
    )
