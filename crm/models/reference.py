"""Reference data: the cloud vendors and the jurisdictions exchanges operate in."""

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from crm.choices import VendorKind

# Regions the data needs that ISO 3166-1 does not have.
PSEUDO_JURISDICTIONS: dict[str, str] = {"EU": "European Union"}


def validate_jurisdiction_code(code: str) -> None:
    if code in PSEUDO_JURISDICTIONS:
        return
    if len(code) != 2 or not code.isupper() or pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(
            "%(code)s is not an ISO 3166-1 alpha-2 country code (nor one of: %(pseudo)s).",
            params={"code": code, "pseudo": ", ".join(PSEUDO_JURISDICTIONS)},
            code="invalid_jurisdiction",
        )


class CloudVendorQuerySet(models.QuerySet):
    def home(self) -> "CloudVendor | None":
        return self.filter(slug=settings.CRM_HOME_VENDOR).first()

    def rivals(self) -> "CloudVendorQuerySet":
        return self.exclude(slug=settings.CRM_HOME_VENDOR)


class CloudVendor(models.Model):
    """A seller of cloud capacity; the one named by CRM_HOME_VENDOR is ours, the rest are rivals."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=VendorKind.choices, default=VendorKind.OTHER)
    hq_country = models.CharField("HQ country", max_length=2, blank=True)
    website = models.URLField(blank=True)
    market_note = models.CharField(max_length=300, blank=True, help_text="Reported market position, with its source.")

    objects = CloudVendorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_home(self) -> bool:
        return self.slug == settings.CRM_HOME_VENDOR


class Jurisdiction(models.Model):
    """A country (ISO 3166-1 alpha-2) or a pseudo-region such as EU, with its crypto regulator."""

    code = models.CharField(max_length=2, unique=True, validators=[validate_jurisdiction_code])
    name = models.CharField(max_length=100)
    regulator = models.CharField("main crypto regulator", max_length=200, blank=True)
    is_major = models.BooleanField(
        "major jurisdiction",
        default=False,
        help_text="A licence here marks a compliant exchange (the kind late entrants target).",
    )
    is_banned = models.BooleanField(
        "crypto trading banned", default=False, help_text="Exchanges may not serve clients from here."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @staticmethod
    def name_for(code: str) -> str:
        if code in PSEUDO_JURISDICTIONS:
            return PSEUDO_JURISDICTIONS[code]
        country = pycountry.countries.get(alpha_2=code)
        if country is None:
            raise ValidationError(f"Unknown jurisdiction code {code!r}.")
        return getattr(country, "common_name", country.name)
