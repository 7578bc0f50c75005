"""Reference data: the cloud vendors and the jurisdictions exchanges operate in."""

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from crm.choices import VendorKind
from crm.regions import RegionError, region_code_clean, region_resolve

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


class VendorRegionMixin:
    """A row naming a vendor, a region as people wrote it and the vendor's region code it resolves
    to (crm.regions, from crm/data/cloud_regions.csv): an allocation, an outage.

    The code follows the text: whenever the vendor or the text change it is resolved again ("" when
    the text names no region of the vendor: region unknown), unless a writer set a code as such, which
    `clean` checks against the vendor's catalogue and names the field when it is not one of them."""

    region_vendor_field = "vendor"
    region_text_field = "region"
    region_code_field = "region_code"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._region_loaded = instance._region_inputs()
        return instance

    def _region_inputs(self) -> tuple:
        return (
            getattr(self, f"{self.region_vendor_field}_id", None),
            getattr(self, self.region_text_field, None),
            getattr(self, self.region_code_field, None),
        )

    def _region_vendor_slug(self) -> str:
        if getattr(self, f"{self.region_vendor_field}_id", None) is None:
            return ""
        return getattr(self, self.region_vendor_field).slug

    def _region_code_is_given(self) -> bool:
        code = getattr(self, self.region_code_field)
        loaded = getattr(self, "_region_loaded", None)
        return bool(code) and (loaded is None or code != loaded[2])

    def clean_region_code(self) -> None:
        if not self._region_code_is_given():
            return
        try:
            code = region_code_clean(vendor=self._region_vendor_slug(), value=getattr(self, self.region_code_field))
        except RegionError as error:
            raise ValidationError({self.region_code_field: str(error)}, code="unknown_region") from error
        setattr(self, self.region_code_field, code)

    def settle_region_code(self) -> None:
        """Before a save: resolve the code from the text when the vendor or the text moved."""
        if self._region_code_is_given():
            return
        loaded = getattr(self, "_region_loaded", None)
        inputs = self._region_inputs()
        if loaded is not None and inputs[:2] == loaded[:2]:
            return
        vendor = self._region_vendor_slug()
        setattr(
            self,
            self.region_code_field,
            region_resolve(vendor=vendor, text=getattr(self, self.region_text_field) or "") if vendor else "",
        )

    def remember_region(self) -> None:
        """After a save: what was saved is what a later change is compared with."""
        self._region_loaded = self._region_inputs()
