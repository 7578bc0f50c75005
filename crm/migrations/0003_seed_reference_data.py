"""Seed the cloud vendors and the jurisdictions the product reasons about."""

import pycountry
from django.db import migrations

from crm.reference_data import JURISDICTIONS, VENDORS


def seed(apps, schema_editor):
    CloudVendor = apps.get_model("crm", "CloudVendor")
    Jurisdiction = apps.get_model("crm", "Jurisdiction")
    for vendor in VENDORS:
        CloudVendor.objects.update_or_create(slug=vendor["slug"], defaults=vendor)
    for code, (regulator, is_major, is_banned) in JURISDICTIONS.items():
        country = pycountry.countries.get(alpha_2=code)
        name = "European Union" if code == "EU" else getattr(country, "common_name", country.name)
        Jurisdiction.objects.update_or_create(
            code=code,
            defaults={"name": name, "regulator": regulator, "is_major": is_major, "is_banned": is_banned},
        )


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_allocation_total_trigger")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
