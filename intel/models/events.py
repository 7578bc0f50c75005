"""Conference events, the people met there, and the imports of their badge scans."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from crm.models import Contact, Exchange, Jurisdiction
from crm.models.people import validate_time_zone
from crm.search import normalise_search_term, text_condition
from intel.choices import MatchMethod, MatchStatus


class Event(models.Model):
    """A conference where reps meet people (WebX Tokyo, Token2049, ...)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    city = models.CharField(max_length=100)
    country = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="events")
    venue = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    timezone = models.CharField(
        max_length=50,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA zone of the venue, e.g. Asia/Tokyo",
    )
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

    @property
    def tzinfo(self) -> datetime.tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return datetime.UTC

    @property
    def ends_at(self) -> datetime.datetime:
        """The end of the event's last day, in the venue's time zone."""
        return datetime.datetime.combine(self.ends_on + datetime.timedelta(days=1), datetime.time(), self.tzinfo)

    @property
    def follow_up_due_at(self) -> datetime.datetime:
        return self.ends_at + datetime.timedelta(hours=self.follow_up_sla_hours)


class AttendeeImport(models.Model):
    """One committed upload of a badge-scan / business-card file to an event, with what it did."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="imports")
    filename = models.CharField(max_length=300, blank=True)
    content_sha256 = models.CharField(max_length=64, db_index=True)
    encoding = models.CharField(max_length=20)
    column_mapping = models.JSONField(default=dict, help_text="File header -> attendee field, as used.")
    is_keep_valid = models.BooleanField("kept valid rows", default=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rows_read = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField("created", default=0)
    updated_count = models.PositiveIntegerField("updated", default=0)
    unchanged_count = models.PositiveIntegerField("unchanged", default=0)
    duplicate_count = models.PositiveIntegerField("duplicates in file", default=0)
    rejected_count = models.PositiveIntegerField("rejected", default=0)
    matched_count = models.PositiveIntegerField("matched", default=0)
    review_count = models.PositiveIntegerField("to review", default=0)
    contacts_created = models.PositiveIntegerField(default=0)
    rejected_report = models.TextField(blank=True, help_text="The rejected rows as CSV, with a reason per row.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename or 'upload'} to {self.event} ({self.created_at:%Y-%m-%d %H:%M})"


class AttendeeQuerySet(models.QuerySet):
    def review_queue(self) -> "AttendeeQuerySet":
        """Attendees whose match a rep must confirm, change, or mark as not an exchange."""
        return self.filter(match_status=MatchStatus.REVIEW)

    def search(self, term: str) -> "AttendeeQuerySet":
        """People whose name, company, title or email contains the term (in any of its search forms),
        or who are matched or suggested to an exchange the term names (Exchange.objects.search)."""
        if not normalise_search_term(term):
            return self
        fields = ("full_name", "company", "title", "email")
        return self.filter(text_condition(fields, term) | Q(exchange__in=Exchange.objects.search(term)))


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
    match_candidates = models.JSONField(
        default=list, blank=True, help_text="The exchanges the matching considered: [{exchange_id, name, confidence}]."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, help_text="A rep's decision; re-imports keep it.")
    last_import = models.ForeignKey(
        AttendeeImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="attendees"
    )
    source_line = models.PositiveIntegerField(null=True, blank=True, help_text="Line in the last imported file.")
    # Identity within an event, so a re-import does not duplicate a person.
    dedupe_key = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AttendeeQuerySet.as_manager()

    class Meta:
        ordering = ["event", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "dedupe_key"],
                name="attendee_unique_per_event",
                violation_error_message="This person is already on this event's list.",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "match_status"]),
            # A follow-up's event and exchange read from the index alone: Today folds the overdue
            # follow-ups per event, tens of thousands over years, without visiting each attendee's row.
            models.Index(fields=["id"], include=["event", "exchange"], name="attendee_event_and_exchange"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.company or 'no company'}) at {self.event}"


class AttendeeToReview(Attendee):
    """The review queue: attendees whose match a rep must confirm, change, or reject."""

    class Meta:
        proxy = True
        verbose_name = "attendee to review"
        verbose_name_plural = "review queue"
