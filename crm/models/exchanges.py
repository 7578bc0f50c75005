"""Exchanges (the prospect accounts), where they operate, and who holds their cloud spend."""

from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from crm.choices import (
    EVIDENCE_STRENGTH,
    EvidenceSource,
    ExchangeKind,
    FactOrigin,
    LicenceStatus,
    SizeTier,
    Stage,
    Workload,
)
from crm.search import normalise_search_term, text_condition

from .reference import CloudVendor, Jurisdiction, VendorRegionMixin


class ExchangeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ExchangeQuerySet":
        """The exchanges a user may see: a manager sees all; a rep, those in their
        territories (headquarters or any presence) plus those they own. The one
        place this rule lives; every other visibility check derives from it."""
        condition = visibility_condition(user)
        if condition is None:
            return self.none()
        return self.filter(condition)

    def editable_by(self, user) -> "ExchangeQuerySet":
        """What a user may change: a manager everything visible, a rep what they own (crm.access)."""
        from crm.access import is_manager

        visible = self.visible_to(user)
        return visible if is_manager(user) else visible.filter(owner=user)

    def families(self) -> "ExchangeQuerySet":
        """Top-level accounts: variants (binanceusdm, okxus) are folded into their family."""
        return self.filter(family__isnull=True)

    def search(self, term: str) -> "ExchangeQuerySet":
        """Exchanges a search term names: in their name or slug, or in one of their other names
        (コインチェック for Coincheck, 欧易 for OKX), each compared in the search form of crm.search.
        The one owner of "which exchanges does this search mean", for every search box and `q` filter.

        Two conditions in SQL, no Python per row: a LIKE on the name and slug, and a semi-join on
        the aliases' stored search form. The alias table is the one behind the `aliases` relation,
        which the evidence app (a required app: crm.plugin.REQUIRED_APPS) adds to exchanges."""
        key = normalise_search_term(term)
        if not key:
            return self
        aliases = self.model._meta.get_field("aliases").related_model
        aliased = aliases.objects.filter(search_name__contains=key).values("exchange_id")
        return self.filter(text_condition(("name", "slug"), term) | Q(pk__in=aliased))


def visibility_condition(user, *, through: str = "") -> Q | None:
    """Exchange.objects.visible_to(user) as a condition on the exchange reached through `through`
    (e.g. "exchange" on a score): an empty Q when the user sees everything, None when nothing.

    A ranked list filters its own join to the exchange with it instead of a second semi-join on
    crm_exchange, so walking a score index costs one exchange lookup per row, not two."""
    from crm.access import is_manager

    if user is None or not user.is_authenticated or not user.is_active:
        return None
    prefix = f"{through}__" if through else ""
    if is_manager(user):
        return Q()
    rep = getattr(user, "rep", None)
    if rep is None:
        return Q(**{f"{prefix}owner": user})
    # The rep's rows of the territory table itself: no join to jurisdictions, no related manager.
    territory = type(rep).territories.through.objects.filter(rep_id=rep.pk).values("jurisdiction_id")
    # Indexed semi-joins rather than a join through presences: the planner can then walk a score
    # index in order and stop at a page, which keeps large ranked lists fast.
    present = Presence.objects.filter(jurisdiction__in=territory).values("exchange_id")
    return (
        Q(**{f"{prefix}owner": user})
        | Q(**{f"{prefix}headquarters__in": territory})
        | Q(**{f"{prefix}pk__in" if not through else f"{through}__in": present})
    )


class Exchange(models.Model):
    """A crypto exchange: the prospect account a cloud vendor's sales team works."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    website = models.URLField(blank=True)
    kind = models.CharField(max_length=20, choices=ExchangeKind.choices, default=ExchangeKind.CENTRALISED)
    headquarters = models.ForeignKey(
        Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="headquartered_exchanges"
    )
    # The tier in effect is written by scoring (leads.scoring.size_in_effect, the one owner): the
    # tier a person set by hand, else the one the newest market figure gives under the active
    # scoring model's thresholds. People set `size_tier_by_hand`, never this.
    size_tier = models.CharField(
        "size tier",
        max_length=10,
        choices=SizeTier.choices,
        default=SizeTier.UNKNOWN,
        editable=False,
        help_text="In effect: set by hand, else derived from the newest market figure by the scoring model.",
    )
    size_tier_by_hand = models.CharField(
        "size tier set by hand",
        max_length=10,
        choices=SizeTier.choices,
        default=SizeTier.UNKNOWN,
        help_text="Wins over the market figures; say why (with the figure and its source) below.",
    )
    volume_30d_usd = models.DecimalField(
        "30-day volume (USD)",
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    staff_count = models.PositiveIntegerField(null=True, blank=True)
    size_source = models.CharField(
        "why (size set by hand)",
        max_length=300,
        blank=True,
        help_text="Why the tier was set by hand: the figure, its source and date.",
    )
    size_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    size_set_on = models.DateField(null=True, blank=True, editable=False)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PROSPECT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_exchanges"
    )
    family = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="variants",
        help_text="The account this one is a variant of (e.g. Binance USDⓈ-M is part of Binance).",
    )
    is_do_not_pursue = models.BooleanField("do not pursue", default=False)
    ccxt_id = models.CharField("ccxt id", max_length=50, unique=True, null=True, blank=True)
    salesforce_account_id = models.CharField("Salesforce Account id", max_length=18, blank=True)
    notes = models.TextField(blank=True)
    # The values the catalogue import last wrote: a field whose value differs was
    # edited by hand, and a later import leaves it alone.
    imported_values = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExchangeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(family=models.F("pk")),
                name="exchange_not_own_family",
                violation_error_message="An exchange cannot be a variant of itself.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def domain(self) -> str:
        host = urlsplit(self.website).hostname or ""
        return host.removeprefix("www.")


class Presence(models.Model):
    """An exchange operating in a jurisdiction, under a licence status."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="presences")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="presences")
    licence_status = models.CharField(max_length=20, choices=LicenceStatus.choices, default=LicenceStatus.UNKNOWN)
    licence_reference = models.CharField(max_length=200, blank=True)
    since = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=300, blank=True)
    source_url = models.URLField(blank=True)
    # Provenance as data: where the licence status comes from and the date of that reading. A
    # register is authoritative for its jurisdiction, but never overwrites what a person typed.
    origin = models.CharField(max_length=20, choices=FactOrigin.choices, default=FactOrigin.CATALOGUE)
    source_date = models.DateField(null=True, blank=True, help_text="The date of the source (e.g. the register file).")

    class Meta:
        ordering = ["exchange__name", "jurisdiction__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["exchange", "jurisdiction"],
                name="presence_unique_per_jurisdiction",
                violation_error_message="This exchange already has a presence in this jurisdiction.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exchange} in {self.jurisdiction.code} ({self.get_licence_status_display()})"


class Allocation(VendorRegionMixin, models.Model):
    """Who holds an exchange's cloud spend for one workload, how much, and how we know, and where:
    the region as people wrote it and the vendor's region code it resolves to ("" unknown).

    The shares of one exchange and workload never exceed 100%: the database refuses it
    (a trigger, see migration 0002), and crm.services.allocation_save checks it first
    with a message naming the exchange and workload."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="allocations")
    vendor = models.ForeignKey(CloudVendor, on_delete=models.PROTECT, related_name="allocations")
    workload = models.CharField(max_length=20, choices=Workload.choices, default=Workload.ALL)
    share_percent = models.DecimalField(
        "share (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    region = models.CharField(max_length=100, blank=True, help_text="e.g. ap-northeast-1, Hong Kong zone C")
    region_code = models.CharField(
        "region code",
        max_length=40,
        blank=True,
        help_text="The vendor's region code, resolved from the region text (blank: region unknown).",
    )
    evidence_source = models.CharField(max_length=20, choices=EvidenceSource.choices)
    source_url = models.URLField(blank=True)
    source_note = models.CharField(max_length=300, blank=True)
    confidence = models.PositiveSmallIntegerField(
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="0..100: how strong the evidence is (blank: the default for its source).",
    )
    observed_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["exchange__name", "workload", "-share_percent"]
        constraints = [
            models.UniqueConstraint(
                fields=["exchange", "vendor", "workload"],
                name="allocation_unique_vendor_workload",
                violation_error_message="This exchange already has an allocation on this vendor for this workload.",
            ),
            models.CheckConstraint(
                condition=Q(share_percent__gte=0) & Q(share_percent__lte=100),
                name="allocation_share_in_range",
                violation_error_message="A share is between 0 and 100 percent.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exchange}: {self.vendor} {self.share_percent}% ({self.get_workload_display()})"

    def save(self, *args, **kwargs):
        if self.confidence is None:
            self.confidence = EVIDENCE_STRENGTH.get(self.evidence_source, 50)
        self.settle_region_code()
        super().save(*args, **kwargs)
        self.remember_region()

    def clean(self):
        super().clean()
        self.clean_region_code()


class EvidenceChange(models.Model):
    """An outbox row: evidence about an exchange changed, so its score must be recomputed.

    Written in the same transaction as the change (crm.services.evidence_changed), handed to
    the worker after commit, and re-driven by a periodic relay until a consumer marks it
    processed: a Redis restart or a killed worker delays a rescore, never loses it."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="evidence_changes")
    cause = models.CharField(max_length=30, help_text="e.g. allocation, presence, signal, regulation, attendee")
    reference = models.CharField(max_length=100, blank=True, help_text="What changed, e.g. 'signal:12'.")
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["processed_at", "id"], name="evidence_change_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.cause} {self.reference} -> {self.exchange_id}"
