"""Webhook subscriptions of other sales tools, and the outbox of deliveries to them."""

import uuid

from django.conf import settings
from django.db import models

from crm.choices import Language
from leads.webhooks.choices import DeliveryStatus, WebhookEvent


class WebhookSubscription(models.Model):
    """A sales tool's endpoint, the events it wants, and the secret its deliveries are signed with.
    Deliveries carry only what the owner may see (Exchange.objects.visible_to(owner))."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(max_length=100)
    target_url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="HMAC-SHA256 key for the signature header.")
    events = models.JSONField(default=list, help_text="Event names, e.g. ['score.grade_changed'].")
    top_n = models.PositiveIntegerField(default=20, help_text="For exchange.entered_top_n: the size of the top.")
    language = models.CharField(
        max_length=10,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text="The language of the score events' reasons.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} -> {self.target_url}"


class WebhookDelivery(models.Model):
    """One event for one subscription: written in the transaction of the change, sent after commit,
    retried with exponential backoff until delivered or out of attempts. Its delivery id stays the
    same across retries, so a receiver drops duplicates."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(help_text="When it is due (again).")
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription_id} ({self.status}, {self.attempts} attempts)"
