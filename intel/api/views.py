"""The evidence over the API, scoped by Exchange.objects.visible_to(user): a signal or attendee
tied to an exchange the caller cannot see does not exist for them."""

from django.db.models import Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from crm.access import ensure_may_change_exchange, is_manager, may_change_exchange
from crm.api.base import SLUG, AtomicWritesMixin
from crm.api.permissions import ApiAccess, ChangeOwnOnly, ManagerWrites
from crm.api.throttling import UploadRateThrottle
from crm.models import Exchange
from intel.api.serializers import (
    AttendeeImportOutcomeSerializer,
    AttendeeImportPreviewSerializer,
    AttendeeMatchSerializer,
    AttendeeSerializer,
    AttendeeUploadSerializer,
    EventSerializer,
    RegulationSerializer,
    SignalPreviewSerializer,
    SignalSerializer,
)
from intel.downstream import people_summary
from intel.filtersets import AttendeeFilterSet, EventFilterSet, RegulationFilterSet, SignalFilterSet
from intel.models import Attendee, Event, Regulation, Signal
from intel.parsing import FileError
from intel.parsing import FileTooLarge as UploadTooLarge
from intel.queries import signal_preview
from intel.services.attendees import attendee_import, attendee_import_preview, attendee_upload_check
from intel.services.review import attendee_mark_not_exchange, attendee_match_choose
from intel.services.signals import (
    regulation_delete,
    regulation_save,
    regulation_update,
    signal_delete,
    signal_record,
    signal_update,
)


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

    def perform_create(self, serializer):
        serializer.instance = signal_record(recorded_by=self.request.user, **serializer.validated_data)

    @extend_schema(request=SignalSerializer, responses={200: SignalPreviewSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """Which exchanges the signal would touch (an outage's hit and possibly affected, by region),
        among those the caller may see; writes nothing. The body is the one that would record it."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        preview = signal_preview(
            kind=data.get("kind", ""),
            vendor=data.get("vendor"),
            vendor_region=data.get("vendor_region", ""),
            vendor_region_code=data.get("vendor_region_code", ""),
            jurisdiction=data.get("jurisdiction"),
            exchanges=data.get("exchanges", ()),
            user=request.user,
        )

        def rows(items):
            return [
                {
                    "exchange": row["exchange"].slug,
                    "name": row["exchange"].name,
                    "share_percent": row["share"],
                    "named_by_source": row["named"],
                }
                for row in items
            ]

        body = {
            "region_code": preview["region_code"],
            "region": preview["region"],
            "hit": rows(preview["hit"]),
            "possibly_affected": rows(preview["possible"]),
            "concerned": rows(preview["exchanges"]),
            "hidden": preview["hidden"],
        }
        return Response(SignalPreviewSerializer(body).data)

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        exchanges = changes.pop("exchanges", None)
        if exchanges is not None:
            # Exchanges the caller cannot see stay named: they may only change what they see.
            named = serializer.instance.exchanges.values("pk")
            hidden = Exchange.objects.filter(pk__in=named).exclude(
                pk__in=Exchange.objects.visible_to(self.request.user).values("pk")
            )
            exchanges = [*exchanges, *hidden]
        serializer.instance = signal_update(signal=serializer.instance, changes=changes, exchanges=exchanges)

    def perform_destroy(self, instance):
        signal_delete(signal=instance)


class RegulationViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    """Rules by jurisdiction with their effective dates. Everyone reads; managers change."""

    queryset = Regulation.objects.select_related("jurisdiction")
    serializer_class = RegulationSerializer
    filterset_class = RegulationFilterSet
    permission_classes = [ApiAccess, ManagerWrites]
    ordering_fields = ["effective_on", "id"]
    ordering = ["-effective_on", "-id"]

    def perform_create(self, serializer):
        serializer.instance = regulation_save(regulation=Regulation(**serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = regulation_update(regulation=serializer.instance, changes=serializer.validated_data)

    def perform_destroy(self, instance):
        regulation_delete(regulation=instance)


def _upload(request) -> tuple[bytes, bool, int]:
    """The uploaded file's bytes, its flag and the row limit: a file over the byte limit is refused (413) from
    its size, before it is read; the row limit is applied while the file is parsed (400 naming it)."""
    serializer = AttendeeUploadSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    upload = serializer.validated_data["file"]
    try:
        limits = attendee_upload_check(size=upload.size)
    except UploadTooLarge as error:
        raise FileTooLarge(str(error)) from error
    return upload.read(), serializer.validated_data["keep_valid"], limits.max_rows


def _problems(problems) -> list[dict]:
    return [{"line": p.line, "column": p.column, "message": p.message} for p in problems]


class FileTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The file is too large."
    default_code = "file_too_large"


class EventViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    """Conferences where reps meet people. Everyone reads; managers change; anyone with write access
    uploads the people they met (preview first, then import)."""

    accepts_uploads = True

    queryset = Event.objects.select_related("country")
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    permission_classes = [ApiAccess, ManagerWrites]
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering_fields = ["starts_on", "name", "id"]
    ordering = ["-starts_on", "-id"]

    def get_permissions(self):
        if self.action in ("attendees_preview", "attendees_import"):
            return [ApiAccess()]
        return super().get_permissions()

    def get_throttles(self):
        if self.action in ("attendees_preview", "attendees_import"):
            return [*super().get_throttles(), UploadRateThrottle()]
        return super().get_throttles()

    @extend_schema(
        request={"multipart/form-data": AttendeeUploadSerializer},
        responses={200: AttendeeImportPreviewSerializer},
    )
    @action(detail=True, methods=["post"], url_path="attendees/preview", parser_classes=[MultiPartParser])
    def attendees_preview(self, request, slug=None):
        """What importing this file would do (column mapping, rejected rows, new people); writes nothing."""
        event = self.get_object()
        data, _keep_valid, max_rows = _upload(request)
        try:
            preview = attendee_import_preview(event=event, data=data, max_rows=max_rows, user=request.user)
        except FileError as error:
            raise ValidationError({"file": [str(error)]}) from error
        body = {name: getattr(preview, name) for name in AttendeeImportPreviewSerializer().fields if name != "problems"}
        body["problems"] = _problems(preview.problems)
        return Response(body)

    @extend_schema(
        request={"multipart/form-data": AttendeeUploadSerializer},
        responses={201: AttendeeImportOutcomeSerializer, 400: AttendeeImportOutcomeSerializer},
    )
    @action(detail=True, methods=["post"], url_path="attendees/import", parser_classes=[MultiPartParser])
    def attendees_import(self, request, slug=None):
        """Import the file: all or nothing (400 with the rejected rows), or with `keep_valid` the valid
        rows and a report of the rejected ones."""
        event = self.get_object()
        data, keep_valid, max_rows = _upload(request)
        upload = request.data["file"]
        try:
            outcome = attendee_import(
                event=event,
                data=data,
                filename=getattr(upload, "name", ""),
                keep_valid=keep_valid,
                imported_by=request.user,
                max_rows=max_rows,
            )
        except FileError as error:
            raise ValidationError({"file": [str(error)]}) from error
        body = {
            name: getattr(outcome, name)
            for name in AttendeeImportOutcomeSerializer().fields
            if name not in ("problems", "rejected_report", "follow_ups")
        }
        body["problems"] = _problems(outcome.problems)
        body["rejected_report"] = outcome.rejected_report.decode("utf-8-sig", errors="replace")
        # Who acts next on these people: the one count the upload page's message and the event page show.
        summary = people_summary(event=event, user=request.user, batch=outcome.batch) if outcome.is_committed else None
        body["follow_ups"] = summary.as_dict() if summary is not None else None
        return Response(body, status=status.HTTP_201_CREATED if outcome.is_committed else status.HTTP_400_BAD_REQUEST)


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
        return obj.exchange_id is None or may_change_exchange(request.user, obj.exchange_id)

    @extend_schema(request=AttendeeMatchSerializer, responses={200: AttendeeSerializer})
    @action(detail=True, methods=["post"])
    def match(self, request, pk=None):
        """Confirm or change the exchange a person works at (or mark them as not from an exchange)."""
        attendee = self.get_object()
        serializer = AttendeeMatchSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        exchange = serializer.validated_data["exchange"]
        ensure_may_change_exchange(request.user, exchange)
        if exchange is None:
            attendee = attendee_mark_not_exchange(attendee=attendee, user=request.user)
        else:
            attendee = attendee_match_choose(
                attendee=attendee,
                exchange=exchange,
                user=request.user,
                remember_alias=serializer.validated_data["remember_alias"],
            )
        return Response(AttendeeSerializer(attendee, context=self.get_serializer_context()).data)
