"""Recording webhook events into the delivery outbox, and sending deliveries."""

import datetime
import json
import logging
import time
from collections.abc import Iterable
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from crm.models import Exchange
from leads.models import WebhookDelivery, WebhookSubscription
from leads.reasons import reasons_top
from leads.webhooks.choices import DeliveryStatus
from leads.webhooks.sending import post_to_target
from leads.webhooks.signing import sign
from leads.webhooks.targets import TargetRefused, check_target, resolve_timeout_seconds

logger = logging.getLogger(__name__)

# Attempt n waits BACKOFF_BASE * 2**(n-1) seconds, capped; after MAX_ATTEMPTS the delivery is failed.
MAX_ATTEMPTS = 8
BACKOFF_CAP_SECONDS = 3600
LEASE_MARGIN_SECONDS = 30
RELAY_BATCH_SIZE = 200  # deliveries re-driven per relay run; each is one small row


def backoff_seconds(attempts: int) -> float:
    base = getattr(settings, "WEBHOOK_BACKOFF_BASE_SECONDS", 30)
    return min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)


def webhook_event_record(
    *,
    event: str,
    payload: dict[str, Any],
    exchange_id: int | None = None,
    subscription_ids: Iterable[int] | None = None,
    factors: list[dict] | None = None,
) -> list[int]:
    """Write one delivery per active subscription to `event` (in the caller's transaction) and send
    them after commit. A subscription whose owner may not see the exchange gets nothing;
    `subscription_ids` narrows the subscribers further (e.g. those whose top N it entered). With a
    score's `factors`, each delivery also carries its top reasons in the subscription's language."""
    subscriptions = WebhookSubscription.objects.filter(is_active=True).select_related("owner")
    if subscription_ids is not None:
        subscriptions = subscriptions.filter(pk__in=list(subscription_ids))
    now = timezone.now()
    deliveries = []
    for subscription in subscriptions:
        if event not in subscription.events:
            continue
        if (
            exchange_id is not None
            and not Exchange.objects.visible_to(subscription.owner).filter(pk=exchange_id).exists()
        ):
            continue
        body = payload if factors is None else {**payload, **_reasons(factors, subscription.language)}
        deliveries.append(WebhookDelivery(subscription=subscription, event=event, payload=body, next_attempt_at=now))
    if not deliveries:
        return []
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _publish(ids))
    return ids


def _reasons(factors: list[dict], language: str) -> dict[str, Any]:
    """The score's top reasons (leads.reasons' order) as the receiver reads them, and in which language."""
    language = language or settings.LANGUAGE_CODE
    return {
        "language": language,
        "reasons": [
            {"code": f.get("code", ""), "points": f.get("points", 0), "sentence": f["sentence"]}
            for f in reasons_top(factors, language=language)
        ],
    }


def _publish(ids: list[int]) -> None:
    from leads.webhooks.tasks import deliver_webhook_task

    for pk in ids:
        try:
            deliver_webhook_task.delay(pk)
        except Exception:  # the broker is down: the relay sends it later
            logger.exception("Could not queue webhook delivery %s; the relay will send it.", pk)


def lease_seconds() -> float:
    """How long a claimed attempt keeps its delivery from being claimed again: longer than resolving
    and sending can take, so only an attempt whose worker died is taken over (by the relay)."""
    timeout = float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 5))
    # requests' timeout bounds the connect and each read, not the whole exchange: allow two of them.
    return resolve_timeout_seconds() + 2 * timeout + LEASE_MARGIN_SECONDS


def _claim(*, delivery_id: int, now: datetime.datetime) -> WebhookDelivery | None:
    """Take a due delivery for one attempt in one conditional UPDATE (no lock is held afterwards):
    count the attempt and push its due time past the lease, so no other worker sends it meanwhile."""
    delivery = (
        WebhookDelivery.objects.select_related("subscription")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .first()
    )
    if delivery is None:
        return None
    lease_until = timezone.now() + datetime.timedelta(seconds=lease_seconds())
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status=DeliveryStatus.PENDING,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
    ).update(attempts=F("attempts") + 1, next_attempt_at=lease_until)
    if not claimed:  # another worker took it between the read and the update
        return None
    delivery.attempts += 1
    delivery.next_attempt_at = lease_until
    return delivery


def _body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(
        {
            "id": str(delivery.delivery_id),
            "event": delivery.event,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.payload,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode("utf-8")


def _send(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """Resolve and check the target once, then POST to the checked address: (status code, error)."""
    subscription = delivery.subscription
    body = _body(delivery)
    timestamp = int(time.time())
    try:
        target = check_target(subscription.target_url)
        status_code, answer = post_to_target(
            target=target,
            body=body,
            headers={
                "Content-Type": "application/json",
                "X-Webhook-Id": str(delivery.delivery_id),
                "X-Webhook-Event": delivery.event,
                "X-Webhook-Timestamp": str(timestamp),
                "X-Webhook-Signature": sign(secret=subscription.secret, timestamp=timestamp, body=body),
            },
            timeout=float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 5)),
            verify=getattr(settings, "WEBHOOK_CA_BUNDLE", None) or True,
        )
    except TargetRefused as refused:
        return None, str(refused)
    except requests.RequestException as failure:
        return None, f"{type(failure).__name__}: {failure}"
    if not 200 <= status_code < 300:
        return status_code, f"HTTP {status_code}: {answer}"
    return status_code, ""


def webhook_deliver(*, delivery_id: int, now: datetime.datetime | None = None) -> WebhookDelivery | None:
    """Send one due delivery once and record the outcome (and when to try again). Safe to call twice:
    a delivered, not-yet-due or already-claimed delivery is left alone.

    Deliberately not atomic: the claim and the outcome are two short statements, and the network call
    between them runs outside any transaction, holding no row lock."""
    delivery = _claim(delivery_id=delivery_id, now=now or timezone.now())
    if delivery is None:
        return None
    status_code, error = _send(delivery)
    finished_at = timezone.now()
    outcome: dict[str, Any] = {"last_status_code": status_code, "last_error": error}
    if not error:
        outcome.update(status=DeliveryStatus.DELIVERED, delivered_at=finished_at)
        # Delivered is delivered, even if a later attempt took over after the lease ran out.
        recorded = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
    else:
        if delivery.attempts >= MAX_ATTEMPTS:
            outcome["status"] = DeliveryStatus.FAILED
        else:
            outcome["next_attempt_at"] = finished_at + datetime.timedelta(seconds=backoff_seconds(delivery.attempts))
        # A failure is not recorded over the outcome of a later attempt.
        recorded = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts
        )
    recorded.update(**outcome)
    for field, value in outcome.items():
        setattr(delivery, field, value)
    return delivery


def webhooks_relay(*, now: datetime.datetime | None = None) -> int:
    """Send the pending deliveries that are due (first sends lost with a broker outage, and retries)."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:RELAY_BATCH_SIZE]
    )
    for pk in due:
        webhook_deliver(delivery_id=pk, now=now)
    return len(due)
