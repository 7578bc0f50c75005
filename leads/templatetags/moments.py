"""How the pages print a moment or a day: in the viewer's time zone (crm.middleware), with its abbreviation,
with the year when it is not this year, and in the order the reader's language writes dates (English
'28 Aug 2025', Japanese and Chinese '2025年8月28日')."""

import datetime

from django import template
from django.utils import dateformat, timezone, translation

register = template.Library()

# The page formats per language (Django's date format characters); a language not listed reads English.
FORMATS = {
    "en": {"day": "j M Y", "moment": "j M H:i T", "moment_year": "j M Y H:i T"},
    "ja": {"day": "Y年n月j日", "moment": "n月j日 H:i T", "moment_year": "Y年n月j日 H:i T"},
    "zh-hans": {"day": "Y年n月j日", "moment": "n月j日 H:i T", "moment_year": "Y年n月j日 H:i T"},
}


def _format(name: str) -> str:
    return FORMATS.get(translation.get_language() or "en", FORMATS["en"])[name]


@register.filter
def moment(value: datetime.datetime | None) -> str:
    """'28 Aug 00:00 JST' this year, '28 Aug 2025 00:00 JST' another year ('2025年8月28日 00:00 JST' in
    Japanese and Chinese)."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    this_year = timezone.localtime().year
    return dateformat.format(local, _format("moment" if local.year == this_year else "moment_year"))


@register.filter
def day(value: datetime.date | datetime.datetime | None) -> str:
    """'28 Aug 2025' ('2025年8月28日'); a moment is read in the viewer's time zone first."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return dateformat.format(value, _format("day"))


@register.filter
def clock(value: datetime.datetime | None) -> str:
    """'15:00 JST': the time of day with its zone, for a moment known to be today."""
    if value is None:
        return ""
    return dateformat.format(timezone.localtime(value), "H:i T")
