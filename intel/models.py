"""Evidence about the market: signals, regulations, conference events and their attendees."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from crm.models import CloudVendor, Contact, Exchange, Jurisdiction
from intel.choices import MatchMethod, MatchStatus, SignalKind


class Signal(models.Model):
    """A dated, sourced piece of evidence about the market (an outage, a regulation, a meeting, ...)."""

    kind = models.CharField(max_length=20, choices=SignalKind.choices)
    title = models.CharField(max_length=300)
    details = models.TextField(blank=True)
    source_url = models.URLField(blank=True)
    source_note = models.CharField(max_length=300, blank=True, help_text="e.g. 'News reports', 'Self-published'.")
    occurred_at = models.DateTimeField()
    severity = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (minor) .. 5 (critical)"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    # What it is about: a vendor (outage), a jurisdiction (regulation), exchanges.
    vendor = models.ForeignKey(CloudVendor, null=True, blank=True, on_delete=models.PROTECT, related_name="signals")
    vendor_region = models.CharField(max_length=100, blank=True, help_text="e.g. Hong Kong zone C, apne1-az4")
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


class Event(models.Model):
    """A conference where reps meet people (WebX Tokyo, Token2049, ...)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    city = models.CharField(max_length=100)
    country = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="events")
    venue = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    timezone = models.CharField(max_length=50, default="UTC", help_text="IANA zone of the venue, e.g. Asia/Tokyo")
    follow_up_sla_hours = models.PositiveIntegerField(
        default=48, help_text="Follow-ups are due this many hours after the event ends."
    )
    source_url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="event_ends_after_start",
                violation_error_message="An event cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Attendee(models.Model):
    """A person met at an event (a badge scan or a business card), matched to an exchange and contact."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendees")
    full_name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    notes = models.TextField(blank=True)
    scanned_by = models.CharField(max_length=200, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    exchange = models.ForeignKey(Exchange, null=True, blank=True, on_delete=models.SET_NULL, related_name="attendees")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="attendees")
    match_method = models.CharField(max_length=20, choices=MatchMethod.choices, default=MatchMethod.NONE)
    match_confidence = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    match_status = models.CharField(max_length=20, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED)
    # Identity within an event, so a re-import does not duplicate a person.
    dedupe_key = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "dedupe_key"],
                name="attendee_unique_per_event",
                violation_error_message="This person is already on this event's list.",
            ),
        ]
        indexes = [models.Index(fields=["event", "match_status"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.company or 'no company'}) at {self.event}"
