"""Simplified Chinese: Django's formats, with figures grouped by thousands as Chinese business text
writes them ("12,346 BTC"; Django's own has no separator and groups by four: "12346")."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 (every other format stays Django's)

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
