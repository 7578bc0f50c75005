"""Scoring models (versioned weights), the current score of each exchange, and its history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q

from crm.models import Exchange, ExchangeQuerySet
from leads.choices import Grade, ScoreCause
from leads.parameters import ParameterError, ScoringParameters


class ScoringModel(models.Model):
    """One version of the weights, thresholds and half-lives; exactly one version is active.

    The parameters are JSON validated against leads.parameters.ScoringParameters: the typed
    dataclass is the schema (defaults, types, ranges) and the value scoring reads, while JSON
    lets a manager tune or add a weight without a schema migration. A version, once it has
    produced scores, is never edited: a change is a new version (leads.services)."""

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=100, blank=True, help_text="e.g. 'Q3: weigh AI interest more'")
    parameters = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    scored_for_home_vendor = models.CharField(
        max_length=100,
        blank=True,
        editable=False,
        help_text="The CRM_HOME_VENDOR its scores were last computed for; when the setting differs, "
        "every exchange is rescored.",
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="scoring_model_one_active",
                violation_error_message="Only one scoring model version can be active.",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}{' (active)' if self.is_active else ''}{f' {self.name}' if self.name else ''}"

    def clean(self) -> None:
        try:
            ScoringParameters.from_dict(self.parameters)
        except ParameterError as error:
            raise ValidationError(
                {"parameters": [f"{name}: {message}" for name, message in error.errors.items()]}
            ) from error

    def get_parameters(self) -> ScoringParameters:
        return ScoringParameters.from_dict(self.parameters)


class ScoreQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ScoreQuerySet":
        """Scores of the exchanges a user may see (the rule lives in Exchange.objects.visible_to)."""
        return self.filter(exchange__in=Exchange.objects.visible_to(user).values("pk"))

    def prospects(self) -> "ScoreQuerySet":
        """The new-logo list: best first, without accounts to defend."""
        return self.filter(is_defend=False).order_by("-score", "exchange__name")

    def defend(self) -> "ScoreQuerySet":
        """Accounts our vendor already holds at or over the defend threshold."""
        return self.filter(is_defend=True).order_by("-score", "exchange__name")


class Score(models.Model):
    """The current score of one exchange, with the factors that explain it."""

    exchange = models.OneToOneField(Exchange, on_delete=models.CASCADE, related_name="score")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    grade = models.CharField(max_length=1, choices=Grade.choices)
    factors = models.JSONField(
        default=list,
        help_text="[{code, points, sentence, references, message, params}] in order; the sentence is rendered "
        "from the message and params when shown (empty beside a message).",
    )
    model_version = models.PositiveIntegerField()
    is_defend = models.BooleanField(
        "defend", default=False, help_text="Our vendor holds at least the defend share: a customer, not a new logo."
    )
    is_research_needed = models.BooleanField(default=False, help_text="Its cloud allocation is unknown.")
    as_of = models.DateTimeField(help_text="The moment the score describes.")
    computed_at = models.DateTimeField()
    # What a rescore compares instead of reloading facts and decoding factors (blank: unknown, so
    # the next rescore computes and compares in full). The fingerprint is an md5 of every input
    # of the score (leads.fingerprints.fingerprints); the factors hash an md5 of the factors as serialized.
    facts_fingerprint = models.CharField(max_length=32, blank=True, default="", editable=False)
    factors_hash = models.CharField(max_length=32, blank=True, default="", editable=False)
    is_time_dependent = models.BooleanField(
        default=False,
        editable=False,
        help_text="Its evidence is dated (decays or takes effect later): recomputed when the moment moves.",
    )

    objects = ScoreQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "exchange__name"]
        # The ranked list's index (is_defend, score DESC, exchange_id) is hand-written SQL in the
        # migrations (leads 0005, 0006 and score_table_hot_updates). The table is kept for updates
        # rescoring rewrites: no index on a column every rescore changes but the one the list is
        # ranked by, and room on each page (fillfactor) for a new version of its rows.
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100),
                name="score_in_range",
                violation_error_message="A score is between 0 and 100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exchange}: {self.score} ({self.grade})"


class ScoreChangeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ScoreChangeQuerySet":
        return self.filter(exchange__in=Exchange.objects.visible_to(user).values("pk"))

    def after(self, cursor: int) -> "ScoreChangeQuerySet":
        """The change feed: changes with an id greater than the cursor, oldest first."""
        return self.filter(pk__gt=cursor).order_by("pk")


class ScoreChange(models.Model):
    """One change of an exchange's score (append-only). Its id is the change feed's cursor:
    writers take a lock before inserting, so ids become visible in increasing order."""

    id = models.BigAutoField(primary_key=True)
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="score_changes")
    old_score = models.PositiveSmallIntegerField(null=True, blank=True)
    new_score = models.PositiveSmallIntegerField()
    old_grade = models.CharField(max_length=1, choices=Grade.choices, blank=True)
    new_grade = models.CharField(max_length=1, choices=Grade.choices)
    old_factors = models.JSONField(null=True, blank=True)
    new_factors = models.JSONField(default=list)
    is_defend = models.BooleanField(default=False)
    model_version = models.PositiveIntegerField()
    cause = models.CharField(max_length=20, choices=ScoreCause.choices)
    as_of = models.DateTimeField()
    created_at = models.DateTimeField()

    objects = ScoreChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["exchange", "-id"], name="score_change_by_exchange")]

    def __str__(self) -> str:
        return f"{self.exchange_id}: {self.old_score} -> {self.new_score} ({self.get_cause_display()})"

    @property
    def is_grade_change(self) -> bool:
        return self.old_grade != self.new_grade


class DeadLetter(models.Model):
    """Work a task gave up on after its retries: kept for a person to look at, never retried blindly."""

    task_name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict, help_text="The task's arguments, e.g. the evidence change ids.")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.task_name} after {self.attempts} attempts"


def exchanges_with_score(queryset: ExchangeQuerySet) -> ExchangeQuerySet:
    """Exchanges annotated with their current score, grade and defend flag (None when unscored)."""
    return queryset.annotate(
        current_score=F("score__score"),
        current_grade=F("score__grade"),
        is_defend=F("score__is_defend"),
    )
