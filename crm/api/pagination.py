"""Pagination for every list: page numbers with a caller-chosen page size, bounded."""

from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


def whole_number(request, name: str) -> None:
    """A 400 naming the parameter unless it is absent or given once as a whole number from 1."""
    values = request.query_params.getlist(name)
    if values and (len(values) > 1 or not (values[0].isascii() and values[0].isdigit() and int(values[0]) >= 1)):
        shown = values[0] if len(values) == 1 else values
        raise ValidationError({name: [gettext("A whole number from 1, once, not %(value)r.") % {"value": shown}]})


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        """The caller's page size (at most 1,000); one that is not a whole number from 1 is a 400 naming it,
        rather than silently the default."""
        whole_number(request, self.page_size_query_param)
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        whole_number(request, self.page_query_param)  # "last" or "2.0" would be read as a page
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = "Number of results to return per page (1 to 1,000; more reads as 1,000)."
        return parameters
