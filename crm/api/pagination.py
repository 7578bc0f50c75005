"""Pagination for every list: page numbers with a caller-chosen page size, bounded."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


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


# Rows a page may start after: far past any list, well inside a 64-bit database offset.
MAX_OFFSET = 2**40


class PageWithoutCount(BasePagination):
    """Page numbers as StandardPagination reads them (`page`, `page_size`, each a whole number from 1, a
    size above 1,000 read as 1,000), without the total: a page reads its rows and one more (is there a
    next page?), so it costs the same on a list of any length, where counting every row the caller may
    see grows with the list. Answers next, previous, results."""

    page_size, max_page_size = StandardPagination.page_size, StandardPagination.max_page_size
    page_query_param, page_size_query_param = "page", "page_size"
    invalid_page_message = _("Invalid page.")  # REST framework's own message (and its translations)

    def _number(self, request, name: str, default: int) -> int:
        whole_number(request, name)
        raw = request.query_params.get(name)
        return int(raw) if raw else default

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.number = self._number(request, self.page_query_param, 1)
        size = min(self._number(request, self.page_size_query_param, self.page_size), self.max_page_size)
        start = (self.number - 1) * size
        if start > MAX_OFFSET:  # past the end of any list here, and past what a database offset holds
            raise NotFound(self.invalid_page_message)
        rows = list(queryset[start : start + size + 1])
        if not rows and self.number > 1:
            raise NotFound(self.invalid_page_message)
        self.has_next = len(rows) > size
        return rows[:size]

    def get_paginated_response(self, data):
        url = self.request.build_absolute_uri()
        previous = None
        if self.number > 1:
            previous = (
                remove_query_param(url, self.page_query_param)
                if self.number == 2
                else replace_query_param(url, self.page_query_param, self.number - 1)
            )
        return Response(
            {
                "next": replace_query_param(url, self.page_query_param, self.number + 1) if self.has_next else None,
                "previous": previous,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {**link, "example": "http://api.example.org/accounts/?page=4"},
                "previous": {**link, "example": "http://api.example.org/accounts/?page=2"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return StandardPagination().get_schema_operation_parameters(view)
