"""The cloud footprint of one exchange over the API: host -> IP -> cloud / region / front door."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.access import may_change_exchange
from crm.api.base import SLUG
from crm.models import Exchange
from intel.technographics.api.serializers import ExchangeFootprintSerializer
from intel.technographics.footprint import exchange_footprint
from intel.technographics.tasks import detect_clouds_task

# The exchange's slug, as the <slug:> route takes it.
SLUG_PARAMETER = OpenApiParameter("slug", str, OpenApiParameter.PATH, pattern=f"^{SLUG}$")


class ExchangeFootprintView(APIView):
    """Read-only: an exchange the user may see, with its hosts, their addresses and the last verdict."""

    @extend_schema(
        parameters=[SLUG_PARAMETER],
        responses={
            200: ExchangeFootprintSerializer,
            404: OpenApiResponse(description="No such exchange among those the caller may see."),
        },
    )
    def get(self, request, slug: str):
        exchange = get_object_or_404(Exchange.objects.visible_to(request.user), slug=slug)
        return Response(ExchangeFootprintSerializer(exchange_footprint(exchange)).data)


class ExchangeFootprintDetectView(APIView):
    """Check an exchange's hosts now (queued; the footprint shows the result when it is done).

    Detection may write allocations (IP inference), so only who may change the exchange may ask:
    its owner or a manager. An exchange the caller cannot see answers 404."""

    @extend_schema(
        parameters=[SLUG_PARAMETER],
        request=None,
        responses={
            202: inline_serializer("FootprintDetectQueued", {"queued": serializers.BooleanField()}),
            403: OpenApiResponse(description="Not the owner of the exchange, or a read-only token."),
            404: OpenApiResponse(description="No such exchange among those the caller may see."),
        },
    )
    def post(self, request, slug: str):
        exchange = get_object_or_404(Exchange.objects.visible_to(request.user), slug=slug)
        if not may_change_exchange(request.user, exchange):
            raise PermissionDenied("You may check only the accounts you own.")
        detect_clouds_task.delay(exchange.pk)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)
