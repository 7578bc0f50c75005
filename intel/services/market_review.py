"""The market-data review queue: a person confirms the suggested exchange, chooses another, or
says none of ours; later readings of the same source entry keep the decision."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import Exchange
from crm.services import evidence_changed
from intel.choices import MatchMethod, MatchStatus
from intel.models import MarketFigure

# The review queue: a person confirms the suggested exchange, chooses another, or says none.


def _check_visible(*, exchange_id: int, user) -> None:
    if user is not None and not Exchange.objects.visible_to(user).filter(pk=exchange_id).exists():
        raise PermissionDenied(f"You may not see exchange #{exchange_id}, so you cannot match market figures to it.")


def _decide(*, figure: MarketFigure, exchange_id: int | None, method: str, status: str, user) -> MarketFigure:
    figure = MarketFigure.objects.select_for_update().get(pk=figure.pk)
    now = timezone.now()
    # The same CoinGecko entry waiting in older readings gets the same decision.
    others = MarketFigure.objects.filter(
        source=figure.source,
        source_exchange_id=figure.source_exchange_id,
        match_status=MatchStatus.REVIEW,
        reviewed_at__isnull=True,
    ).exclude(pk=figure.pk)
    touched = {
        pk
        for pk in (
            figure.exchange_id if figure.match_status == MatchStatus.MATCHED else None,
            exchange_id,
        )
        if pk
    }
    values = {
        "exchange_id": exchange_id,
        "match_method": method,
        "match_confidence": 100,
        "match_status": status,
        "reviewed_by": user,
        "reviewed_at": now,
    }
    others.update(**values)
    for name, value in values.items():
        setattr(figure, name, value)
    figure.save()
    evidence_changed(exchange_ids=touched, cause="market_figure", reference=f"market_figure:{figure.pk}")
    return figure


@transaction.atomic
def market_figure_match_confirm(*, figure: MarketFigure, user) -> MarketFigure:
    """Accept the exchange the matching suggested (its method is kept)."""
    if figure.exchange_id is None:
        raise ValidationError(
            {"exchange": f"{figure.source_name} has no suggested exchange to confirm; choose one instead."}
        )
    _check_visible(exchange_id=figure.exchange_id, user=user)
    return _decide(
        figure=figure, exchange_id=figure.exchange_id, method=figure.match_method, status=MatchStatus.MATCHED, user=user
    )


@transaction.atomic
def market_figure_match_choose(*, figure: MarketFigure, exchange: Exchange, user) -> MarketFigure:
    """Match to the exchange a person chose; later readings of this CoinGecko entry keep it."""
    _check_visible(exchange_id=exchange.pk, user=user)
    return _decide(
        figure=figure, exchange_id=exchange.pk, method=MatchMethod.MANUAL, status=MatchStatus.MATCHED, user=user
    )


@transaction.atomic
def market_figure_mark_unmatched(*, figure: MarketFigure, user) -> MarketFigure:
    """None of the accounts is this CoinGecko entry: off the queue, and later readings keep it so."""
    return _decide(figure=figure, exchange_id=None, method=MatchMethod.MANUAL, status=MatchStatus.UNMATCHED, user=user)
