"""System checks of the account book's settings that need its data (`manage.py check` runs them)."""

import contextlib

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError

from crm.reference_data import VENDORS


@register()
def home_vendor_check(app_configs=None, **kwargs) -> list[Error]:
    """CRM_HOME_VENDOR must be a vendor of the account book: a misspelt slug would score our own
    customers as rivals' accounts. The seeded vendors are always known; the database's too, when
    it can be read (a vendor added in the admin)."""
    from crm.models import CloudVendor

    known = {vendor["slug"] for vendor in VENDORS}
    with contextlib.suppress(DatabaseError):  # not migrated yet, or no database: the seeded vendors decide
        known |= set(CloudVendor.objects.values_list("slug", flat=True))
    home = settings.CRM_HOME_VENDOR
    if home in known:
        return []
    return [
        Error(
            f"CRM_HOME_VENDOR is {home!r}, which is not a cloud vendor of the account book.",
            hint=f"Set it to the slug of the vendor your team sells for, one of: {', '.join(sorted(known))}.",
            obj="CRM_HOME_VENDOR",
            id="crm.E001",
        )
    ]
