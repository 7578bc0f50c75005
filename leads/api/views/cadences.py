"""An event's follow-up cadence over the API: read by everyone, replaced by a manager."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics
from rest_framework.response import Response

from crm.api.permissions import ApiAccess, ManagerWrites
from intel.models import Event
from leads.api.serializers import CadenceSerializer
from leads.cadences import plan_to_json
from leads.models import Cadence
from leads.services.cadences import cadence_may_change, cadence_save, event_plan


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
