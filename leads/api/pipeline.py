"""Opportunities over the API (/api/v1/opportunities/): visibility is the exchange's (crm.access),
a rep changes only the opportunities of the accounts they own, and every write goes through
leads.services.opportunities (validation naming the field, stage history)."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from crm.access import may_change_exchange
from crm.api.base import VisibleExchangeField, to_drf_validation_error
from crm.api.permissions import ApiAccess, ChangeOwnOnly
from crm.choices import Workload
from crm.models import CloudVendor
from leads.api.serializers import WinLikelihoodSerializer
from leads.choices import OpportunitySource, OpportunityStage
from leads.models import Opportunity, OpportunityStageChange
from leads.pipeline_training import win_likelihood_summary, win_predictions_current
from leads.services.opportunities import opportunity_create, opportunity_update

WORKLOAD_CHOICES = [(w.value, w.label) for w in Workload if w != Workload.ALL]


class OpportunityFilterSet(django_filters.FilterSet):
    exchange = django_filters.CharFilter(field_name="exchange__slug", label="Exchange (slug)")
    stage = django_filters.MultipleChoiceFilter(choices=OpportunityStage.choices)
    is_open = django_filters.BooleanFilter(method="filter_is_open", label="Open (not closed won or lost)")
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner (username)")
    lost_to = django_filters.CharFilter(field_name="lost_to__slug", label="Lost to (vendor slug)")
    workload = django_filters.ChoiceFilter(choices=WORKLOAD_CHOICES, method="filter_workload", label="Workload")
    close_after = django_filters.DateFilter(field_name="close_date", lookup_expr="gte")
    close_before = django_filters.DateFilter(field_name="close_date", lookup_expr="lte")
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    is_generated = django_filters.BooleanFilter(label="GENERATED demo history")
    salesforce_id = django_filters.CharFilter()

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def filter_is_open(self, queryset, name, value):
        return queryset.open() if value else queryset.closed()

    def filter_workload(self, queryset, name, value):
        if connection.vendor == "postgresql":
            return queryset.filter(workloads__contains=[value])
        # SQLite has no JSON containment: the codes are distinct words, so their quoted form is exact.
        return queryset.filter(workloads__icontains=f'"{value}"')


class StageChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Blank on the change that opened the opportunity (it had no stage before).
    from_stage = serializers.ChoiceField(choices=OpportunityStage.choices, allow_blank=True, read_only=True)

    class Meta:
        model = OpportunityStageChange
        fields = ["from_stage", "to_stage", "changed_at", "changed_by", "source"]
        read_only_fields = fields


class OpportunitySerializer(serializers.ModelSerializer):
    exchange = VisibleExchangeField()
    workloads = serializers.ListField(child=serializers.ChoiceField(choices=WORKLOAD_CHOICES), required=False)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    lost_to = serializers.SlugRelatedField(
        slug_field="slug", queryset=CloudVendor.objects.all(), required=False, allow_null=True
    )
    monthly_spend_usd = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    stage_changes = StageChangeSerializer(many=True, read_only=True)
    win_likelihood = serializers.SerializerMethodField()

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "exchange",
            "name",
            "workloads",
            "monthly_spend_usd",
            "stage",
            "probability",
            "close_date",
            "owner",
            "lost_to",
            "lost_reason",
            "opened_at",
            "closed_at",
            "salesforce_id",
            "is_generated",
            "updated_at",
            "stage_changes",
            "win_likelihood",
        ]
        read_only_fields = ["id", "owner", "closed_at", "salesforce_id", "is_generated", "updated_at"]
        extra_kwargs = {"opened_at": {"required": False}, "name": {"validators": []}}

    @extend_schema_field(WinLikelihoodSerializer(allow_null=True))
    def get_win_likelihood(self, opportunity) -> dict | None:
        predictions = self.context.get("win_predictions")
        if predictions is None:
            predictions = win_predictions_current([opportunity.pk])
        return win_likelihood_summary(predictions.get(opportunity.pk))

    def validate(self, attrs):
        if self.instance is not None and "exchange" in attrs and attrs["exchange"] != self.instance.exchange:
            raise serializers.ValidationError({"exchange": "An opportunity stays with its exchange."})
        if self.instance is not None and "opened_at" in attrs and attrs["opened_at"] != self.instance.opened_at:
            raise serializers.ValidationError({"opened_at": "When an opportunity opened is not changed."})
        return attrs

    def create(self, validated_data):
        user = self.context["request"].user
        exchange = validated_data.pop("exchange")
        name = validated_data.pop("name")
        try:
            return opportunity_create(
                exchange=exchange, name=name, user=user, source=OpportunitySource.PRODUCT, **validated_data
            )
        except DjangoValidationError as error:
            raise to_drf_validation_error(error) from error

    def update(self, instance, validated_data):
        validated_data.pop("exchange", None)
        validated_data.pop("opened_at", None)
        user = self.context["request"].user
        try:
            return opportunity_update(instance, user=user, source=OpportunitySource.PRODUCT, **validated_data)
        except DjangoValidationError as error:
            raise to_drf_validation_error(error) from error


class OpportunityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Opportunities of the exchanges the caller may see, with their stage history and current win
    likelihood; a rep creates and changes those of the accounts they own, a manager any. Deals are
    not deleted (they are the history the win likelihood learns from): close them lost instead."""

    queryset = Opportunity.objects.none()
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilterSet
    permission_classes = [ApiAccess, ChangeOwnOnly]
    ordering_fields = ["opened_at", "close_date", "monthly_spend_usd", "id"]
    ordering = ["-opened_at", "id"]

    def get_queryset(self):
        return (
            Opportunity.objects.visible_to(self.request.user)
            .select_related("exchange", "owner", "lost_to")
            .prefetch_related("stage_changes__changed_by")
        )

    def may_change(self, request, obj) -> bool:
        return may_change_exchange(request.user, obj.exchange)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        items = page if page is not None else list(queryset)
        context = {**self.get_serializer_context(), "win_predictions": win_predictions_current(o.pk for o in items)}
        data = OpportunitySerializer(items, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)
