"""The API's filter backend: django-filter's, except that a yes/no filter given anything but true or false
answers 400 naming the filter (django-filter would ignore the value and answer the whole list)."""

from django.utils.translation import gettext
from django_filters import BooleanFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

# What django-filter's yes/no filters read (forms.NullBooleanSelect); the schema says `type: boolean`.
BOOLEAN_SPELLINGS = ("true", "false", "True", "False")


class FilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        refused = {
            name: [gettext("Say true or false, not %(value)r.") % {"value": request.query_params[name]}]
            for name, field in filterset.filters.items()
            if isinstance(field, BooleanFilter)
            and name in request.query_params
            and request.query_params[name] not in BOOLEAN_SPELLINGS
        }
        if refused:
            raise ValidationError(refused)
        return filterset
