"""One FilterSet per lead-score model, shared by the API and the HTML lists."""

import copy
import datetime

import django_filters
from django import forms
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from crm.choices import SizeTier, Stage
from crm.filtersets import UtcDateTimeFilter
from crm.models import Allocation, Exchange, Presence
from leads.choices import FollowUpStatus, Grade, ScoreCause
from leads.models import FollowUp, Score, ScoreChange, ScoringModel


class PreparedFilterSet(django_filters.FilterSet):
    """A FilterSet for a hot path: django-filter deep-copies every filter (their choices included) and
    builds a new form class, with new fields, for each request, which costs more than the query it
    filters. Here the filters are copied shallowly (they keep no state of their own beyond their
    parent) and the form class is built once per FilterSet class. Its filters' fields must not depend
    on the request (no callable querysets)."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        base_filters = self.base_filters
        # Deep-copying nothing: the parent's __init__ copies `base_filters`, so hand it an empty one.
        self.base_filters = {}
        super().__init__(data, queryset, request=request, prefix=prefix)
        del self.base_filters
        model = self.queryset.model
        self.filters = {}
        for name, base in base_filters.items():
            filter_ = copy.copy(base)
            filter_.model, filter_.parent = model, self
            if filter_.method is not None:
                filter_.method = filter_.method  # a FilterMethod bound to this copy, not to the original
            self.filters[name] = filter_

    def get_form_class(self):
        form_class = type(self).__dict__.get("_prepared_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._prepared_form_class = form_class
        return form_class


class MomentField(forms.Field):
    """An ISO 8601 date-time, or a date (its midnight); without an offset, in the active time zone."""

    default_error_messages = {"invalid": "Enter an ISO 8601 date or date-time."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            moment = value
        else:
            text = str(value).strip()
            try:
                moment = parse_datetime(text)
                if moment is None and (day := parse_date(text)) is not None:
                    moment = datetime.datetime.combine(day, datetime.time.min)
            except ValueError:
                moment = None
            if moment is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@extend_schema_field(OpenApiTypes.STR)  # a date or a date-time: neither OpenAPI format alone
class MomentFilter(django_filters.Filter):
    field_class = MomentField


class LeadFilterSet(PreparedFilterSet):
    """The lead filter, the one owner of "which leads match": the API filters scores with it, the leads
    page (ExchangeLeadFilterSet) exchanges, so the same query string gives the same rows. Each filter
    reaches the exchange and its score through `exchange_path` and `score_path`; accounts to defend
    are left out unless asked for."""

    exchange_path = "exchange__"  # from the filtered model to its exchange
    exchange_id_field = "exchange_id"
    score_path = ""  # from the filtered model to its score

    q = django_filters.CharFilter(method="filter_q", label="Exchange name, slug or another name (alias) contains")
    grade = django_filters.MultipleChoiceFilter(
        method="filter_grade", choices=Grade.choices, widget=forms.CheckboxSelectMultiple, label="Grade"
    )
    min_score = django_filters.NumberFilter(method="filter_min_score", label="Score at least")
    jurisdiction = django_filters.CharFilter(
        method="filter_jurisdiction", label="Jurisdiction (headquarters or presence, code)"
    )
    size_tier = django_filters.MultipleChoiceFilter(method="filter_size_tier", choices=SizeTier.choices, label="Size")
    rival = django_filters.CharFilter(method="filter_rival", label="Rival vendor holding some of its spend (slug)")
    our_share_min = django_filters.NumberFilter(method="filter_our_share_min", label="Our share at least (%)")
    our_share_max = django_filters.NumberFilter(method="filter_our_share_max", label="Our share at most (%)")
    owner = django_filters.CharFilter(method="filter_owner", label="Owner (username)")
    stage = django_filters.MultipleChoiceFilter(method="filter_stage", choices=Stage.choices, label="Stage")
    changed_since = MomentFilter(
        method="filter_changed_since",
        label="Score changed since",
        help_text="A date, or an ISO 8601 date-time.",
    )
    include_defend = django_filters.BooleanFilter(
        method="filter_include_defend", label="Include accounts to defend (our vendor's customers)"
    )

    class Meta:
        model = Score
        fields: list[str] = []

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("include_defend"):  # unbound: no cleaned data
            queryset = self.defend_left_out(queryset)
        return queryset

    def defend_left_out(self, queryset):
        return queryset.filter(is_defend=False)

    def _exchange(self, lookup: str) -> str:
        return f"{self.exchange_path}{lookup}"

    def _exchange_in(self, queryset, exchange_ids):
        return queryset.filter(**{f"{self.exchange_id_field}__in": exchange_ids})

    def filter_grade(self, queryset, name, value):
        return queryset.filter(**{f"{self.score_path}grade__in": value})

    def filter_min_score(self, queryset, name, value):
        return queryset.filter(**{f"{self.score_path}score__gte": value})

    def filter_include_defend(self, queryset, name, value):
        return queryset  # applied in qs, so leaving it out means "no"

    def filter_q(self, queryset, name, value):
        return self._exchange_in(queryset, Exchange.objects.search(value).values("pk"))

    def filter_jurisdiction(self, queryset, name, value):
        code = value.upper()
        present = Presence.objects.filter(jurisdiction__code=code).values("exchange_id")
        return queryset.filter(
            Q(**{self._exchange("headquarters__code"): code}) | Q(**{f"{self.exchange_id_field}__in": present})
        )

    def filter_size_tier(self, queryset, name, value):
        return queryset.filter(**{self._exchange("size_tier__in"): value})

    def filter_rival(self, queryset, name, value):
        if value == settings.CRM_HOME_VENDOR:
            return queryset.none()
        return self._exchange_in(queryset, Allocation.objects.filter(vendor__slug=value).values("exchange_id"))

    def _home(self):
        return Allocation.objects.filter(vendor__slug=settings.CRM_HOME_VENDOR)

    def filter_our_share_min(self, queryset, name, value):
        return self._exchange_in(queryset, self._home().filter(share_percent__gte=value).values("exchange_id"))

    def filter_our_share_max(self, queryset, name, value):
        # No recorded share counts as 0%.
        above = self._home().filter(share_percent__gt=value).values("exchange_id")
        return queryset.exclude(**{f"{self.exchange_id_field}__in": above})

    def filter_owner(self, queryset, name, value):
        return queryset.filter(**{self._exchange("owner__username"): value})

    def filter_stage(self, queryset, name, value):
        return queryset.filter(**{self._exchange("stage__in"): value})

    def filter_changed_since(self, queryset, name, value):
        # In UTC: PostgreSQL refuses the offsets beyond ±16 h that ISO 8601 allows.
        changed = ScoreChange.objects.filter(created_at__gte=value.astimezone(datetime.UTC)).values("exchange_id")
        return self._exchange_in(queryset, changed)


class ScoreChangeFilterSet(django_filters.FilterSet):
    exchange = django_filters.CharFilter(field_name="exchange__slug", label="Exchange (slug)")
    cause = django_filters.MultipleChoiceFilter(distinct=False, choices=ScoreCause.choices)
    is_grade_change = django_filters.BooleanFilter(method="filter_is_grade_change", label="Grade changed")

    class Meta:
        model = ScoreChange
        fields: list[str] = []

    def filter_is_grade_change(self, queryset, name, value):
        condition = ~Q(old_grade=F("new_grade"))
        return queryset.filter(condition) if value else queryset.exclude(condition)


FOLLOW_UP_SOON_HOURS = 48
# English labels marked for the catalogues (the API's schema keeps them); the board translates them when shown.
FOLLOW_UP_DUE_CHOICES = [
    ("overdue", gettext_noop("Overdue")),
    ("next_48h", gettext_noop("In the next 48 h")),
    ("later", gettext_noop("Later")),
]


class FollowUpFilterSet(django_filters.FilterSet):
    event = django_filters.CharFilter(field_name="event__slug", label="Event (slug)")
    exchange = django_filters.CharFilter(field_name="attendee__exchange__slug", label="Exchange (slug)")
    assignee = django_filters.CharFilter(field_name="assignee__username", label="Assignee (username)")
    is_unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull", label="Unassigned")
    status = django_filters.MultipleChoiceFilter(distinct=False, choices=FollowUpStatus.choices)
    due_before = UtcDateTimeFilter(field_name="due_at", lookup_expr="lt")
    grade = django_filters.MultipleChoiceFilter(
        distinct=False, field_name="attendee__exchange__score__grade", choices=Grade.choices, label="Exchange grade"
    )
    due = django_filters.ChoiceFilter(method="filter_due", choices=FOLLOW_UP_DUE_CHOICES, label="Due")

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def filter_due(self, queryset, name, value):
        """Overdue: a step still to do and past due; next 48 h: a step due from now to 48 hours on;
        later: a step due after that (FollowUpQuerySet.steps_pending)."""
        now = timezone.now()
        soon = now + datetime.timedelta(hours=FOLLOW_UP_SOON_HOURS)
        to_do = queryset.steps_pending()
        if value == "overdue":
            return to_do.filter(due_at__lt=now)
        if value == "next_48h":
            return to_do.filter(due_at__gte=now, due_at__lt=soon)
        if value == "later":
            return to_do.filter(due_at__gte=soon)
        return queryset


class ScoringModelFilterSet(django_filters.FilterSet):
    class Meta:
        model = ScoringModel
        fields = ["is_active", "version"]
