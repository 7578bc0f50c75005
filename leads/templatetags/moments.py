"""How the pages print a moment: in the viewer's time zone (crm.middleware), with its abbreviation, and with
the year when it is not this year."""

import datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.translation import gettext

register = template.Library()


@register.filter
def moment(value: datetime.datetime | None) -> str:
    """'28 Aug 00:00 JST' this year, '28 Aug 2025 00:00 JST' another year."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    this_year = timezone.localtime().year
    # The formats are messages: each language writes a moment its own way (28 Aug 00:00, 8月28日 00:00).
    return dateformat.format(local, gettext("j M H:i T") if local.year == this_year else gettext("j M Y H:i T"))


@register.filter
def clock(value: datetime.datetime | None) -> str:
    """'15:00 JST': the time of day with its zone, for a moment known to be today."""
    if value is None:
        return ""
    return dateformat.format(timezone.localtime(value), "H:i T")
