"""The cloud footprint of one exchange over the API: host -> IP -> cloud / region / front door."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.models import Exchange
from intel.technographics.api.serializers import ExchangeFootprintSerializer
from intel.technographics.footprint import exchange_footprint


class ExchangeFootprintView(APIView):
    """Read-only: an exchange the user may see, with its hosts, their addresses and the last verdict."""

    @extend_schema(responses=ExchangeFootprintSerializer)
    def get(self, request, slug: str):
        exchange = get_object_or_404(Exchange.objects.visible_to(request.user), slug=slug)
        return Response(ExchangeFootprintSerializer(exchange_footprint(exchange)).data)
