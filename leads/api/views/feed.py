"""The score change feed for sync clients (/score-changes/): oldest first, after a cursor, from values()."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from crm.api.filters import FilterBackend, query_flag
from leads.api.serializers import ScoreChangePageSerializer
from leads.api.views.common import LANG_PARAMETER, SentenceLanguageMixin, _bounded_int
from leads.filtersets import ScoreChangeFilterSet
from leads.models import ScoreChange
from leads.sentences import factors_in

FEED_COLUMNS = {
    "id": "id",
    "exchange": "exchange__slug",
    "old_score": "old_score",
    "new_score": "new_score",
    "old_grade": "old_grade",
    "new_grade": "new_grade",
    "is_defend": "is_defend",
    "model_version": "model_version",
    "cause": "cause",
    "as_of": "as_of",
    "created_at": "created_at",
}
DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT = 500, 5000


def _rows(queryset, columns: dict[str, str]) -> list[dict]:
    names, paths = list(columns), list(columns.values())
    return [dict(zip(names, row, strict=True)) for row in queryset.values_list(*paths)]


@extend_schema(
    parameters=[
        OpenApiParameter(
            "cursor", OpenApiTypes.INT, description="The last change id you processed (0: from the start)."
        ),
        OpenApiParameter("limit", OpenApiTypes.INT, description=f"Changes per page, 1..{MAX_FEED_LIMIT}."),
        OpenApiParameter("include_factors", OpenApiTypes.BOOL, description="Add each change's new factors."),
        LANG_PARAMETER,
    ],
    responses={200: ScoreChangePageSerializer},
)
class ScoreChangeFeedView(SentenceLanguageMixin, generics.ListAPIView):
    """The change feed for sync clients: score changes of visible exchanges, oldest first, after a cursor.
    Store `next_cursor` and pass it back: every change arrives exactly once, in order, even while a
    rescore runs (writers insert under a lock, so ids become visible in increasing order)."""

    queryset = ScoreChange.objects.none()
    filterset_class = ScoreChangeFilterSet
    filter_backends = [FilterBackend]
    pagination_class = None

    def list(self, request, *args, **kwargs):
        cursor = _bounded_int(request, "cursor", 0, 0, 2**63 - 1)
        limit = _bounded_int(request, "limit", DEFAULT_FEED_LIMIT, 1, MAX_FEED_LIMIT)
        include_factors = query_flag(request, "include_factors")
        columns = {**FEED_COLUMNS, "new_factors": "new_factors"} if include_factors else FEED_COLUMNS
        queryset = self.filter_queryset(ScoreChange.objects.visible_to(request.user)).after(cursor)
        rows = _rows(queryset[: limit + 1], columns)
        has_more = len(rows) > limit
        rows = rows[:limit]
        if include_factors:
            for row in rows:
                row["new_factors"] = factors_in(row["new_factors"], self.language)
        return Response({"results": rows, "next_cursor": rows[-1]["id"] if rows else cursor, "has_more": has_more})
