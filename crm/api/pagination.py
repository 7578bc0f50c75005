"""Pagination for every list: page numbers with a caller-chosen page size, bounded."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


class PageWithoutCount(BasePagination):
    """Page numbers as StandardPagination reads them (`page`, `page_size`), without the total: a page
    reads its rows and one more (is there a next page?), so it costs the same on a list of any length,
    where counting every row the caller may see grows with the list. Answers next, previous, results."""

    page_size, max_page_size = StandardPagination.page_size, StandardPagination.max_page_size
    page_query_param, page_size_query_param = "page", "page_size"
    invalid_page_message = _("Invalid page.")  # REST framework's own message (and its translations)

    def _number(self, request, name: str, default: int, high: int | None = None) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError as error:
            raise NotFound(self.invalid_page_message) from error
        if value < 1:
            raise NotFound(self.invalid_page_message)
        return min(value, high) if high else value

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.number = self._number(request, self.page_query_param, 1)
        size = self._number(request, self.page_size_query_param, self.page_size, self.max_page_size)
        start = (self.number - 1) * size
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
