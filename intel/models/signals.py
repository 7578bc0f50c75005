"""Signals: dated, sourced pieces of evidence about the market."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from crm.models import CloudVendor, Exchange, Jurisdiction
from crm.models.reference import VendorRegionMixin
from intel.choices import SignalKind


class Signal(VendorRegionMixin, models.Model):
    """A dated, sourced piece of evidence about the market (an outage, a regulation, a meeting, ...).

    An outage's region is kept as the source wrote it and as the vendor's region code it resolves to
    ("" unknown): intel.outages decides which allocations it reaches."""

    region_text_field = "vendor_region"
    region_code_field = "vendor_region_code"

    kind = models.CharField(max_length=20, choices=SignalKind.choices)
    title = models.CharField(max_length=300)
    details = models.TextField(blank=True)
    source_url = models.URLField(blank=True)
    source_note = models.CharField(max_length=300, blank=True, help_text="e.g. 'News reports', 'Self-published'.")
    occurred_at = models.DateTimeField()
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was over (an outage's end), where the source says."
    )
    severity = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (minor) .. 5 (critical)"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    # What it is about: a vendor (outage), a jurisdiction (regulation), exchanges.
    vendor = models.ForeignKey(CloudVendor, null=True, blank=True, on_delete=models.PROTECT, related_name="signals")
    vendor_region = models.CharField(max_length=100, blank=True, help_text="e.g. Hong Kong zone C, apne1-az4")
    vendor_region_code = models.CharField(
        "vendor region code",
        max_length=40,
        blank=True,
        help_text="The vendor's region code, resolved from the region text (blank: region unknown).",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="signals"
    )
    exchanges = models.ManyToManyField(
        Exchange, blank=True, related_name="signals", help_text="Exchanges named by the source."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["kind", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title} ({self.occurred_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        self.settle_region_code()
        super().save(*args, **kwargs)
        self.remember_region()

    def clean(self):
        super().clean()
        self.clean_region_code()
