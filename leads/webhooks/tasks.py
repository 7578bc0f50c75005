"""Celery tasks of webhooks: thin, ids in, idempotent (a delivered delivery is never sent again)."""

from celery import shared_task

from leads.tasks import RETRY_TRANSIENT
from leads.webhooks.choices import DeliveryStatus
from leads.webhooks.services import backoff_seconds, webhook_deliver, webhooks_relay


@shared_task(name="leads.deliver_webhook", acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def deliver_webhook_task(delivery_id: int) -> None:
    delivery = webhook_deliver(delivery_id=delivery_id)
    if (
        delivery is not None
        and delivery.status == DeliveryStatus.PENDING
        and not deliver_webhook_task.app.conf.task_always_eager
    ):
        deliver_webhook_task.apply_async(args=[delivery_id], countdown=backoff_seconds(delivery.attempts))


@shared_task(name="leads.relay_webhooks", acks_late=True, ignore_result=True, **RETRY_TRANSIENT)
def relay_webhooks_task() -> int:
    return webhooks_relay()
