"""Exchanges with their current score, and a score's explanation with the evidence behind each factor."""

import datetime

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.views import ExchangeViewSet
from crm.models import Allocation
from intel.models import MarketFigure
from leads.api.evidence import explain_factors
from leads.api.serializers import ExplanationSerializer, ScoredExchangeSerializer
from leads.api.views.common import LANG_PARAMETER, SentenceLanguageMixin
from leads.models import Score
from leads.services.scores import active_model, exchange_explain


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
