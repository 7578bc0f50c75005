"""Serializers of the evidence: explicit fields; exchanges named by slug within what the caller sees."""

from rest_framework import serializers

from crm.api.base import ModelCleanMixin, VisibleExchangeField, ensure_may_change_exchange, request_user
from crm.models import CloudVendor, Contact, Jurisdiction
from intel.models import Attendee, Event, Regulation, Signal


class SignalSerializer(ModelCleanMixin, serializers.ModelSerializer):
    vendor = serializers.SlugRelatedField(
        slug_field="slug", queryset=CloudVendor.objects.all(), allow_null=True, required=False
    )
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.all(), allow_null=True, required=False
    )
    exchanges = VisibleExchangeField(many=True, required=False, help_text="Exchanges named by the source (slugs).")
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Signal
        fields = [
            "id",
            "kind",
            "title",
            "details",
            "source_url",
            "source_note",
            "occurred_at",
            "severity",
            "recorded_by",
            "vendor",
            "vendor_region",
            "jurisdiction",
            "exchanges",
            "created_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at"]

    def validate_exchanges(self, exchanges):
        for exchange in exchanges:
            ensure_may_change_exchange(request_user(self), exchange)
        return exchanges


class RegulationSerializer(ModelCleanMixin, serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(slug_field="code", queryset=Jurisdiction.objects.all())
    pressured_statuses = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, help_text="Licence statuses put under pressure."
    )

    class Meta:
        model = Regulation
        fields = [
            "id",
            "jurisdiction",
            "name",
            "short_name",
            "regulator",
            "effective_on",
            "pressured_statuses",
            "consequence",
            "forces_relocation",
            "source_url",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class EventSerializer(ModelCleanMixin, serializers.ModelSerializer):
    country = serializers.SlugRelatedField(slug_field="code", queryset=Jurisdiction.objects.all())

    class Meta:
        model = Event
        fields = [
            "id",
            "name",
            "slug",
            "city",
            "country",
            "venue",
            "starts_on",
            "ends_on",
            "timezone",
            "follow_up_sla_hours",
            "source_url",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class AttendeeSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    exchange = VisibleExchangeField(read_only=True)

    class Meta:
        model = Attendee
        fields = [
            "id",
            "event",
            "full_name",
            "company",
            "title",
            "email",
            "phone",
            "notes",
            "scanned_by",
            "scanned_at",
            "exchange",
            "contact",
            "match_method",
            "match_confidence",
            "match_status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AttendeeMatchSerializer(serializers.Serializer):
    """A rep's decision on a match: an exchange (and optionally a contact there), or not an exchange."""

    exchange = VisibleExchangeField(allow_null=True, help_text="Null: the person is not from an exchange.")
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), allow_null=True, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["contact"].queryset = Contact.objects.visible_to(request_user(self))
        return fields

    def validate(self, attrs):
        exchange, contact = attrs.get("exchange"), attrs.get("contact")
        if contact is not None and (exchange is None or contact.exchange_id != exchange.pk):
            raise serializers.ValidationError({"contact": f"{contact.full_name} does not work at that exchange."})
        return attrs


class AttendeeUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The badge scans / card list as CSV (UTF-8, Shift-JIS or GB18030).")
    keep_valid = serializers.BooleanField(
        default=False, help_text="Import the valid rows and report the rejected ones (default: all or nothing)."
    )
