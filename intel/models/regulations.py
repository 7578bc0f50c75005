"""Regulations: rules in a jurisdiction that put some licence statuses under pressure from a date."""

from django.core.exceptions import ValidationError
from django.db import models

from crm.choices import LicenceStatus
from crm.models import Jurisdiction


class Regulation(models.Model):
    """A rule in a jurisdiction, from an effective date, that puts some licence statuses under pressure."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="regulations")
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=60, blank=True, help_text="e.g. 'DTSP regime'")
    regulator = models.CharField(max_length=200, blank=True)
    effective_on = models.DateField()
    pressured_statuses = models.JSONField(
        default=list, help_text="Licence statuses this rule puts under pressure, e.g. ['unlicensed', 'pending']."
    )
    consequence = models.CharField(
        max_length=300,
        blank=True,
        help_text="What it means for them, e.g. 'must stop serving clients abroad or leave'.",
    )
    forces_relocation = models.BooleanField(default=True, help_text="Relocation means re-platforming.")
    source_url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on"]

    def __str__(self) -> str:
        return f"{self.name} ({self.jurisdiction.code}, from {self.effective_on})"

    def clean(self) -> None:
        statuses = self.pressured_statuses
        if not isinstance(statuses, list) or not statuses:
            raise ValidationError({"pressured_statuses": "Name at least one licence status this rule pressures."})
        unknown = [status for status in statuses if status not in LicenceStatus.values]
        if unknown:
            raise ValidationError(
                {
                    "pressured_statuses": (
                        f"Unknown licence status {', '.join(map(repr, unknown))}; "
                        f"use some of: {', '.join(LicenceStatus.values)}."
                    )
                }
            )
