"""The evidence over the API, scoped by Exchange.objects.visible_to(user): a signal or attendee
tied to an exchange the caller cannot see does not exist for them."""

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.base import AtomicWritesMixin, ensure_may_change_exchange
from crm.api.permissions import ApiAccess, ChangeOwnOnly, ManagerWrites, is_manager
from crm.models import Exchange
from crm.services import evidence_changed
from intel.api.serializers import (
    AttendeeMatchSerializer,
    AttendeeSerializer,
    EventSerializer,
    RegulationSerializer,
    SignalSerializer,
)
from intel.choices import MatchMethod, MatchStatus
from intel.filtersets import AttendeeFilterSet, EventFilterSet, RegulationFilterSet, SignalFilterSet
from intel.models import Attendee, Event, Regulation, Signal


def visible_signals(user):
    """Market-wide signals (naming no exchange) and those naming at least one visible exchange."""
    visible = Exchange.objects.visible_to(user)
    through = Signal.exchanges.through.objects
    return Signal.objects.filter(
        ~Q(pk__in=through.values("signal_id"))
        | Q(pk__in=through.filter(exchange__in=visible.values("pk")).values("signal_id"))
    ).prefetch_related(Prefetch("exchanges", queryset=visible.only("pk", "slug").order_by("slug")))


def visible_attendees(user):
    """People not (yet) tied to an exchange are the team's review queue; the rest follow their exchange."""
    visible = Exchange.objects.visible_to(user).values("pk")
    return Attendee.objects.filter(Q(exchange__isnull=True) | Q(exchange__in=visible))


class SignalViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    """Dated, sourced evidence (outages, regulation, relocation, AI interest, meetings, ...).
    Anyone records; the recorder or a manager changes it."""

    queryset = Signal.objects.none()  # the model, for the schema; get_queryset scopes it

    serializer_class = SignalSerializer
    filterset_class = SignalFilterSet
    permission_classes = [ApiAccess, ChangeOwnOnly]
    ordering_fields = ["occurred_at", "severity", "id"]
    ordering = ["-occurred_at", "-id"]

    def get_queryset(self):
        return visible_signals(self.request.user).select_related("recorded_by", "vendor", "jurisdiction")

    def may_change(self, request, obj) -> bool:
        return is_manager(request.user) or obj.recorded_by_id == request.user.pk

    def _evidence_changed(self, signal: Signal, before: set[int]) -> None:
        named = before | {exchange.pk for exchange in signal.exchanges.all()}
        evidence_changed(exchange_ids=named, cause="signal", reference=f"signal:{signal.pk}")

    def perform_create(self, serializer):
        signal = serializer.save(recorded_by=self.request.user)
        self._evidence_changed(signal, set())

    def perform_update(self, serializer):
        before = set(serializer.instance.exchanges.values_list("pk", flat=True))
        if "exchanges" in serializer.validated_data:
            # Exchanges the caller cannot see stay named: they may only change what they see.
            hidden = Exchange.objects.filter(pk__in=before).exclude(
                pk__in=Exchange.objects.visible_to(self.request.user).values("pk")
            )
            serializer.validated_data["exchanges"] = [*serializer.validated_data["exchanges"], *hidden]
        signal = serializer.save()
        self._evidence_changed(signal, before)

    def perform_destroy(self, instance):
        named = set(instance.exchanges.values_list("pk", flat=True))
        reference = f"signal:{instance.pk}"
        instance.delete()
        evidence_changed(exchange_ids=named, cause="signal", reference=reference)


class RegulationViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    """Rules by jurisdiction with their effective dates. Everyone reads; managers change."""

    queryset = Regulation.objects.select_related("jurisdiction")
    serializer_class = RegulationSerializer
    filterset_class = RegulationFilterSet
    permission_classes = [ApiAccess, ManagerWrites]
    ordering_fields = ["effective_on", "id"]
    ordering = ["-effective_on", "-id"]

    def _affected(self, *jurisdiction_ids: int) -> set[int]:
        exchanges = Exchange.objects.filter(
            Q(headquarters__in=jurisdiction_ids) | Q(presences__jurisdiction__in=jurisdiction_ids)
        )
        return set(exchanges.values_list("pk", flat=True))

    def perform_create(self, serializer):
        regulation = serializer.save()
        evidence_changed(
            exchange_ids=self._affected(regulation.jurisdiction_id),
            cause="regulation",
            reference=f"regulation:{regulation.pk}",
        )

    def perform_update(self, serializer):
        before = serializer.instance.jurisdiction_id
        regulation = serializer.save()
        evidence_changed(
            exchange_ids=self._affected(before, regulation.jurisdiction_id),
            cause="regulation",
            reference=f"regulation:{regulation.pk}",
        )

    def perform_destroy(self, instance):
        affected, reference = self._affected(instance.jurisdiction_id), f"regulation:{instance.pk}"
        instance.delete()
        evidence_changed(exchange_ids=affected, cause="regulation", reference=reference)


class EventViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    """Conferences where reps meet people. Everyone reads; managers change."""

    queryset = Event.objects.select_related("country")
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    permission_classes = [ApiAccess, ManagerWrites]
    lookup_field = "slug"
    ordering_fields = ["starts_on", "name", "id"]
    ordering = ["-starts_on", "-id"]


class AttendeeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People met at events, with the exchange they were matched to."""

    queryset = Attendee.objects.none()  # the model, for the schema; get_queryset scopes it

    serializer_class = AttendeeSerializer
    filterset_class = AttendeeFilterSet
    permission_classes = [ApiAccess, ChangeOwnOnly]
    ordering_fields = ["full_name", "id", "match_confidence"]
    ordering = ["id"]

    def get_queryset(self):
        return visible_attendees(self.request.user).select_related("event", "exchange")

    def may_change(self, request, obj) -> bool:
        if obj.exchange_id is None or is_manager(request.user):
            return True
        return Exchange.objects.editable_by(request.user).filter(pk=obj.exchange_id).exists()

    @extend_schema(request=AttendeeMatchSerializer, responses={200: AttendeeSerializer})
    @action(detail=True, methods=["post"])
    def match(self, request, pk=None):
        """Confirm or change the exchange a person works at (or mark them as not from an exchange)."""
        attendee = self.get_object()
        serializer = AttendeeMatchSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        exchange = serializer.validated_data["exchange"]
        ensure_may_change_exchange(request.user, exchange)
        with transaction.atomic():
            before = attendee.exchange_id
            attendee.exchange = exchange
            attendee.contact = serializer.validated_data.get("contact")
            attendee.match_method = MatchMethod.MANUAL if exchange else MatchMethod.NONE
            attendee.match_confidence = 100 if exchange else 0
            attendee.match_status = MatchStatus.MATCHED if exchange else MatchStatus.NOT_AN_EXCHANGE
            attendee.reviewed_by = request.user
            attendee.reviewed_at = timezone.now()
            attendee.save()
            evidence_changed(
                exchange_ids={pk for pk in (before, attendee.exchange_id) if pk},
                cause="attendee",
                reference=f"attendee:{attendee.pk}",
            )
        return Response(AttendeeSerializer(attendee, context=self.get_serializer_context()).data)
