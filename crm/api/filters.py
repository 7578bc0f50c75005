"""The API's filter backend: django-filter's, read strictly. django-filter ignores a value it cannot read
(a yes/no filter given "maybe", an empty choice) or reads another one than the caller meant (a date in a
local format, the last of a filter given twice) and answers the whole list; here each is a 400 naming the
filter, as the schema's types say."""

import datetime
import re

from django.utils.translation import gettext
from django_filters import BaseCSVFilter, BooleanFilter, CharFilter, DateFilter, MultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

# What django-filter's yes/no filters read (forms.NullBooleanSelect); the schema says `type: boolean`.
BOOLEAN_SPELLINGS = ("true", "false", "True", "False")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def refusal(name, filter_, values: list[str]) -> str | None:
    """Why the API refuses these values of one filter, or None."""
    if len(values) > 1 and not isinstance(filter_, MultipleChoiceFilter | BaseCSVFilter):
        return gettext("Give %(name)s once, not %(count)d times.") % {"name": name, "count": len(values)}
    value = values[-1]
    if isinstance(filter_, BooleanFilter):
        if value not in BOOLEAN_SPELLINGS:
            return gettext("Say true or false, not %(value)r.") % {"value": value}
    elif isinstance(filter_, DateFilter):
        if not ISO_DATE.fullmatch(value) or not _is_date(value):
            return gettext("A date as YYYY-MM-DD, not %(value)r.") % {"value": value}
    elif value == "" and not isinstance(filter_, CharFilter):
        return gettext("Give a value, or leave %(name)s out.") % {"name": name}
    return None


def query_flag(request, name: str) -> bool:
    """A yes/no query parameter outside a filter set, read as the filters read theirs: absent is false;
    anything but true/false, or given twice, is a 400 naming it."""
    values = request.query_params.getlist(name)
    if not values:
        return False
    if len(values) > 1:
        raise ValidationError(
            {name: [gettext("Give %(name)s once, not %(count)d times.") % {"name": name, "count": len(values)}]}
        )
    if values[0] not in BOOLEAN_SPELLINGS:
        raise ValidationError({name: [gettext("Say true or false, not %(value)r.") % {"value": values[0]}]})
    return values[0].lower() == "true"


def _is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


class FilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        refused = {}
        for name, filter_ in filterset.filters.items():
            if name in request.query_params:
                reason = refusal(name, filter_, request.query_params.getlist(name))
                if reason:
                    refused[name] = [reason]
        if refused:
            raise ValidationError(refused)
        return filterset
