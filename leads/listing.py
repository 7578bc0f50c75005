"""The leads list: which exchanges, in what order. Filters and sorting shared by the page and its CSV exports."""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import F, OuterRef, QuerySet, Subquery

from crm.models import Allocation, CloudVendor, Exchange, Jurisdiction
from leads.filtersets import LeadFilterSet

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
    # Our share as a subquery of the row, not an aggregate over a join to allocations: the aggregate
    # grouped every visible exchange before the sort could keep a page (110 ms at 10,000 exchanges), and
    # made the page count group them again; the subquery is read for the rows kept.
    home = (
        Allocation.objects.filter(vendor__slug=settings.CRM_HOME_VENDOR, exchange=OuterRef("pk"))
        .exclude(share_percent=None)
        .order_by("-share_percent")
        .values("share_percent")[:1]
    )
    return queryset.families().select_related("headquarters", "owner", "score").annotate(our_share=Subquery(home))


class ExchangeLeadFilterSet(LeadFilterSet):
    """The leads page's filter: the API's lead filter (leads.filtersets.LeadFilterSet, the one owner)
    on exchanges, so unscored exchanges are listed too (last), plus the page's sort and its pickers."""

    exchange_path = ""
    exchange_id_field = "pk"
    score_path = "score__"

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
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            # Pickers for the codes and slugs the filters take, read per request (the form class is shared).
            form.fields["jurisdiction"].widget = forms.Select(
                choices=[("", "Any"), *Jurisdiction.objects.order_by("code").values_list("code", "name")]
            )
            form.fields["rival"].widget = forms.Select(
                choices=[("", "Any"), *CloudVendor.objects.rivals().order_by("name").values_list("slug", "name")]
            )
            form.fields["changed_since"].widget = forms.DateInput(attrs={"type": "date"})
        return self._form

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by(*SORTS["score"])
        return queryset

    def defend_left_out(self, queryset):
        return queryset.exclude(score__is_defend=True)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["score"]))
