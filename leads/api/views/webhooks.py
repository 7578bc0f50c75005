"""The caller's webhook subscriptions and their delivery log."""

import secrets

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.base import AtomicWritesMixin
from leads.api.serializers import (
    IssuedWebhookSubscriptionSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionSerializer,
)
from leads.models import WebhookDelivery, WebhookSubscription


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
