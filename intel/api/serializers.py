"""Serializers of the evidence: explicit fields; exchanges named by slug within what the caller sees."""

from rest_framework import serializers

from crm.access import ensure_may_change_exchange
from crm.api.base import JsonTypesMixin, ModelCleanMixin, VisibleExchangeField, request_user
from crm.models import CloudVendor, Jurisdiction
from crm.names import DISPLAY_NAME_HELP, person_name_of
from intel.models import Attendee, Event, Regulation, Signal
from intel.signal_rules import signal_problems


class SignalSerializer(ModelCleanMixin, serializers.ModelSerializer):
    vendor = serializers.SlugRelatedField(
        slug_field="slug", queryset=CloudVendor.objects.all(), allow_null=True, required=False
    )
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.all(), allow_null=True, required=False
    )
    exchanges = VisibleExchangeField(many=True, required=False, help_text="Exchanges named by the source (slugs).")
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    vendor_region = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="The vendor's region or zone as the source writes it (e.g. 'Hong Kong zone C', 'apne1-az4'): "
        "the region code is resolved from it; a text naming no region of the vendor is kept, its region unknown.",
    )
    vendor_region_code = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="The vendor's region code (or a recognisable alias, stored as the code). Left out: "
        "resolved from `vendor_region`. Not one of the vendor's regions: 400.",
    )

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
            "ended_at",
            "severity",
            "recorded_by",
            "vendor",
            "vendor_region",
            "vendor_region_code",
            "jurisdiction",
            "exchanges",
            "created_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at"]

    def validate_exchanges(self, exchanges):
        for exchange in exchanges:
            ensure_may_change_exchange(request_user(self), exchange)
        return exchanges

    def validate(self, attrs):
        attrs = super().validate(attrs)

        def value(name, default=None):
            return attrs[name] if name in attrs else getattr(self.instance, name, default)

        exchanges = (
            attrs["exchanges"] if "exchanges" in attrs else (self.instance.exchanges.all() if self.instance else [])
        )
        problems = signal_problems(
            kind=value("kind", ""),
            title=value("title", ""),
            has_vendor=value("vendor") is not None,
            has_jurisdiction=value("jurisdiction") is not None,
            exchange_count=len(exchanges),
            has_source=bool(value("source_url", "") or value("source_note", "")),
            severity=value("severity", 3),
        )
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


class ReachedExchangeSerializer(serializers.Serializer):
    exchange = serializers.CharField(help_text="The exchange's slug.")
    name = serializers.CharField()
    share_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Its largest share on the vendor reached so."
    )
    named_by_source = serializers.BooleanField()


class SignalPreviewSerializer(JsonTypesMixin, serializers.Serializer):
    """What recording the signal would touch, among the exchanges the caller may see; writes nothing."""

    region_code = serializers.CharField(help_text="The outage's region code ('' unknown: every region is possible).")
    region = serializers.CharField(help_text="e.g. 'ap-northeast-1 (Tokyo)'.")
    hit = ReachedExchangeSerializer(many=True, help_text="Outage: allocations in its region, or named by the source.")
    possibly_affected = ReachedExchangeSerializer(
        many=True, help_text="Outage: allocations on the vendor whose region (or the outage's) is unknown."
    )
    concerned = ReachedExchangeSerializer(many=True, help_text="Every exchange it would rescore.")
    hidden = serializers.IntegerField(help_text="How many more it touches outside the caller's accounts.")


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
    display_name = serializers.SerializerMethodField(help_text=DISPLAY_NAME_HELP)

    class Meta:
        model = Attendee
        fields = [
            "id",
            "event",
            "full_name",
            "display_name",
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

    def get_display_name(self, attendee) -> str:
        return person_name_of(attendee)


class AttendeeMatchSerializer(JsonTypesMixin, serializers.Serializer):
    """A rep's decision on a match: an exchange (and optionally a contact there), or not an exchange."""

    exchange = VisibleExchangeField(allow_null=True, help_text="Null: the person is not from an exchange.")
    remember_alias = serializers.BooleanField(
        default=False, help_text="Remember the person's company as a name of this exchange for later imports."
    )


class AttendeeUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The badge scans / card list as CSV (UTF-8, Shift-JIS or GB18030).")
    keep_valid = serializers.BooleanField(
        default=False, help_text="Import the valid rows and report the rejected ones (default: all or nothing)."
    )


class RowProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line in the file (the header is line 1).")
    column = serializers.CharField(help_text="The column at fault (blank: the whole row).")
    message = serializers.CharField()


class AttendeeImportPreviewSerializer(serializers.Serializer):
    encoding = serializers.CharField()
    delimiter = serializers.CharField()
    headers = serializers.ListField(child=serializers.CharField())
    mapping = serializers.DictField(child=serializers.CharField(allow_null=True), help_text="File header -> field.")
    unmapped_headers = serializers.ListField(child=serializers.CharField())
    rows_read = serializers.IntegerField()
    valid_rows = serializers.IntegerField()
    duplicate_lines = serializers.IntegerField()
    blank_lines = serializers.IntegerField()
    new_people = serializers.IntegerField()
    known_people = serializers.IntegerField()
    problems = RowProblemSerializer(many=True)


class PeopleSummarySerializer(serializers.Serializer):
    added = serializers.IntegerField()
    updated = serializers.IntegerField()
    in_your_territory = serializers.IntegerField(
        help_text="Follow-ups assigned to you, and people in review you may decide."
    )
    passed_to_owners = serializers.IntegerField(
        help_text="Follow-ups assigned to someone else, and people in review at an account another rep owns."
    )
    waiting_for_manager = serializers.IntegerField(
        help_text="Matched people nobody could be given, and people in review only a manager may decide."
    )
    no_exchange_found = serializers.IntegerField()
    not_an_exchange = serializers.IntegerField()
    text = serializers.CharField(help_text='e.g. "29 added: 18 in your territory, 11 passed to their owners".')


class AttendeeImportOutcomeSerializer(serializers.Serializer):
    is_committed = serializers.BooleanField(help_text="False: the file had bad rows and nothing was written.")
    rows_read = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    duplicate_lines = serializers.IntegerField()
    rejected = serializers.IntegerField()
    matched = serializers.IntegerField()
    review = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    passed_to_owners = serializers.IntegerField(
        help_text="People at accounts the uploader may not change: recorded, left for the owner (or a manager) "
        "to confirm; not counted in created, updated, matched or review."
    )
    contacts_created = serializers.IntegerField()
    follow_ups = PeopleSummarySerializer(
        allow_null=True,
        help_text="Who acts next on the people this upload wrote, as the uploader reads it (null when nothing "
        "was written); the same counts as the upload page's message and the event page.",
    )
    problems = RowProblemSerializer(many=True)
    rejected_report = serializers.CharField(help_text="The rejected rows as CSV, with a reason per row.")
