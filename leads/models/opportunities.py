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
