"""One FilterSet per evidence model, shared by the API and the HTML lists."""

import django_filters

from crm.filtersets import UtcDateTimeFilter
from intel.choices import MatchMethod, MatchStatus, SignalKind
from intel.models import Attendee, Event, Regulation, Signal


class SignalFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(distinct=False, choices=SignalKind.choices)
    vendor = django_filters.CharFilter(field_name="vendor__slug", label="Vendor (slug)")
    jurisdiction = django_filters.CharFilter(field_name="jurisdiction__code", label="Jurisdiction (code)")
    exchange = django_filters.CharFilter(method="filter_exchange", label="Names this exchange (slug)")
    occurred_after = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    min_severity = django_filters.NumberFilter(field_name="severity", lookup_expr="gte")

    class Meta:
        model = Signal
        fields = []

    def filter_exchange(self, queryset, name, value):
        named = Signal.exchanges.through.objects.filter(exchange__slug=value).values("signal_id")
        return queryset.filter(pk__in=named)


class RegulationFilterSet(django_filters.FilterSet):
    jurisdiction = django_filters.CharFilter(field_name="jurisdiction__code", label="Jurisdiction (code)")
    effective_after = django_filters.DateFilter(field_name="effective_on", lookup_expr="gte")
    effective_before = django_filters.DateFilter(field_name="effective_on", lookup_expr="lt")

    class Meta:
        model = Regulation
        fields = ["forces_relocation"]


class EventFilterSet(django_filters.FilterSet):
    country = django_filters.CharFilter(field_name="country__code", label="Country (code)")
    starts_after = django_filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    starts_before = django_filters.DateFilter(field_name="starts_on", lookup_expr="lt")

    class Meta:
        model = Event
        fields = ["slug", "city"]


class AttendeeFilterSet(django_filters.FilterSet):
    event = django_filters.CharFilter(field_name="event__slug", label="Event (slug)")
    exchange = django_filters.CharFilter(field_name="exchange__slug", label="Matched exchange (slug)")
    match_status = django_filters.MultipleChoiceFilter(distinct=False, choices=MatchStatus.choices)
    match_method = django_filters.MultipleChoiceFilter(distinct=False, choices=MatchMethod.choices)
    q = django_filters.CharFilter(
        method="filter_q", label="Name, company, title or email contains, or matched to an exchange of that name"
    )

    class Meta:
        model = Attendee
        fields = ["email"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)
