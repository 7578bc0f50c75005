"""Stored sentences and place names in the page's language: {{ item|sentence }} renders a stored
sentence (a factor, a person score's reason, a footprint's disagreement) through crm.sentences;
{{ name|native_name }} shows a vendor, jurisdiction or city by its native form (crm.place_names)."""

from django import template

from crm.place_names import native_name
from crm.sentences import stored_sentence

register = template.Library()


@register.filter(name="sentence")
def sentence_filter(item) -> str:
    return stored_sentence(item) if item else ""


@register.filter(name="native_name")
def native_name_filter(name) -> str:
    return native_name(str(name)) if name else ""
