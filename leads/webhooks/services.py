"""Recording webhook events into the delivery outbox, and sending deliveries."""

import datetime
import json
import logging
import time
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.models import Exchange
from leads.models import WebhookDelivery, WebhookSubscription
from leads.webhooks.choices import DeliveryStatus
from leads.webhooks.signing import sign
from leads.webhooks.targets import TargetRefused, check_target

logger = logging.getLogger(__name__)

# Attempt n waits BACKOFF_BASE * 2**(n-1) seconds, capped; after MAX_ATTEMPTS the delivery is failed.
MAX_ATTEMPTS = 8
BACKOFF_CAP_SECONDS = 3600
RELAY_BATCH_SIZE = 200  # deliveries re-driven per relay run; each is one small row


def backoff_seconds(attempts: int) -> float:
    base = getattr(settings, "WEBHOOK_BACKOFF_BASE_SECONDS", 30)
    return min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)


def webhook_event_record(*, event: str, payload: dict[str, Any], exchange_id: int | None = None) -> list[int]:
    """Write one delivery per active subscription to `event` (in the caller's transaction) and send
    them after commit. A subscription whose owner may not see the exchange gets nothing."""
    subscriptions = WebhookSubscription.objects.filter(is_active=True).select_related("owner")
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
        deliveries.append(WebhookDelivery(subscription=subscription, event=event, payload=payload, next_attempt_at=now))
    if not deliveries:
        return []
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _publish(ids))
    return ids


def _publish(ids: list[int]) -> None:
    from leads.webhooks.tasks import deliver_webhook_task

    for pk in ids:
        try:
            deliver_webhook_task.delay(pk)
        except Exception:  # the broker is down: the relay sends it later
            logger.exception("Could not queue webhook delivery %s; the relay will send it.", pk)


def webhook_deliver(*, delivery_id: int, now: datetime.datetime | None = None) -> WebhookDelivery | None:
    """Send one due delivery once; record the outcome (and when to try again). Safe to call twice:
    a delivered or not-yet-due delivery is left alone."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now or timezone.now())
            .first()
        )
        if delivery is None:
            return None
        subscription = delivery.subscription
        body = json.dumps(
            {
                "id": str(delivery.delivery_id),
                "event": delivery.event,
                "created_at": delivery.created_at.isoformat(),
                "data": delivery.payload,
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode("utf-8")
        timestamp = int(time.time())
        delivery.attempts += 1
        error, status_code = "", None
        try:
            check_target(subscription.target_url)
            response = requests.post(
                subscription.target_url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Webhook-Id": str(delivery.delivery_id),
                    "X-Webhook-Event": delivery.event,
                    "X-Webhook-Timestamp": str(timestamp),
                    "X-Webhook-Signature": sign(secret=subscription.secret, timestamp=timestamp, body=body),
                },
                timeout=getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 5),
                allow_redirects=False,
            )
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}: {response.text[:200]}"
        except TargetRefused as refused:
            error = str(refused)
        except requests.RequestException as failure:
            error = f"{type(failure).__name__}: {failure}"
        delivery.last_status_code = status_code
        delivery.last_error = error
        if not error:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = timezone.now() + datetime.timedelta(seconds=backoff_seconds(delivery.attempts))
        delivery.save()
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
