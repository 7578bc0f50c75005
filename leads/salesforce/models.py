"""The sync's own records: field map overrides, each record's copy in Salesforce, runs, and the cursor."""

from django.db import models
from django.db.models import Q

from leads.salesforce.mapping import MAPPED_OBJECTS, SOURCES


class SalesforceObject(models.TextChoices):
    ACCOUNT = "Account", "Account"
    LEAD = "Lead", "Lead"
    CAMPAIGN = "Campaign", "Campaign"
    MEMBER = "CampaignMember", "Campaign member"
    MEMBER_STATUS = "CampaignMemberStatus", "Campaign member status"


SOURCE_CHOICES = [
    (name, f"{object_name}: {source.label}")
    for object_name in MAPPED_OBJECTS
    for name, source in SOURCES[object_name].items()
]


class FieldMapping(models.Model):
    """A manager's override of the default field map: send this value to that field (blank: don't send)."""

    object_name = models.CharField(
        "Salesforce object", max_length=30, choices=[(o, o) for o in MAPPED_OBJECTS], default="Account"
    )
    source = models.CharField("value", max_length=40, choices=SOURCE_CHOICES)
    salesforce_field = models.CharField(
        "Salesforce field",
        max_length=80,
        blank=True,
        help_text="API name, e.g. Intel_Score__c. Blank: this value is not sent.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["object_name", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_name", "source"],
                name="salesforce_field_mapping_unique",
                violation_error_message="This value already has an override for this object.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_name}.{self.salesforce_field or '(not sent)'} <- {self.source}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.source not in SOURCES.get(self.object_name, {}):
            raise ValidationError({"source": f"{self.object_name} has no value {self.source!r}."})


class SyncState(models.Model):
    """The one row of sync state: the change-history cursors, the run lock (a lease) and the pause."""

    score_change_cursor = models.BigIntegerField(default=0, help_text="Last ScoreChange id collected.")
    follow_up_cursor = models.DateTimeField(null=True, blank=True, help_text="Last FollowUp change collected.")
    lock_holder = models.CharField(max_length=100, blank=True)
    lock_expires_at = models.DateTimeField(null=True, blank=True)
    resume_after = models.DateTimeField(
        null=True, blank=True, help_text="After an API limit was hit, no run starts before this moment."
    )

    class Meta:
        verbose_name = "sync state"

    def __str__(self) -> str:
        return f"Cursor {self.score_change_cursor}, locked by {self.lock_holder or 'nobody'}"


class SyncRun(models.Model):
    """One sync run, as the manager sees it: what was sent, what failed, what it cost."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Some records failed"
        LIMITED = "limited", "Stopped at the API limit"
        INTERRUPTED = "interrupted", "Interrupted (resumes next run)"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    is_full = models.BooleanField("full resend", default=False)
    records_sent = models.PositiveIntegerField(default=0)
    records_confirmed = models.PositiveIntegerField(default=0)
    records_failed = models.PositiveIntegerField(default=0)
    records_to_retry = models.PositiveIntegerField(default=0)
    calls_used = models.PositiveIntegerField("API calls", default=0)
    retries = models.PositiveIntegerField(default=0)
    bulk_jobs = models.PositiveIntegerField(default=0)
    api_usage = models.PositiveIntegerField("API calls used in the org (24 h)", null=True, blank=True)
    api_limit = models.PositiveIntegerField("daily API budget", null=True, blank=True)
    message = models.TextField(blank=True)
    log = models.JSONField(default=list, blank=True, help_text="What happened, in order (retries, limits, jobs).")

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Sync {self.started_at:%Y-%m-%d %H:%M}: {self.get_status_display()}"

    @property
    def budget_share(self) -> float | None:
        if self.api_usage is None or not self.api_limit:
            return None
        return self.api_usage / self.api_limit


class SyncRecord(models.Model):
    """One product record's copy in Salesforce: pending until Salesforce confirms it, with its id."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        RETRY = "retry", "Transient error, resent next run"
        FAILED = "failed", "Refused by Salesforce"
        CONFIRMED = "confirmed", "In Salesforce"

    object_name = models.CharField(max_length=30, choices=SalesforceObject.choices)
    key = models.CharField("external id", max_length=100)
    source_id = models.BigIntegerField(help_text="The exchange, event or follow-up it comes from.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    salesforce_id = models.CharField(max_length=18, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True, help_text="Of the last payload Salesforce confirmed.")
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(help_text="When the product last marked it to be sent.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="records")

    class Meta:
        ordering = ["object_name", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_name", "key"],
                name="salesforce_record_unique_key",
                violation_error_message="This record is already tracked.",
            ),
        ]
        indexes = [
            models.Index(fields=["object_name", "state"], name="salesforce_record_todo"),
            models.Index(fields=["state"], name="salesforce_record_failed", condition=Q(state="failed")),
        ]

    def __str__(self) -> str:
        return f"{self.object_name} {self.key}: {self.get_state_display()}"
