"""The leads list: which exchanges, in what order. Filters and sorting shared by the page and its CSV exports."""

import datetime

import django_filters
from django import forms
from django.conf import settings
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from crm.choices import SizeTier, Stage
from crm.models import Allocation, CloudVendor, Exchange, Jurisdiction, Presence
from leads.choices import Grade
from leads.models import ScoreChange

# Sort keys a user may pick: name -> ordering. Unscored exchanges always go last.
SORTS: dict[str, list] = {
    "score": [F("score__score").desc(nulls_last=True), "name"],
    "-score": [F("score__score").asc(nulls_last=True), "name"],
    "name": ["name"],
    "-name": ["-name"],
    "our_share": [F("our_share").desc(nulls_last=True), "name"],
    "-our_share": [F("our_share").asc(nulls_last=True), "name"],
    "updated": [F("score__computed_at").desc(nulls_last=True), "name"],
}


def leads_queryset(queryset: QuerySet[Exchange]) -> QuerySet[Exchange]:
    """Exchanges with what the list shows, loaded in the same query: score, headquarters, owner, our share."""
    home = Allocation.objects.filter(vendor__slug=settings.CRM_HOME_VENDOR)
    return (
        queryset.families()
        .select_related("headquarters", "owner", "score")
        .annotate(our_share=Max("allocations__share_percent", filter=Q(allocations__in=home)))
    )


class LeadFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Name or another name (alias)")
    grade = django_filters.MultipleChoiceFilter(
        field_name="score__grade", choices=Grade.choices, widget=forms.CheckboxSelectMultiple, label="Grade"
    )
    jurisdiction = django_filters.ModelChoiceFilter(
        queryset=Jurisdiction.objects.all(),
        method="filter_jurisdiction",
        to_field_name="code",
        label="Jurisdiction",
        empty_label="Any",
    )
    size_tier = django_filters.ChoiceFilter(choices=SizeTier.choices, label="Size", empty_label="Any")
    rival = django_filters.ModelChoiceFilter(
        queryset=CloudVendor.objects.rivals(),
        method="filter_rival",
        to_field_name="slug",
        label="Rival vendor",
        empty_label="Any",
    )
    our_share_min = django_filters.NumberFilter(method="filter_our_share_min", label="Our share at least (%)")
    our_share_max = django_filters.NumberFilter(method="filter_our_share_max", label="Our share at most (%)")
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner (username)")
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label="Stage", empty_label="Any")
    changed_since = django_filters.DateFilter(
        method="filter_changed_since",
        label="Score changed since",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label="Sort by",
        empty_label=None,
        choices=[
            ("score", "Score, best first"),
            ("-score", "Score, lowest first"),
            ("name", "Name A–Z"),
            ("-name", "Name Z–A"),
            ("our_share", "Our share, highest first"),
            ("-our_share", "Our share, lowest first"),
            ("updated", "Recently rescored"),
        ],
    )

    class Meta:
        model = Exchange
        fields: list[str] = []

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by(*SORTS["score"])
        return queryset

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_jurisdiction(self, queryset, name, value):
        present = Presence.objects.filter(jurisdiction=value).values("exchange_id")
        return queryset.filter(Q(headquarters=value) | Q(pk__in=present))

    def filter_rival(self, queryset, name, value):
        return queryset.filter(pk__in=Allocation.objects.filter(vendor=value).values("exchange_id"))

    def filter_our_share_min(self, queryset, name, value):
        return queryset.filter(our_share__gte=value)

    def filter_our_share_max(self, queryset, name, value):
        # No recorded share counts as 0%.
        return queryset.filter(Q(our_share__lte=value) | Q(our_share__isnull=True))

    def filter_changed_since(self, queryset, name, value: datetime.date):
        moment = timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))
        return queryset.filter(pk__in=ScoreChange.objects.filter(created_at__gte=moment).values("exchange_id"))

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["score"]))
