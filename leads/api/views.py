"""Lead scores over the API: the ranked list, explanations, the change feed, follow-ups and scoring
models. Every queryset is scoped by Exchange.objects.visible_to(user) (through the models'
visible_to methods). The list and the feed are hot paths: served from values(), no serializer."""

import datetime
import secrets
import threading
from collections import OrderedDict
from contextlib import nullcontext

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections, transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from crm.api.base import AtomicWritesMixin
from crm.api.filters import FilterBackend, query_flag
from crm.api.pagination import PageWithoutCount
from crm.api.permissions import ApiAccess, ChangeOwnOnly, ManagerWrites
from crm.api.views import ExchangeViewSet
from crm.models import Allocation
from crm.models.exchanges import visibility_condition
from intel.models import Event, MarketFigure
from leads.api.evidence import explain_factors
from leads.api.serializers import (
    CadenceSerializer,
    ExplanationSerializer,
    FollowUpAssignSerializer,
    FollowUpSerializer,
    FollowUpStatusSerializer,
    IssuedWebhookSubscriptionSerializer,
    LeadPageSerializer,
    ScoreChangePageSerializer,
    ScoredExchangeSerializer,
    ScoringModelActivationSerializer,
    ScoringModelSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionSerializer,
)
from leads.cadences import plan_to_json
from leads.choices import ScoreCause
from leads.filtersets import FollowUpFilterSet, LeadFilterSet, ScoreChangeFilterSet, ScoringModelFilterSet
from leads.models import Cadence, FollowUp, Score, ScoreChange, ScoringModel, WebhookDelivery, WebhookSubscription
from leads.pipeline_training import exchange_win_likelihoods, win_likelihood_summary
from leads.sentences import factors_in, supported_language
from leads.services.cadences import cadence_may_change, cadence_save, event_plan
from leads.services.followups import follow_up_assign, follow_up_may_assign, follow_up_may_change, follow_up_set_status
from leads.services.rescore_runs import rescore_runs_with_progress
from leads.services.scores import active_model, exchange_explain
from leads.services.scoring_models import scoring_model_activate, scoring_model_create_version

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    description="The language of the factors' sentences: en, ja or zh-hans (zh-CN and ja-JP are read as those). "
    "Default: the request's Accept-Language, else English. The response's Content-Language says which.",
)

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
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 1000
DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT = 500, 5000


def _bounded_int(request, name: str, default: int, low: int, high: int) -> int:
    given = request.query_params.getlist(name)
    if not given:
        return default
    if len(given) > 1:
        raise exceptions.ValidationError({name: [f"Give {name} once, not {len(given)} times."]})
    raw = given[0]
    try:
        value = int(raw)
    except ValueError as error:
        raise exceptions.ValidationError({name: [f"A whole number is required, not {raw!r}."]}) from error
    if not low <= value <= high:
        raise exceptions.ValidationError({name: [f"Must be between {low} and {high}, not {value}."]})
    return value


def api_language(request) -> str:
    """The language the sentences of a response are written in: `?lang=` when given (one the product does
    not speak is refused, naming it), else the language LocaleMiddleware chose from Accept-Language."""
    raw = request.query_params.get("lang", "")
    if not raw:
        return translation.get_language() or settings.LANGUAGE_CODE
    try:
        return supported_language(raw)
    except LookupError as error:
        spoken = ", ".join(code for code, _ in settings.LANGUAGES)
        raise exceptions.ValidationError({"lang": [f"{raw!r} is not one of the languages: {spoken}."]}) from error


class SentenceLanguageMixin:
    """Views whose responses carry factor sentences: the language is read once (a bad ?lang= answers 400
    before any work), handed to the serializers and said in Content-Language."""

    language = settings.LANGUAGE_CODE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.language = api_language(request)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "language": self.language}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = self.language
        return response


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


def _rows(queryset, columns: dict[str, str]) -> list[dict]:
    names, paths = list(columns), list(columns.values())
    return [dict(zip(names, row, strict=True)) for row in queryset.values_list(*paths)]


@extend_schema(parameters=[LANG_PARAMETER])
class ScoredExchangeViewSet(SentenceLanguageMixin, ExchangeViewSet):
    """Exchanges (prospect accounts) the caller may see, with their current score, grade, factors and
    model version; a rep changes only those they own."""

    serializer_class = ScoredExchangeSerializer

    def get_queryset(self):
        newest = Prefetch(
            "market_figures", queryset=MarketFigure.objects.newest_per_exchange(), to_attr="newest_market_figures"
        )
        allocations = Prefetch("allocations", queryset=Allocation.objects.select_related("vendor").order_by("pk"))
        return super().get_queryset().select_related("score").prefetch_related(newest, allocations)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATETIME,
                description="Explain the score as of this moment (ISO 8601; without an offset, in your time zone) "
                "with the active model. Default: the stored score, at its moment and with its model version.",
            )
        ],
        responses={200: ExplanationSerializer},
    )
    @action(detail=True, methods=["get"])
    def explain(self, request, slug=None):
        """The score's factors with the evidence behind each, as a rep reads them: by default the stored
        score's (its moment and model version), or as of `as_of` with the active model."""
        exchange = self.get_object()
        stored = Score.objects.filter(exchange=exchange).values_list("score", "model_version", "as_of").first()
        raw = request.query_params.get("as_of")
        if raw:
            moment, version = _moment(raw), active_model()[0]
        elif stored:
            moment, version = stored[2], stored[1]
        else:
            moment, version = timezone.now(), active_model()[0]
        result = exchange_explain(exchange_id=exchange.pk, as_of=moment, model_version=version)
        with translation.override(self.language):  # the evidence labels too
            factors = explain_factors(result.factors, user=request.user, language=self.language)
        return Response(
            {
                "exchange": exchange.slug,
                "name": exchange.name,
                "score": result.score,
                "grade": result.grade,
                "is_defend": result.is_defend,
                "model_version": version,
                "as_of": moment,
                "factors": factors,
                "stored_score": stored[0] if stored else None,
                "language": self.language,
            }
        )


def _moment(raw: str) -> datetime.datetime:
    """An ISO 8601 moment or date from a query string; one without an offset is read in the active zone."""
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        if day is None:
            raise exceptions.ValidationError({"as_of": [f"{raw!r} is not an ISO 8601 date or moment."]})
        moment = datetime.datetime.combine(day, datetime.time())
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


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


class FollowUpViewSet(SentenceLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People met at events to follow up: a manager assigns them; the assignee (or whoever may change
    the exchange) moves their status."""

    queryset = FollowUp.objects.none()
    serializer_class = FollowUpSerializer
    # No total count: counting every follow-up the caller may see grew with the years of events.
    pagination_class = PageWithoutCount
    filterset_class = FollowUpFilterSet
    permission_classes = [ApiAccess, ChangeOwnOnly]
    ordering_fields = ["due_at", "person_score", "id"]
    ordering = ["-person_score", "id"]

    def get_queryset(self):
        return FollowUp.objects.visible_to(self.request.user).select_related(
            "attendee__event", "attendee__exchange", "assignee", "status_changed_by"
        )

    def may_change(self, request, obj) -> bool:
        return follow_up_may_change(follow_up=obj, user=request.user)

    @extend_schema(request=FollowUpStatusSerializer, responses={200: FollowUpSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """Move the follow-up on: contacted, meeting booked, not a fit (or back to do)."""
        follow_up = self.get_object()
        serializer = FollowUpStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        follow_up = follow_up_set_status(
            follow_up=follow_up, status=serializer.validated_data["status"], user=request.user
        )
        return Response(self.get_serializer(follow_up).data)

    @extend_schema(request=FollowUpAssignSerializer, responses={200: FollowUpSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the follow-up to a rep (managers only)."""
        follow_up = self.get_object()
        if not follow_up_may_assign(user=request.user):
            raise exceptions.PermissionDenied("Only a manager assigns follow-ups.")
        serializer = FollowUpAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignee = serializer.validated_data["assignee"]
        follow_up = follow_up_assign(follow_up=follow_up, assignee=assignee)
        return Response(self.get_serializer(follow_up).data)


class ScoringModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Versions of the scoring weights. Everyone reads; managers create versions and activate one.
    A version is never edited: a change is a new version."""

    queryset = ScoringModel.objects.select_related("created_by")
    serializer_class = ScoringModelSerializer
    filterset_class = ScoringModelFilterSet
    permission_classes = [ApiAccess, ManagerWrites]
    ordering_fields = ["version"]
    ordering = ["-version"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = scoring_model_create_version(
            parameters=data.get("parameters") or {},
            name=data.get("name", ""),
            notes=data.get("notes", ""),
            created_by=self.request.user,
            activate=data.get("activate", False),
        )

    @extend_schema(request=None, responses={200: ScoringModelSerializer, 202: ScoringModelActivationSerializer})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Make this version the active one: 202 with the rescore of every exchange it queued (recorded
        with the activation, done by the worker after the answer, even if the broker is down now),
        or 200 if it was active already (nothing queued)."""
        model = self.get_object()
        if model.is_active:
            return Response(self.get_serializer(model).data, status=status.HTTP_200_OK)
        model = scoring_model_activate(scoring_model=model)
        model.rescore = (
            rescore_runs_with_progress()
            .filter(cause=ScoreCause.MODEL_CHANGE, model_version=model.version)
            .order_by("-pk")
            .first()
        )
        return Response(ScoringModelActivationSerializer(model).data, status=status.HTTP_202_ACCEPTED)


class WebhookSubscriptionViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    """The caller's webhook subscriptions. Deliveries are signed: `X-Webhook-Signature: sha256=<hex>` is
    HMAC-SHA256 with the secret over `<X-Webhook-Timestamp>.<body>`; `X-Webhook-Id` stays the same
    across retries."""

    queryset = WebhookSubscription.objects.none()
    serializer_class = WebhookSubscriptionSerializer
    ordering_fields = ["id", "created_at"]
    ordering = ["id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookSubscription.objects.none()
        return WebhookSubscription.objects.filter(owner=self.request.user)

    @extend_schema(responses={201: IssuedWebhookSubscriptionSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        secret = serializer.validated_data.pop("secret", "") or secrets.token_urlsafe(32)
        with transaction.atomic():
            subscription = serializer.save(owner=request.user, secret=secret)
        data = IssuedWebhookSubscriptionSerializer(subscription, context=self.get_serializer_context()).data
        data["signing_secret"] = secret
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: WebhookDeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The delivery log: status, attempts and last error of each event sent (newest first)."""
        subscription = self.get_object()
        queryset = WebhookDelivery.objects.filter(subscription=subscription).order_by("-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class EventCadenceView(generics.GenericAPIView):
    """An event's cadence: everyone signed in reads it; a manager replaces it (PUT), which moves the due
    times of the event's follow-ups. A bad plan answers 400 naming the grade, step and field, and
    changes nothing."""

    serializer_class = CadenceSerializer
    permission_classes = [ApiAccess, ManagerWrites]
    queryset = Event.objects.all()
    lookup_field = "slug"

    def _answer(self, event: Event) -> Response:
        cadence = Cadence.objects.filter(event=event).first()
        return Response(
            {
                "event": event.slug,
                "is_default": cadence is None,
                "follow_up_sla_hours": event.follow_up_sla_hours,
                "steps": plan_to_json(event_plan(event)),
            }
        )

    def get(self, request, slug=None):
        return self._answer(self.get_object())

    @extend_schema(request=CadenceSerializer, responses={200: CadenceSerializer})
    def put(self, request, slug=None):
        event = self.get_object()
        if not cadence_may_change(user=request.user):
            raise exceptions.PermissionDenied("Only a manager changes an event's cadence.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        steps = {grade: [dict(step) for step in items] for grade, items in serializer.validated_data["steps"].items()}
        try:
            cadence_save(event=event, steps=steps, user=request.user)
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"steps": error.message_dict}) from error
        return self._answer(event)
