"""One FilterSet per model of the account book, shared by the API and the HTML lists."""

import datetime

import django_filters
from django.db.models import Q

from crm.choices import (
    ActivityKind,
    ContactRole,
    EvidenceSource,
    ExchangeKind,
    LicenceStatus,
    SizeTier,
    Stage,
    VendorKind,
    Workload,
)
from crm.models import Activity, Allocation, ApiToken, CloudVendor, Contact, Exchange, Jurisdiction, Presence
from crm.search import normalise_search_term, text_condition


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment, turned into UTC before it reaches the database (PostgreSQL refuses offsets
    beyond ±16 h that ISO 8601 allows)."""

    def filter(self, qs, value):
        if value is not None:
            value = value.astimezone(datetime.UTC)
        return super().filter(qs, value)


class ExchangeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Name, slug or another name (alias) contains")
    kind = django_filters.MultipleChoiceFilter(distinct=False, choices=ExchangeKind.choices)
    size_tier = django_filters.MultipleChoiceFilter(distinct=False, choices=SizeTier.choices)
    stage = django_filters.MultipleChoiceFilter(distinct=False, choices=Stage.choices)
    headquarters = django_filters.CharFilter(field_name="headquarters__code", label="Headquarters (jurisdiction code)")
    jurisdiction = django_filters.CharFilter(
        method="filter_jurisdiction", label="Headquartered or present in (jurisdiction code)"
    )
    vendor = django_filters.CharFilter(method="filter_vendor", label="Has an allocation on this vendor (slug)")
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner (username)")
    family = django_filters.CharFilter(field_name="family__slug", label="Variant of (exchange slug)")
    is_family = django_filters.BooleanFilter(field_name="family", lookup_expr="isnull", label="Top-level accounts")
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Exchange
        fields = ["slug", "is_do_not_pursue"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_jurisdiction(self, queryset, name, value):
        present = Presence.objects.filter(jurisdiction__code=value.upper()).values("exchange_id")
        return queryset.filter(Q(headquarters__code=value.upper()) | Q(pk__in=present))

    def filter_vendor(self, queryset, name, value):
        return queryset.filter(pk__in=Allocation.objects.filter(vendor__slug=value).values("exchange_id"))


class CloudVendorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    kind = django_filters.MultipleChoiceFilter(distinct=False, choices=VendorKind.choices)

    class Meta:
        model = CloudVendor
        fields = ["slug", "hq_country"]


class JurisdictionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Code or name contains")

    class Meta:
        model = Jurisdiction
        fields = ["code", "is_major", "is_banned"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(code__iexact=value) | Q(name__icontains=value))


class PresenceFilterSet(django_filters.FilterSet):
    exchange = django_filters.CharFilter(field_name="exchange__slug", label="Exchange (slug)")
    jurisdiction = django_filters.CharFilter(field_name="jurisdiction__code", label="Jurisdiction (code)")
    licence_status = django_filters.MultipleChoiceFilter(distinct=False, choices=LicenceStatus.choices)

    class Meta:
        model = Presence
        fields = []


class AllocationFilterSet(django_filters.FilterSet):
    exchange = django_filters.CharFilter(field_name="exchange__slug", label="Exchange (slug)")
    vendor = django_filters.CharFilter(field_name="vendor__slug", label="Vendor (slug)")
    workload = django_filters.MultipleChoiceFilter(distinct=False, choices=Workload.choices)
    evidence_source = django_filters.MultipleChoiceFilter(distinct=False, choices=EvidenceSource.choices)
    min_share = django_filters.NumberFilter(field_name="share_percent", lookup_expr="gte", label="Share at least (%)")
    observed_since = django_filters.DateFilter(field_name="observed_on", lookup_expr="gte")

    class Meta:
        model = Allocation
        fields = []


class ContactFilterSet(django_filters.FilterSet):
    exchange = django_filters.CharFilter(field_name="exchange__slug", label="Exchange (slug)")
    role = django_filters.MultipleChoiceFilter(distinct=False, choices=ContactRole.choices)
    q = django_filters.CharFilter(
        method="filter_q", label="Name, title or email contains, or works at an exchange of that name"
    )

    class Meta:
        model = Contact
        fields = ["is_do_not_contact", "email"]

    def filter_q(self, queryset, name, value):
        if not normalise_search_term(value):
            return queryset
        fields = ("full_name", "native_name", "title", "email")
        return queryset.filter(text_condition(fields, value) | Q(exchange__in=Exchange.objects.search(value)))


class ActivityFilterSet(django_filters.FilterSet):
    exchange = django_filters.CharFilter(field_name="exchange__slug", label="Exchange (slug)")
    kind = django_filters.MultipleChoiceFilter(distinct=False, choices=ActivityKind.choices)
    rep = django_filters.CharFilter(field_name="rep__username", label="Rep (username)")
    occurred_after = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Activity
        fields = ["contact"]


class ApiTokenFilterSet(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", label="Not revoked")

    class Meta:
        model = ApiToken
        fields = ["access"]
