"""People: the team's reps and managers, and the contacts and activities at exchanges."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import dateformat, timezone
from django.utils.translation import gettext

from crm import time_zones
from crm.choices import PAST_ONLY_ACTIVITY_KINDS, ActivityKind, ContactRole, Language, RepRole

from .exchanges import Exchange
from .reference import Jurisdiction


class Team(models.Model):
    """A group of reps, usually one regional Web3 sales unit."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    """An IANA time zone name this machine knows (Asia/Tokyo, Europe/London, ...): crm.time_zones."""
    time_zones.validate_time_zone(value)


class Rep(models.Model):
    """A user of the product: a rep or a manager, with the jurisdictions they cover."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rep")
    role = models.CharField(max_length=10, choices=RepRole.choices, default=RepRole.REP)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="reps")
    territories = models.ManyToManyField(Jurisdiction, blank=True, related_name="reps")
    is_service_account = models.BooleanField(
        "service account",
        default=False,
        help_text="An integration (e.g. Salesforce sync): API tokens only, no password, no UI login.",
    )
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="Where the rep works (IANA name, e.g. Asia/Tokyo): pages show times and 'today' in it.",
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=Language.choices,
        help_text="The pages' language; empty: the one the browser asks for.",
    )

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def is_manager(self) -> bool:
        return self.role == RepRole.MANAGER


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ContactQuerySet":
        return self.filter(exchange__in=Exchange.objects.visible_to(user).values("pk"))


class Contact(models.Model):
    """A person at an exchange."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField(max_length=200)
    native_name = models.CharField(max_length=200, blank=True, help_text="Name in its own script, e.g. 山田 太郎.")
    title = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, choices=ContactRole.choices, default=ContactRole.OTHER)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    is_do_not_contact = models.BooleanField("do not contact", default=False)
    notes = models.TextField(blank=True)
    salesforce_id = models.CharField("Salesforce Lead/Contact id", max_length=18, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["exchange__name", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["exchange", "email"],
                condition=~Q(email=""),
                name="contact_unique_email_per_exchange",
                violation_error_message="This exchange already has a contact with this email.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.exchange})"


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ActivityQuerySet":
        return self.filter(exchange__in=Exchange.objects.visible_to(user).values("pk"))


class Activity(models.Model):
    """A call, meeting, email or note by a rep about an exchange."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="activities")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    occurred_at = models.DateTimeField()
    summary = models.CharField(max_length=300)
    details = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.exchange} on {self.occurred_at:%Y-%m-%d}"

    def clean(self) -> None:
        """A call, email or note has happened: its date is today or earlier in the rep's time zone (the
        one active for the request). A meeting may be planned ahead."""
        super().clean()
        if self.kind not in PAST_ONLY_ACTIVITY_KINDS or self.occurred_at is None:
            return
        today = timezone.localdate()
        if timezone.localtime(self.occurred_at).date() > today:
            zone = timezone.get_current_timezone_name()
            raise ValidationError(
                {
                    "occurred_at": gettext(
                        "A %(kind)s is logged once it has happened: choose %(today)s (%(zone)s) or earlier. "
                        "Only a meeting may be planned ahead."
                    )
                    % {
                        "kind": gettext(self.get_kind_display()).lower(),
                        "today": dateformat.format(today, gettext("j F Y")),
                        "zone": zone,
                    }
                }
            )
