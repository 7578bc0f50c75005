"""Serializers of the account book: explicit fields, exchanges referenced by slug within what the
caller may see."""

from django.contrib.auth import get_user_model
from rest_framework import exceptions, serializers

from crm.access import ensure_may_change_exchange, is_manager, may_assign_owner
from crm.api.base import JsonTypesMixin, ModelCleanMixin, VisibleExchangeField, request_user
from crm.models import Activity, Allocation, ApiToken, CloudVendor, Contact, Exchange, Jurisdiction, Presence
from crm.names import DISPLAY_NAME_HELP, person_name_of


class CloudVendorSerializer(ModelCleanMixin, serializers.ModelSerializer):
    is_home = serializers.BooleanField(read_only=True, help_text="The vendor this team sells for.")

    class Meta:
        model = CloudVendor
        fields = ["slug", "name", "kind", "hq_country", "website", "market_note", "is_home"]


class ManagerFieldsMixin:
    """Fields only a manager sets (Salesforce ids): a rep sending a new value gets a 403 naming the field.
    Sending back the value already stored (a full PUT) is not a change."""

    manager_fields: tuple[str, ...] = ()

    def validate(self, attrs):
        user = request_user(self)
        if not is_manager(user):
            for name in self.manager_fields:
                if name in attrs and attrs[name] != getattr(self.instance, name, ""):
                    raise exceptions.PermissionDenied({name: [f"Only a manager sets {name}."]})
        return super().validate(attrs)


class JurisdictionSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = Jurisdiction
        fields = ["code", "name", "regulator", "is_major", "is_banned"]


class ExchangeSerializer(ManagerFieldsMixin, ModelCleanMixin, serializers.ModelSerializer):
    """An exchange a rep creates is theirs; only a manager assigns owners or sets the Salesforce id."""

    manager_fields = ("salesforce_account_id",)

    headquarters = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.all(), allow_null=True, required=False
    )
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), allow_null=True, required=False
    )
    family = VisibleExchangeField(allow_null=True, required=False)

    class Meta:
        model = Exchange
        fields = [
            "id",
            "slug",
            "name",
            "website",
            "kind",
            "headquarters",
            "size_tier",
            "size_tier_by_hand",
            "volume_30d_usd",
            "staff_count",
            "size_source",
            "stage",
            "owner",
            "family",
            "is_do_not_pursue",
            "salesforce_account_id",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "size_tier", "created_at", "updated_at"]

    def validate_owner(self, owner):
        user = request_user(self)
        unchanged = self.instance is not None and self.instance.owner_id == getattr(owner, "pk", None)
        if not unchanged and not may_assign_owner(user, owner):
            raise exceptions.PermissionDenied(
                {"owner": ["Only a manager assigns an account's owner (to someone else, or to nobody)."]}
            )
        return owner

    def validate(self, attrs):
        if self.instance is None and "owner" not in attrs and not is_manager(request_user(self)):
            attrs["owner"] = request_user(self)  # a rep's new account is theirs
        return super().validate(attrs)


class ExchangeChildSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """Something that belongs to an exchange: the caller must be allowed to change that exchange."""

    exchange = VisibleExchangeField()

    def validate_exchange(self, exchange):
        ensure_may_change_exchange(request_user(self), exchange)
        return exchange


class PresenceSerializer(ExchangeChildSerializer):
    jurisdiction = serializers.SlugRelatedField(slug_field="code", queryset=Jurisdiction.objects.all())

    class Meta:
        model = Presence
        fields = [
            "id",
            "exchange",
            "jurisdiction",
            "licence_status",
            "licence_reference",
            "since",
            "source",
            "source_url",
            "origin",
            "source_date",
        ]
        read_only_fields = ["id", "origin", "source_date"]
        # The unique (exchange, jurisdiction) rule is checked by full_clean with a clear message.
        validators = []


class AllocationSerializer(ExchangeChildSerializer):
    vendor = serializers.SlugRelatedField(slug_field="slug", queryset=CloudVendor.objects.all())
    region = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Where, as the source writes it (e.g. 'ap-northeast-1', 'Tokyo', 'apne1-az4'): the region "
        "code is resolved from it; a text naming no region of the vendor is kept, its region unknown.",
    )
    region_code = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="The vendor's region code (or a recognisable alias, stored as the code). Left out: "
        "resolved from `region`. Not one of the vendor's regions: 400.",
    )
    confidence = serializers.IntegerField(
        min_value=0, max_value=100, required=False, help_text="Blank: the default for its evidence source."
    )

    class Meta:
        model = Allocation
        fields = [
            "id",
            "exchange",
            "vendor",
            "workload",
            "share_percent",
            "region",
            "region_code",
            "evidence_source",
            "source_url",
            "source_note",
            "confidence",
            "observed_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []

    # allocation_save runs the model validation and the 100% rule itself.
    clean_exclude = ("confidence",)


class ContactSerializer(ManagerFieldsMixin, ExchangeChildSerializer):
    """A person at an exchange the caller may change; only a manager sets the Salesforce id."""

    manager_fields = ("salesforce_id",)
    display_name = serializers.SerializerMethodField(help_text=DISPLAY_NAME_HELP)

    class Meta:
        model = Contact
        fields = [
            "id",
            "exchange",
            "full_name",
            "native_name",
            "display_name",
            "title",
            "role",
            "email",
            "phone",
            "is_do_not_contact",
            "notes",
            "salesforce_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []

    def get_display_name(self, contact) -> str:
        return person_name_of(contact)


class ActivitySerializer(ExchangeChildSerializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), allow_null=True, required=False)
    rep = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Activity
        fields = ["id", "exchange", "contact", "rep", "kind", "occurred_at", "summary", "details", "created_at"]
        read_only_fields = ["id", "rep", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        fields["contact"].queryset = Contact.objects.visible_to(request_user(self))
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        exchange = attrs.get("exchange", getattr(self.instance, "exchange", None))
        contact = attrs.get("contact")
        if contact is not None and exchange is not None and contact.exchange_id != exchange.pk:
            raise serializers.ValidationError({"contact": f"{contact.full_name} does not work at {exchange.name}."})
        return attrs


class ApiTokenSerializer(JsonTypesMixin, serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "access", "key_prefix", "is_active", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "key_prefix", "is_active", "created_at", "last_used_at", "revoked_at"]

    def validate_name(self, name):
        user = request_user(self)
        if ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
            raise serializers.ValidationError(f"You already have an active token named {name!r}.")
        return name


class IssuedApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The secret: shown this once, never again.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
