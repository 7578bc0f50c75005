"""{{ contact|person_name }}: a person's name as crm.names shows it, in the active language."""

from django import template

from crm.names import person_name_of

register = template.Library()


@register.filter(name="person_name")
def person_name_filter(person) -> str:
    return person_name_of(person)
