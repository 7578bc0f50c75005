"""Follow-ups over the API: people met at events, assigned by a manager, moved on by the assignee."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.pagination import PageWithoutCount
from crm.api.permissions import ApiAccess, ChangeOwnOnly
from leads.api.serializers import FollowUpAssignSerializer, FollowUpSerializer, FollowUpStatusSerializer
from leads.api.views.common import SentenceLanguageMixin
from leads.filtersets import FollowUpFilterSet
from leads.models import FollowUp
from leads.services.followups import follow_up_assign, follow_up_may_assign, follow_up_may_change, follow_up_set_status


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
