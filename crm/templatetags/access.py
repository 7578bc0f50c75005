"""The permission rule in templates: {% load access %} ... {% if user|is_manager %}."""

from django import template

from crm import access

register = template.Library()


@register.filter
def is_manager(user) -> bool:
    return access.is_manager(user)
