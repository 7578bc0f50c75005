"""Pagination for every list: page numbers with a caller-chosen page size, bounded."""

from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        """The caller's page size (at most 1,000); one that is not a whole number from 1 is a 400 naming it,
        rather than silently the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise ValidationError(
                {self.page_size_query_param: [gettext("A whole number from 1, not %(value)r.") % {"value": raw}]}
            )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = "Number of results to return per page (1 to 1,000; more reads as 1,000)."
        return parameters
