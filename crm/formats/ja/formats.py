"""Japanese: Django's formats ("12,346", "2023年1月7日"), named here so a later change of Django's stays
a choice of the product's."""

from django.conf.locale.ja.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
