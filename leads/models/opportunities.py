"""Opportunities: a deal with an exchange (workloads, monthly spend, stage), every stage change kept,
and the trained versions of the win-likelihood model with the predictions each made."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import CloudVendor, Exchange
from leads.choices import OpportunitySource, OpportunityStage


class OpportunityQuerySet(models.QuerySet):
    def visible_to(self, user) -> "OpportunityQuerySet":
        """Opportunities a user may see: those of the exchanges they may see (crm.access)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(exchange__in=Exchange.objects.visible_to(user).values("pk"))

    def editable_by(self, user) -> "OpportunityQuerySet":
        """Opportunities a user may change: those of the exchanges they may change (crm.access)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(exchange__in=Exchange.objects.editable_by(user).values("pk"))

    def closed(self) -> "OpportunityQuerySet":
        return self.filter(stage__in=OpportunityStage.closed())

    def open(self) -> "OpportunityQuerySet":
        return self.exclude(stage__in=OpportunityStage.closed())


class Opportunity(models.Model):
    """One deal with an exchange. Salesforce owns opportunities and their stages once synced
    (salesforce_id set); the product owns scores and evidence."""

    # PROTECT: deal history is the training data of the win likelihood; an account merge moves it
    # (leads.merging), and nothing deletes it by deleting its exchange.
    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="opportunities")
    name = models.CharField(_("name"), max_length=200)
    workloads = models.JSONField(
        _("workloads"), default=list, blank=True, help_text=_("Workload codes (crm.choices.Workload).")
    )
    monthly_spend_usd = models.DecimalField(
        _("estimated monthly cloud spend (USD)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=OpportunityStage.choices, default=OpportunityStage.PROSPECTING
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    close_date = models.DateField(_("close date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    lost_to = models.ForeignKey(
        CloudVendor, null=True, blank=True, on_delete=models.PROTECT, related_name="opportunities_won_from_us"
    )
    lost_reason = models.TextField(_("lost reason"), blank=True)
    salesforce_id = models.CharField(_("Salesforce Opportunity id"), max_length=18, unique=True, null=True, blank=True)
    salesforce_modstamp = models.DateTimeField(null=True, blank=True, editable=False)
    opened_at = models.DateTimeField(
        _("opened at"), help_text=_("When the opportunity was created; its features are taken as of then.")
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_generated = models.BooleanField(
        _("generated (demo)"), default=False, help_text=_("GENERATED demo history, not a real deal.")
    )

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "pk"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["stage", "close_date"], name="opportunity_stage_close"),
            models.Index(fields=["exchange", "opened_at"], name="opportunity_exchange_opened"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_spend_usd__isnull=True) | Q(monthly_spend_usd__gte=0),
                name="opportunity_spend_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__gte=0, probability__lte=100),
                name="opportunity_probability_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exchange.name}: {self.name}"

    @property
    def is_closed(self) -> bool:
        return self.stage in OpportunityStage.closed()

    @property
    def is_won(self) -> bool:
        return self.stage == OpportunityStage.CLOSED_WON


class OpportunityStageChange(models.Model):
    """One move of an opportunity from a stage to another, by whom and from where."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=OpportunityStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=OpportunityStage.choices)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, choices=OpportunitySource.choices, default=OpportunitySource.PRODUCT)

    class Meta:
        ordering = ["opportunity", "changed_at", "pk"]
        indexes = [models.Index(fields=["opportunity", "changed_at"], name="opportunity_stage_history")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage or '-'} -> {self.to_stage}"


class WinModel(models.Model):
    """One trained version of the win-likelihood model: its coefficients and calibration (plain
    JSON, so scoring needs no scikit-learn), the features it reads, and the metrics of its held-out
    test (the newest closed opportunities). The newest version is the one in effect; a new version
    adds its own predictions and never rewrites those of an older one."""

    version = models.PositiveIntegerField(unique=True)
    trained_at = models.DateTimeField()
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feature_names = models.JSONField(default=list)
    parameters = models.JSONField(default=dict, help_text=_("Scaler, coefficients and calibration of each fold."))
    metrics = models.JSONField(
        default=dict, help_text=_("AUC, Brier score, top-decile lift and the counts, on the held-out newest deals.")
    )
    trained_on_generated = models.BooleanField(
        default=False, help_text=_("Trained on a history that includes GENERATED demo opportunities.")
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("win-likelihood model")

    def __str__(self) -> str:
        return f"win model v{self.version}"


class WinPrediction(models.Model):
    """The win likelihood one model version gave one opportunity, with its strongest contributions."""

    # No index of its own: the unique (opportunity, model) pair below starts with it.
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="predictions", db_index=False)
    model = models.ForeignKey(WinModel, on_delete=models.PROTECT, related_name="predictions")
    likelihood = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    contributions = models.JSONField(default=list, help_text=_("[{feature, weight, sentence}] strongest first."))
    features = models.JSONField(default=dict, help_text=_("The point-in-time features it was computed from."))
    as_of = models.DateTimeField(help_text=_("The moment the features describe (the opportunity's opening)."))
    predicted_at = models.DateTimeField()

    class Meta:
        ordering = ["-model__version", "opportunity"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "model"], name="win_prediction_one_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} v{self.model_id}: {self.likelihood:.2f}"
