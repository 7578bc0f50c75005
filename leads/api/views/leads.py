"""The ranked prospect list (/leads/), a hot path: served from values() through a compiled query kept
per caller and query string, no serializer."""

import threading
from collections import OrderedDict
from contextlib import nullcontext

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from crm.api.filters import FilterBackend, query_flag
from crm.models.exchanges import visibility_condition
from leads.api.serializers import LeadPageSerializer
from leads.api.views.common import _bounded_int
from leads.filtersets import LeadFilterSet
from leads.models import Score
from leads.pipeline_training import exchange_win_likelihoods, win_likelihood_summary

LEAD_COLUMNS = {
    "slug": "exchange__slug",
    "name": "exchange__name",
    "score": "score",
    "grade": "grade",
    "is_defend": "is_defend",
    "model_version": "model_version",
    "computed_at": "computed_at",
    "headquarters": "exchange__headquarters__code",
    "size_tier": "exchange__size_tier",
    "stage": "exchange__stage",
    "owner": "exchange__owner__username",
    "exchange_id": "exchange_id",
}
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 1000


def visible_scores(user):
    """Score.objects.visible_to(user), with the rule applied to the list's own join to the exchange (one
    exchange lookup per scanned row instead of two: see crm.models.exchanges.visibility_condition)."""
    condition = visibility_condition(user, through="exchange")
    return Score.objects.none() if condition is None else Score.objects.filter(condition)


# A ranked page is read by walking the score index in order to the page's last row, joining each
# score to its exchange by primary key. PostgreSQL prices each of those lookups with the visibility
# rule's subqueries as if each paid for them again, and so, for a rep (the territory rule) with any
# filter on the exchange, chose a hash join of every visible row and a sort (30-90 ms for a page of
# 100 on 100,000 scores) or a parallel plan whose worker start-up alone took 15 ms; the walk takes 3 ms.
# Without hash or merge joins and parallel workers, the walk is the plan left; these lists join
# nothing big enough to want them.
WALK_THE_INDEX = (
    "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL max_parallel_workers_per_gather = 0"
)


class CompiledQuery:
    """A values_list queryset turned into SQL once; each rows() sends the same SQL and parameters
    (through Django's cursor, so query logging and counting still see it) and converts the rows as
    the queryset would have (the compiler is kept for its converters only)."""

    def __init__(self, queryset) -> None:
        self.using = queryset.db
        self.compiler = queryset.query.get_compiler(self.using)
        try:
            self.sql, self.params = self.compiler.as_sql()
        except EmptyResultSet:  # e.g. a filter that can match nothing: no query at all
            self.sql, self.params = None, ()

    def rows(self) -> list[tuple]:
        if self.sql is None:
            return []
        connection = connections[self.using]
        walk = connection.vendor == "postgresql"
        # No savepoint: inside a caller's transaction the settings last until it ends (it only reads).
        atomic = transaction.atomic(using=self.using, savepoint=False) if walk else nullcontext()
        with atomic, connection.cursor() as cursor:
            if walk:
                # Planner settings, not a query (sent past the query log and its counts), for this
                # transaction only.
                connection.connection.execute(WALK_THE_INDEX)
            cursor.execute(self.sql, self.params)
            fetched = cursor.fetchall()
        return list(self.compiler.results_iter(results=[fetched], tuple_expected=True))


class QueryCache:
    """Compiled queries (not their rows) of a worker, least recently used dropped first. Building the
    leads list's query (visibility rule, filters, validation, SQL) costs more CPU than running it; a
    sync tool asks for the same page over and over."""

    def __init__(self, size: int) -> None:
        self.size, self.lock, self.entries = size, threading.Lock(), OrderedDict()

    def get(self, key):
        with self.lock:
            query = self.entries.get(key)
            if query is not None:
                self.entries.move_to_end(key)
            return query

    def put(self, key, query) -> None:
        with self.lock:
            self.entries[key] = query
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)


LEAD_PAGES = QueryCache(512)


def _page_key(request) -> tuple:
    """Everything the page's query depends on: who asks (the visibility rule's inputs: the user, their
    role; territories are read by the query itself, so a change applies at once), the query string,
    the setting the filters read and the active time zone."""
    user = request.user
    rep = getattr(user, "rep", None)
    return (
        user.pk,
        user.is_active,
        user.is_superuser,
        None if rep is None else (rep.pk, rep.role),
        settings.CRM_HOME_VENDOR,
        timezone.get_current_timezone_name(),  # a moment without an offset is read in it
        tuple(sorted((name, tuple(values)) for name, values in request.query_params.lists())),
    )


@extend_schema(
    parameters=[
        OpenApiParameter("page", OpenApiTypes.INT, description="1-based page number."),
        OpenApiParameter("page_size", OpenApiTypes.INT, description=f"Rows per page, 1..{MAX_PAGE_SIZE}."),
        OpenApiParameter(
            "include_win_likelihood",
            OpenApiTypes.BOOL,
            description="Add each row's win likelihood (its newest open opportunity's) beside the rules score.",
        ),
    ],
    responses={200: LeadPageSerializer},
)
class LeadListView(generics.ListAPIView):
    """The ranked prospect list: visible exchanges by score, best first; accounts to defend are left out
    unless `include_defend=true`. No total count, so a page costs the same on any list size."""

    queryset = Score.objects.none()
    filterset_class = LeadFilterSet
    filter_backends = [FilterBackend]
    pagination_class = None

    def list(self, request, *args, **kwargs):
        page = _bounded_int(request, "page", 1, 1, 1_000_000)
        size = _bounded_int(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        key = _page_key(request)
        query = LEAD_PAGES.get(key)
        if query is None:
            ranked = self.filter_queryset(visible_scores(request.user)).order_by("-score", "exchange_id")
            start = (page - 1) * size
            query = CompiledQuery(ranked.values_list(*LEAD_COLUMNS.values())[start : start + size + 1])
            LEAD_PAGES.put(key, query)
        names = list(LEAD_COLUMNS)
        rows = [dict(zip(names, row, strict=True)) for row in query.rows()]
        url = request.build_absolute_uri()
        results = rows[:size]
        # The win likelihood beside the rules score, on request (two queries a page; the default page
        # stays one query): the newest open opportunity's.
        with_likelihood = query_flag(request, "include_win_likelihood")
        likelihoods = exchange_win_likelihoods(row["exchange_id"] for row in results) if with_likelihood else {}
        for row in results:
            exchange_id = row.pop("exchange_id")
            if with_likelihood:
                row["win_likelihood"] = win_likelihood_summary(likelihoods.get(exchange_id))
        return Response(
            {
                "next": replace_query_param(url, "page", page + 1) if len(rows) > size else None,
                "previous": replace_query_param(url, "page", page - 1) if page > 1 else None,
                "results": results,
            }
        )
