"""Enumerations of webhooks."""

from django.db import models


class WebhookEvent(models.TextChoices):
    GRADE_CHANGED = "score.grade_changed", "A score's grade changed"
    ENTERED_TOP_N = "exchange.entered_top_n", "An exchange entered the top N"
    FOLLOW_UP_ASSIGNED = "follow_up.assigned", "A follow-up was assigned"
    SIGNAL_RECORDED = "signal.recorded", "A signal was recorded"
    LICENCE_CHANGED = "licence.changed", "A regulator's register granted, withdrew or changed a licence"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (out of attempts)"
