"""Showing an English label from the catalogues (a choice's label, marked with gettext_noop where it is
defined) in the reader's language: `{{ exchange.get_stage_display|translated }}`."""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def translated(value) -> str:
    """The label in the active language; an empty value stays empty (gettext("") is the catalogue's header)."""
    text = "" if value is None else str(value)
    return gettext(text) if text else ""
