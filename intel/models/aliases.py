"""Other names and domains an exchange goes by, which the attendee matching trusts."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from crm.models import Exchange
from crm.search import normalise_search_term
from intel.choices import AliasKind


class ExchangeAlias(models.Model):
    """Another name (OKEx, 欧易) or domain (huobi.com) of an exchange; users extend the list."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="aliases")
    kind = models.CharField(max_length=10, choices=AliasKind.choices, default=AliasKind.NAME)
    alias = models.CharField(max_length=200, help_text="As people write it, e.g. OKEx, 欧易, okx.com")
    # The form matching compares (intel.matching.normalise_company / normalise_domain); set by save().
    normalised = models.CharField(max_length=200, editable=False)
    # The form searches compare (crm.search.normalise_search_term; Exchange.objects.search); set by save().
    search_name = models.CharField(max_length=200, editable=False, default="")
    source = models.CharField(max_length=200, blank=True, help_text="e.g. 'built-in', 'added by a rep'")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["exchange__name", "alias"]
        verbose_name_plural = "exchange aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "normalised"],
                name="exchange_alias_unique",
                violation_error_message="This alias already points at an exchange.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alias} -> {self.exchange}"

    def save(self, *args, **kwargs):
        self.set_normal_forms()
        super().save(*args, **kwargs)

    def set_normal_forms(self) -> None:
        """The forms matching and search compare, from the alias as typed (call before bulk_create)."""
        self.normalised = self.normalise(self.kind, self.alias)
        self.search_name = normalise_search_term(self.alias)

    def clean(self) -> None:
        self.normalised = self.normalise(self.kind, self.alias)
        if not self.normalised:
            raise ValidationError({"alias": f"{self.alias!r} has nothing left to compare once normalised."})

    def validate_constraints(self, exclude=None):
        # The normalised form is computed, never in a form, but it is what must be unique.
        self.normalised = self.normalise(self.kind, self.alias)
        super().validate_constraints(exclude=set(exclude or ()) - {"normalised"})

    @staticmethod
    def normalise(kind: str, alias: str) -> str:
        from intel.matching import normalise_company, normalise_domain

        return normalise_domain(alias) if kind == AliasKind.DOMAIN else normalise_company(alias)


class NotAnExchangeCompany(models.Model):
    """A company a rep decided is not an exchange (a news site, a consultancy): later imports set its
    people aside without asking again. Keyed by the company name as matching compares it
    (intel.matching.normalise_company), so "CoinDesk Japan", "ＣｏｉｎＤｅｓｋ Japan K.K." are one. A
    manager undoes it (intel.services.review.not_an_exchange_company_forget)."""

    normalised = models.CharField(max_length=200, unique=True, editable=False)
    company = models.CharField(max_length=200, help_text="The name as first decided, e.g. CoinDesk Japan")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company"]
        verbose_name = "company that is not an exchange"
        verbose_name_plural = "companies that are not exchanges"

    def __str__(self) -> str:
        return self.company

    def save(self, *args, **kwargs):
        from intel.matching import normalise_company

        self.normalised = normalise_company(self.company)
        super().save(*args, **kwargs)
