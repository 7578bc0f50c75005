"""The events subscribers get from scoring: a grade changed, an exchange entered the top N, a signal
was recorded. Each is written as deliveries in the transaction of the rescore that caused it, so a
delivery exists exactly when the change committed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crm.models import Exchange
from intel.choices import SignalKind
from intel.models import Signal
from leads.models import Score, WebhookDelivery, WebhookSubscription
from leads.webhooks.choices import WebhookEvent
from leads.webhooks.services import webhook_event_record


@dataclass(frozen=True)
class GradeChange:
    exchange_id: int
    old_score: int
    old_grade: str
    new_score: int
    new_grade: str


@dataclass(frozen=True)
class Subscribed:
    """What the active subscriptions want, read once per rescore (one query)."""

    events: frozenset[str]
    top_n: dict[int, int]  # subscription id -> its N, for exchange.entered_top_n

    @property
    def largest_top(self) -> int:
        return max(self.top_n.values(), default=0)


def subscribed() -> Subscribed:
    events: set[str] = set()
    top_n: dict[int, int] = {}
    for pk, wanted, size in WebhookSubscription.objects.filter(is_active=True).values_list("pk", "events", "top_n"):
        events.update(wanted)
        if WebhookEvent.ENTERED_TOP_N in wanted:
            top_n[pk] = size
    return Subscribed(frozenset(events), top_n)


def top_prospects(size: int) -> list[int]:
    """The exchange ids of the first `size` of the prospect list (accounts to defend left out)."""
    if size <= 0:
        return []
    return list(
        Score.objects.prospects().order_by("-score", "exchange_id").values_list("exchange_id", flat=True)[:size]
    )


def score_events_record(
    *,
    wanted: Subscribed,
    grade_changes: Sequence[GradeChange],
    top_before: Sequence[int] | None,
    model_version: int,
    cause: str,
) -> int:
    """Write the deliveries a rescore causes; returns how many. `top_before` is the prospect top
    read before the scores were written (None when nobody subscribes to it)."""
    entered: list[tuple[int, int, list[int]]] = []  # exchange id, rank, subscription ids
    if top_before is not None and wanted.top_n:
        top_after = top_prospects(wanted.largest_top)
        for rank, exchange_id in enumerate(top_after, start=1):
            receivers = [
                pk for pk, size in wanted.top_n.items() if rank <= size and exchange_id not in top_before[:size]
            ]
            if receivers:
                entered.append((exchange_id, rank, receivers))
    if WebhookEvent.GRADE_CHANGED not in wanted.events:
        grade_changes = ()
    ids = {change.exchange_id for change in grade_changes} | {exchange_id for exchange_id, _, _ in entered}
    if not ids:
        return 0
    names = dict(Exchange.objects.filter(pk__in=ids).values_list("pk", "slug"))
    scores = {
        pk: (score, factors)
        for pk, score, factors in Score.objects.filter(exchange_id__in=ids).values_list(
            "exchange_id", "score", "factors"
        )
    }
    written = 0
    for change in grade_changes:
        written += len(
            webhook_event_record(
                event=WebhookEvent.GRADE_CHANGED,
                exchange_id=change.exchange_id,
                payload={
                    "exchange": names.get(change.exchange_id, ""),
                    "old_grade": change.old_grade,
                    "new_grade": change.new_grade,
                    "old_score": change.old_score,
                    "new_score": change.new_score,
                    "model_version": model_version,
                    "cause": cause,
                },
                factors=scores.get(change.exchange_id, (None, []))[1],
            )
        )
    for exchange_id, rank, receivers in entered:
        written += len(
            webhook_event_record(
                event=WebhookEvent.ENTERED_TOP_N,
                exchange_id=exchange_id,
                subscription_ids=receivers,
                payload={
                    "exchange": names.get(exchange_id, ""),
                    "rank": rank,
                    "score": scores.get(exchange_id, (None, []))[0],
                    "model_version": model_version,
                    "cause": cause,
                },
                factors=scores.get(exchange_id, (None, []))[1],
            )
        )
    return written


def signals_recorded_emit(*, references: Iterable[str]) -> int:
    """Deliveries for signals whose evidence changes were just served (references 'signal:<id>'):
    `signal.recorded` for every signal, and `licence.changed` too for a register's licence change.
    A signal is announced once per event, whichever batch of its exchanges is served first."""
    signal_ids = sorted(
        {int(reference.split(":", 1)[1]) for reference in references if reference.startswith("signal:")}
    )
    if not signal_ids:
        return 0
    events = subscribed().events
    written = 0
    if WebhookEvent.SIGNAL_RECORDED in events:
        written += _signal_event_emit(WebhookEvent.SIGNAL_RECORDED, Signal.objects.filter(pk__in=signal_ids))
    if WebhookEvent.LICENCE_CHANGED in events:
        licence_changes = Signal.objects.filter(pk__in=signal_ids, kind=SignalKind.LICENCE_CHANGE)
        written += _signal_event_emit(WebhookEvent.LICENCE_CHANGED, licence_changes)
    return written


def _signal_event_emit(event: str, signals) -> int:
    announced = set(
        WebhookDelivery.objects.filter(
            event=event, payload__signal_id__in=list(signals.values_list("pk", flat=True))
        ).values_list("payload__signal_id", flat=True)
    )
    written = 0
    for signal in (
        signals.exclude(pk__in=announced).select_related("vendor", "jurisdiction").prefetch_related("exchanges")
    ):
        exchanges = sorted(signal.exchanges.all(), key=lambda e: e.slug)
        payload = {
            "signal_id": signal.pk,
            "kind": signal.kind,
            "title": signal.title,
            "occurred_at": signal.occurred_at.isoformat(),
            "severity": signal.severity,
            "source_url": signal.source_url,
            "vendor": signal.vendor.slug if signal.vendor_id else None,
            "jurisdiction": signal.jurisdiction.code if signal.jurisdiction_id else None,
        }
        if event == WebhookEvent.LICENCE_CHANGED:
            payload = {**payload, "details": signal.details, "source_note": signal.source_note}
        if not exchanges:
            written += len(webhook_event_record(event=event, payload=payload))
            continue
        # One delivery per subscriber, naming only the exchanges that subscriber's owner may see.
        for subscription in WebhookSubscription.objects.filter(is_active=True).select_related("owner"):
            if event not in subscription.events:
                continue
            visible = set(
                Exchange.objects.visible_to(subscription.owner)
                .filter(pk__in=[e.pk for e in exchanges])
                .values_list("pk", flat=True)
            )
            if not visible:
                continue
            written += len(
                webhook_event_record(
                    event=event,
                    subscription_ids=[subscription.pk],
                    payload={**payload, "exchanges": [e.slug for e in exchanges if e.pk in visible]},
                )
            )
    return written
