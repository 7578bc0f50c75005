"""The record of an account merged into another: what it was, who merged it, and what moved."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .exchanges import Exchange


class ExchangeMerge(models.Model):
    """One account (the source, now deleted) merged into another (the target): the source's identity
    is kept here so a rep sees where the target's evidence came from and an import can tell it apart."""

    target = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="merges_received")
    source_name = models.CharField(max_length=200)
    source_slug = models.SlugField(max_length=100, db_index=True)
    source_website = models.URLField(blank=True)
    source_ccxt_id = models.CharField("source's ccxt id", max_length=50, blank=True, db_index=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    moved = models.JSONField(default=dict, blank=True, help_text="What moved to the target, as counts per kind.")
    dropped = models.JSONField(
        default=list, blank=True, help_text="Sentences: what was dropped because the target held stronger evidence."
    )

    class Meta:
        ordering = ["-merged_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source_name} merged into {self.target} on {self.merged_at:%Y-%m-%d}"
