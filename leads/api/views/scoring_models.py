"""Scoring model versions over the API: everyone reads; managers create versions and activate one."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.permissions import ApiAccess, ManagerWrites
from leads.api.serializers import ScoringModelActivationSerializer, ScoringModelSerializer
from leads.choices import ScoreCause
from leads.filtersets import ScoringModelFilterSet
from leads.models import ScoringModel
from leads.services.rescore_runs import rescore_runs_with_progress
from leads.services.scoring_models import scoring_model_activate, scoring_model_create_version


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
