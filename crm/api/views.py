"""The account book over the API. Every queryset starts from Exchange.objects.visible_to(user)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from crm.api.authentication import forget_token
from crm.api.base import SLUG, AtomicWritesMixin, EvidenceWritesMixin, ExchangeScopedViewSet
from crm.api.permissions import ApiAccess, ChangeOwnOnly, ManagerWrites
from crm.api.serializers import (
    ActivitySerializer,
    AllocationSerializer,
    ApiTokenSerializer,
    CloudVendorSerializer,
    ContactSerializer,
    ExchangeSerializer,
    IssuedApiTokenSerializer,
    JurisdictionSerializer,
    PresenceSerializer,
)
from crm.choices import TokenAccess
from crm.filtersets import (
    ActivityFilterSet,
    AllocationFilterSet,
    ApiTokenFilterSet,
    CloudVendorFilterSet,
    ContactFilterSet,
    ExchangeFilterSet,
    JurisdictionFilterSet,
    PresenceFilterSet,
)
from crm.models import Activity, Allocation, ApiToken, CloudVendor, Contact, Exchange, Jurisdiction, Presence
from crm.services import activity_save, allocation_save, api_token_create, exchange_size_set, presence_save

OWN_ONLY = [ApiAccess, ChangeOwnOnly]
MANAGERS_WRITE = [ApiAccess, ManagerWrites]


class CloudVendorViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    """Cloud vendors: ours (CRM_HOME_VENDOR) and the rivals. Everyone reads; managers change."""

    queryset = CloudVendor.objects.all()
    serializer_class = CloudVendorSerializer
    filterset_class = CloudVendorFilterSet
    permission_classes = MANAGERS_WRITE
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering_fields = ["name", "slug"]
    ordering = ["slug"]


class JurisdictionViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    """Countries and regions exchanges operate in. Everyone reads; managers change."""

    queryset = Jurisdiction.objects.all()
    serializer_class = JurisdictionSerializer
    filterset_class = JurisdictionFilterSet
    permission_classes = MANAGERS_WRITE
    lookup_field = "code"
    lookup_value_regex = "[A-Z]{2}"  # ISO 3166-1 alpha-2, or EU
    ordering_fields = ["code", "name"]
    ordering = ["code"]


class ExchangeViewSet(ExchangeScopedViewSet):
    """Exchanges (prospect accounts) the caller may see; a rep changes only those they own."""

    queryset = Exchange.objects.none()  # the model, for the schema; get_queryset scopes it

    serializer_class = ExchangeSerializer
    filterset_class = ExchangeFilterSet
    permission_classes = OWN_ONLY
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering_fields = ["name", "slug", "updated_at", "created_at", "volume_30d_usd", "stage"]
    ordering = ["slug"]
    exchange_path = ""

    def get_queryset(self):
        return Exchange.objects.visible_to(self.request.user).select_related("headquarters", "owner", "family")

    def perform_create(self, serializer):
        self._save_with_size(serializer)

    def perform_update(self, serializer):
        self._save_with_size(serializer)

    def _save_with_size(self, serializer) -> None:
        """A size set by hand goes through crm.services.exchange_size_set, as on the page: a reason
        is required, who and when are recorded, and the exchange is rescored."""
        data = serializer.validated_data
        size = {name: data.pop(name) for name in ("size_tier_by_hand", "size_source") if name in data}
        exchange = serializer.save()
        if size:
            tier = size.get("size_tier_by_hand", exchange.size_tier_by_hand)
            reason = size.get("size_source", exchange.size_source)
            try:
                serializer.instance = exchange_size_set(
                    exchange=exchange, size_tier=tier, reason=reason, user=self.request.user
                )
            except DjangoValidationError as error:
                raise ValidationError(error.message_dict) from error


class PresenceViewSet(EvidenceWritesMixin, ExchangeScopedViewSet):
    """Where exchanges operate and under what licence status."""

    queryset = Presence.objects.none()  # the model, for the schema; get_queryset scopes it

    serializer_class = PresenceSerializer
    filterset_class = PresenceFilterSet
    permission_classes = OWN_ONLY
    ordering_fields = ["id", "since"]
    ordering = ["id"]

    def get_queryset(self):
        visible = Exchange.objects.visible_to(self.request.user).values("pk")
        return Presence.objects.filter(exchange__in=visible).select_related("exchange", "jurisdiction")

    def save_evidence(self, instance):
        return presence_save(presence=instance)


class AllocationViewSet(EvidenceWritesMixin, ExchangeScopedViewSet):
    """Who holds each exchange's cloud spend; the shares of one workload never exceed 100%."""

    queryset = Allocation.objects.none()  # the model, for the schema; get_queryset scopes it

    serializer_class = AllocationSerializer
    filterset_class = AllocationFilterSet
    permission_classes = OWN_ONLY
    ordering_fields = ["id", "share_percent", "observed_on"]
    ordering = ["id"]

    def get_queryset(self):
        visible = Exchange.objects.visible_to(self.request.user).values("pk")
        return Allocation.objects.filter(exchange__in=visible).select_related("exchange", "vendor")

    def save_evidence(self, instance):
        return allocation_save(allocation=instance)


class ContactViewSet(ExchangeScopedViewSet):
    """People at the exchanges the caller may see."""

    queryset = Contact.objects.none()  # the model, for the schema; get_queryset scopes it

    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    permission_classes = OWN_ONLY
    ordering_fields = ["id", "full_name", "updated_at"]
    ordering = ["id"]

    def get_queryset(self):
        return Contact.objects.visible_to(self.request.user).select_related("exchange")


class ActivityViewSet(EvidenceWritesMixin, ExchangeScopedViewSet):
    """Calls, meetings, emails and notes; the caller is recorded as the rep."""

    queryset = Activity.objects.none()  # the model, for the schema; get_queryset scopes it

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet
    permission_classes = OWN_ONLY
    ordering_fields = ["id", "occurred_at"]
    ordering = ["-occurred_at", "-id"]

    def get_queryset(self):
        return Activity.objects.visible_to(self.request.user).select_related("exchange", "rep")

    def new_instance(self, data: dict):
        return Activity(rep=self.request.user, **data)

    def save_evidence(self, instance):
        return activity_save(activity=instance)


@extend_schema_view(
    create=extend_schema(responses={201: IssuedApiTokenSerializer}),
    destroy=extend_schema(description="Revoke the token (it stays listed, marked revoked).", responses={204: None}),
)
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own API tokens: the key is shown once at creation, and only its hash is kept."""

    queryset = ApiToken.objects.none()  # the model, for the schema; get_queryset scopes it

    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilterSet
    ordering_fields = ["created_at", "last_used_at", "name"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = api_token_create(
            user=request.user,
            name=serializer.validated_data["name"],
            access=serializer.validated_data.get("access", TokenAccess.READ),
        )
        data = IssuedApiTokenSerializer(issued.token, context=self.get_serializer_context()).data
        data["key"] = issued.key
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        instance.revoke()
        forget_token(instance)

    @extend_schema(request=None, responses={200: ApiTokenSerializer, 404: OpenApiResponse(description="Not yours")})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the token: the next request using it answers 401 (on other server processes, within a second)."""
        token = self.get_object()
        with transaction.atomic():
            token.revoke()
            forget_token(token)
        return Response(self.get_serializer(token).data)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def no_such_page(request, rest: str = ""):
    """Any /api/v1/ address no route takes (an id that is not a number, a slug with a dot): the API's own
    404, a JSON body like every other answer, never the site's HTML page."""
    raise NotFound()
