"""The sync's own records: field map overrides, each record's copy in Salesforce, runs, and the cursor."""

from django.db import models
from django.db.models import Q

from intel.choices import MatchMethod
from intel.models.matched import MatchedQuerySet, MatchedToExchange
from leads.salesforce.mapping import MAPPED_OBJECTS, SOURCES


class SalesforceObject(models.TextChoices):
    ACCOUNT = "Account", "Account"
    LEAD = "Lead", "Lead"
    CAMPAIGN = "Campaign", "Campaign"
    MEMBER = "CampaignMember", "Campaign member"
    MEMBER_STATUS = "CampaignMemberStatus", "Campaign member status"
    OPPORTUNITY = "Opportunity", "Opportunity"


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
    """The one row of sync state: the change-history cursors (scores, follow-ups, win predictions), the
    run lock (a lease) and the pause."""

    score_change_cursor = models.BigIntegerField(default=0, help_text="Last ScoreChange id collected.")
    follow_up_cursor = models.DateTimeField(null=True, blank=True, help_text="Last FollowUp change collected.")
    win_prediction_cursor = models.BigIntegerField(default=0, help_text="Last WinPrediction id collected.")
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
    is_pull = models.BooleanField("read back from Salesforce", default=False)
    records_read = models.PositiveIntegerField("records read (pull)", default=0)
    records_applied = models.PositiveIntegerField("records applied (pull)", default=0)
    records_deleted = models.PositiveIntegerField("deletions applied (pull)", default=0)
    records_skipped = models.PositiveIntegerField("records refused or held (pull)", default=0)
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
    source_id = models.BigIntegerField(help_text="The exchange, event, follow-up or opportunity it comes from.")
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


# -- reading back from Salesforce (sync_salesforce --pull) ------------------------------------------


class PullCursor(models.Model):
    """How far the pull has read one Salesforce object: the newest SystemModstamp applied.

    The next pull asks only for records modified after it (queryAll, so deletions come too)."""

    object_name = models.CharField(max_length=30, unique=True)
    modstamp = models.DateTimeField(null=True, blank=True, help_text="Newest SystemModstamp read and applied.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["object_name"]
        verbose_name = "pull cursor"

    def __str__(self) -> str:
        return f"{self.object_name} read up to {self.modstamp or 'the beginning'}"


class PulledAccount(MatchedToExchange):
    """A Salesforce Account and the exchange it was matched to (external id, Salesforce id, then
    website domain and name through the matcher). Ambiguous or weak matches wait for a manager;
    until one decides, the account's contacts and opportunities are held, not guessed."""

    match_method = models.CharField(
        max_length=20,
        choices=[
            ("external_id", "External id (Exchange_Intel_Key__c)"),
            ("salesforce_id", "The exchange's Salesforce Account id"),
            *MatchMethod.choices,
        ],
        default=MatchMethod.NONE,
    )
    salesforce_id = models.CharField("Salesforce Account id", max_length=18, unique=True)
    name = models.CharField("name in Salesforce", max_length=255)
    website = models.CharField("website in Salesforce", max_length=255, blank=True)
    external_key = models.CharField("Exchange_Intel_Key__c", max_length=100, blank=True)
    exchange = models.ForeignKey(
        "crm.Exchange", null=True, blank=True, on_delete=models.SET_NULL, related_name="salesforce_accounts"
    )
    modstamp = models.DateTimeField("SystemModstamp", null=True, blank=True)
    is_deleted = models.BooleanField("deleted in Salesforce", default=False)
    pulled_at = models.DateTimeField(auto_now=True)

    objects = MatchedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "Salesforce account"

    def __str__(self) -> str:
        return f"{self.name} ({self.salesforce_id})"


class PulledAccountToReview(PulledAccount):
    """Salesforce accounts whose exchange a manager must choose."""

    class Meta:
        proxy = True
        verbose_name = "Salesforce account to review"
        verbose_name_plural = "Salesforce accounts to review"


class PullIssue(models.Model):
    """A pulled record the product did not apply: refused (a field failed validation; the record is
    skipped whole) or held (its account waits for review). A later pull of the same record, or the
    account's review, resolves it."""

    class Kind(models.TextChoices):
        REFUSED = "refused", "Refused: a field failed validation"
        HELD = "held", "Held: its account awaits review"

    object_name = models.CharField(max_length=30)
    salesforce_id = models.CharField(max_length=18)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    field_name = models.CharField("Salesforce field", max_length=80, blank=True)
    message = models.TextField()
    account_salesforce_id = models.CharField(max_length=18, blank=True)
    record = models.JSONField(default=dict, help_text="The record as Salesforce sent it.")
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="pull_issues")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["object_name", "salesforce_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_name", "salesforce_id"],
                condition=Q(resolved_at__isnull=True),
                name="salesforce_pull_issue_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_name} {self.salesforce_id}: {self.field_name} {self.message}"
