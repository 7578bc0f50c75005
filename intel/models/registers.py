"""Regulators' registers (ESMA's MiCA CASPs, the Japan FSA, SFC, MAS, VARA) and their entries."""

from django.conf import settings
from django.db import models

from crm.choices import LicenceStatus
from crm.models import Exchange, Jurisdiction
from intel.choices import RegisterKind
from intel.models.matched import MatchedQuerySet, MatchedToExchange


class Register(models.Model):
    """One reading of a regulator's register: a file, its date and hash; newer readings of the same
    kind are compared with the previous one."""

    kind = models.CharField(max_length=20, choices=RegisterKind.choices)
    authority = models.CharField(max_length=200)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="registers")
    source_url = models.URLField(max_length=500)
    filename = models.CharField(max_length=300, blank=True)
    content_sha256 = models.CharField(max_length=64, db_index=True)
    as_of = models.DateField(help_text="The date of the register file (its newest update).")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    entries_count = models.PositiveIntegerField("entries", default=0)
    matched_count = models.PositiveIntegerField("matched", default=0)
    review_count = models.PositiveIntegerField("to review", default=0)
    changes = models.JSONField(
        default=dict, blank=True, help_text="Against the previous reading: granted, withdrawn, lapsed, renamed."
    )

    class Meta:
        ordering = ["kind", "-as_of", "-imported_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.as_of:%Y-%m-%d})"


class RegisterEntry(MatchedToExchange):
    """One authorised (or formerly authorised) firm in a register reading."""

    register = models.ForeignKey(Register, on_delete=models.CASCADE, related_name="entries")
    key = models.CharField(
        max_length=200, help_text="The entry's identity across readings: LEI or registration number, else the name."
    )
    line = models.PositiveIntegerField(null=True, blank=True, help_text="Line in the register file.")
    legal_name = models.CharField(max_length=300)
    commercial_name = models.CharField(max_length=300, blank=True)
    other_names = models.JSONField(default=list, blank=True, help_text="Names in other scripts, e.g. 株式会社bitFlyer.")
    lei = models.CharField("LEI", max_length=20, blank=True)
    registration_number = models.CharField(max_length=100, blank=True, help_text="e.g. 関東財務局長 第00003号")
    website = models.CharField(max_length=500, blank=True)
    services = models.JSONField(default=list, blank=True, help_text="e.g. MiCA Art. 3(1)(16) services a..j.")
    status = models.CharField(max_length=20, choices=LicenceStatus.choices, default=LicenceStatus.LICENSED)
    status_note = models.CharField(max_length=300, blank=True)
    authorised_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    home_state = models.CharField(max_length=2, blank=True)
    host_states = models.JSONField(default=list, blank=True, help_text="Member states the authorisation passports to.")
    competent_authority = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    exchange = models.ForeignKey(
        Exchange, null=True, blank=True, on_delete=models.SET_NULL, related_name="register_entries"
    )

    objects = MatchedQuerySet.as_manager()

    class Meta:
        ordering = ["register", "legal_name"]
        verbose_name_plural = "register entries"
        constraints = [
            models.UniqueConstraint(
                fields=["register", "key"],
                name="register_entry_once_per_reading",
                violation_error_message="This firm is already in this register reading.",
            ),
        ]
        indexes = [models.Index(fields=["exchange", "register"], name="register_entry_by_exchange")]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.register})"


class RegisterEntryToReview(RegisterEntry):
    """Register entries whose exchange a person must choose."""

    class Meta:
        proxy = True
        verbose_name = "register entry to review"
        verbose_name_plural = "register entries to review"
