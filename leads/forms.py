"""Forms of the verdict's pages: follow-up assignment and status, the scoring model's parameters, and
what a research rep records on the exchange page (size, allocations, presences, contacts, a merge).

The research forms validate their fields; each saves through the account book's service (the same
write path as the API), and an error the service raises lands on the field it names."""

import pathlib
from functools import cache

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext

from crm.choices import SizeTier
from crm.forms import time_zone_choices
from crm.models import Allocation, CloudVendor, Contact, Exchange, Jurisdiction, Presence
from crm.services import allocation_save, contact_save, exchange_size_set, presence_save
from intel.models import Event
from leads.cadences import MAX_STEP_HOURS, MAX_STEPS, STEP_KIND_LABELS, STEP_KINDS, CadenceError, plan_from_json
from leads.choices import FollowUpStatus, Grade
from leads.parameters import ScoringParameters


def rep_users():
    return get_user_model().objects.filter(rep__isnull=False, is_active=True).order_by("username")


class BulkAssignForm(forms.Form):
    follow_ups = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple, label="People")
    assignee = forms.ModelChoiceField(queryset=None, label="Assign to", to_field_name="username")

    def __init__(self, *args, follow_ups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_ups"].queryset = follow_ups
        self.fields["assignee"].queryset = rep_users()


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(choices=FollowUpStatus.choices, label="Status")


# Parameters shown as whole-number inputs, grouped as a manager thinks about them.
PARAMETER_GROUPS: list[tuple[str, list[str]]] = [
    ("Grades", ["grade_a", "grade_b", "grade_c"]),
    (
        "Who holds the cloud",
        [
            "largest_rival_points",
            "displacement_points",
            "displacement_share_percent",
            "displaceable_points",
            "defend_share_percent",
            "home_share_points",
        ],
    ),
    (
        "Outages",
        ["rival_incident_points", "home_incident_points", "incident_half_life_days", "incident_unknown_region_percent"],
    ),
    ("Regulation and licences", ["relocation_points", "regulation_points", "major_licence_points"]),
    (
        "Interest and engagement",
        [
            "rival_ai_workload_points",
            "ai_interest_points",
            "ai_interest_half_life_days",
            "engagement_points",
            "engagement_half_life_days",
        ],
    ),
    (
        "People met at events",
        [
            "persona_infrastructure_points",
            "persona_executive_points",
            "persona_engineer_points",
            "person_engagement_points",
        ],
    ),
]
SIZE_TIERS = ["small", "mid", "large", "unknown"]
# The market-figure thresholds that set the tier, shown with the size points.
SIZE_THRESHOLDS = ["size_large_volume_btc", "size_mid_volume_btc"]
SIZE_THRESHOLD_LABELS = {
    "size_large_volume_btc": "Large from (24h volume, BTC)",
    "size_mid_volume_btc": "Mid-size from (24h volume, BTC)",
}


class ScoringModelForm(forms.Form):
    """Every parameter of a scoring model as a whole number; ScoringParameters validates the whole."""

    name = forms.CharField(max_length=100, required=False, label="Name of the new version")

    def __init__(self, *args, parameters: ScoringParameters, **kwargs):
        super().__init__(*args, **kwargs)
        values = parameters.to_dict()
        for _, names in PARAMETER_GROUPS:
            for name in names:
                self.fields[name] = forms.IntegerField(
                    label=name.replace("_", " ").capitalize().replace("Ai ", "AI "), initial=values[name]
                )
        for tier in SIZE_TIERS:
            self.fields[f"size_{tier}"] = forms.IntegerField(label=f"Size: {tier}", initial=values["size_points"][tier])
        for name in SIZE_THRESHOLDS:
            self.fields[name] = forms.IntegerField(label=SIZE_THRESHOLD_LABELS[name], initial=values[name])

    def groups(self):
        result = [(title, [self[name] for name in names]) for title, names in PARAMETER_GROUPS]
        size = [self[f"size_{tier}"] for tier in SIZE_TIERS] + [self[name] for name in SIZE_THRESHOLDS]
        result.insert(1, ("Size", size))
        return result

    def parameters(self) -> dict:
        data = {name: self.cleaned_data[name] for _, names in PARAMETER_GROUPS for name in names}
        data.update({name: self.cleaned_data[name] for name in SIZE_THRESHOLDS})
        data["size_points"] = {tier: self.cleaned_data[f"size_{tier}"] for tier in SIZE_TIERS}
        return data


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has it,
    else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS else None, errors)


class SizeTierForm(forms.Form):
    """The size tier a person sets by hand, with why; 'Unknown' clears it (the market figures decide)."""

    size_tier_by_hand = forms.ChoiceField(
        choices=SizeTier.choices,
        label="Size tier set by hand",
        help_text="Unknown: not set by hand, the newest market figure decides.",
    )
    size_source = forms.CharField(
        max_length=300,
        required=False,
        label="Why (the figure, its source and date)",
        help_text="Required when you set a tier, e.g. '24h volume 52,000 BTC, CoinGecko, 2025-08-01'.",
    )

    def __init__(self, *args, exchange: Exchange, **kwargs):
        super().__init__(*args, **kwargs)
        self.exchange = exchange
        self.initial.setdefault("size_tier_by_hand", exchange.size_tier_by_hand)
        self.initial.setdefault("size_source", exchange.size_source)

    def save(self, *, user) -> Exchange | None:
        try:
            return exchange_size_set(
                exchange=self.exchange,
                size_tier=self.cleaned_data["size_tier_by_hand"],
                reason=self.cleaned_data["size_source"],
                user=user,
            )
        except ValidationError as error:
            add_service_errors(self, error)
            return None


class ExchangeEvidenceForm(forms.ModelForm):
    """A row about one exchange, saved through its service; `save()` returns None when the service refuses."""

    def __init__(self, *args, exchange: Exchange, **kwargs):
        super().__init__(*args, **kwargs)
        self.exchange = exchange
        self.instance.exchange = exchange

    def save_through_service(self, instance):
        raise NotImplementedError

    def save(self, commit: bool = True):  # type: ignore[override]
        instance = super().save(commit=False)
        instance.exchange = self.exchange
        try:
            return self.save_through_service(instance)
        except ValidationError as error:
            add_service_errors(self, error)
            return None


class AllocationForm(ExchangeEvidenceForm):
    """Who hosts a workload of the exchange, with the source: a page entry needs a source URL and a date."""

    class Meta:
        model = Allocation
        fields = [
            "vendor",
            "workload",
            "region",
            "share_percent",
            "evidence_source",
            "source_url",
            "observed_on",
            "source_note",
            "confidence",
        ]
        widgets = {"observed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {
            "evidence_source": "Kind of evidence",
            "source_url": "Source URL",
            "observed_on": "Date of the source",
            "source_note": "Note",
        }
        help_texts = {
            "source_url": "Required here: the page, case study or note that shows it.",
            "observed_on": "Required here: when the source says so.",
            "confidence": "0..100; leave blank for the default of its kind of evidence.",
            "region": "The vendor's region code (ap-northeast-1) or as the source writes it (Tokyo, apne1-az4).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = CloudVendor.objects.order_by("name")
        self.fields["source_url"].required = True
        self.fields["observed_on"].required = True

    def save_through_service(self, instance):
        return allocation_save(allocation=instance)


class JurisdictionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} · {obj.name}"


class PresenceForm(ExchangeEvidenceForm):
    """Where the exchange operates, under what licence, and how we know: saved as a person's entry."""

    class Meta:
        model = Presence
        fields = ["jurisdiction", "licence_status", "licence_reference", "since", "source", "source_url"]
        field_classes = {"jurisdiction": JurisdictionChoiceField}
        widgets = {"since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"licence_reference": "Licence reference", "source_url": "Source URL"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.order_by("code")

    def save_through_service(self, instance):
        return presence_save(presence=instance)


class ContactForm(ExchangeEvidenceForm):
    """A person at the exchange."""

    class Meta:
        model = Contact
        fields = ["full_name", "native_name", "title", "role", "email", "phone", "is_do_not_contact"]

    def save_through_service(self, instance):
        return contact_save(contact=instance)


class ExchangeMergeForm(forms.Form):
    """Which account to merge into this one (a manager's decision; the service checks the rest)."""

    source = forms.ModelChoiceField(
        queryset=Exchange.objects.none(),
        to_field_name="slug",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        label="Account to merge into this one (its slug)",
        help_text="Its allocations, presences, people, signals and history move here; it is then deleted.",
        error_messages={"invalid_choice": "No account has this slug."},
    )
    confirm = forms.BooleanField(label="I understand the other account is deleted once merged")

    def __init__(self, *args, target: Exchange, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        self.fields["source"].queryset = Exchange.objects.visible_to(user)


@cache
def _country_zones() -> dict[str, str]:
    """Each country's first time zone in the system's zone table (zone1970.tab: JP Asia/Tokyo, SG
    Asia/Singapore, ...); a country listed with several zones gets the first, its most populous."""
    zones: dict[str, str] = {}
    try:
        lines = pathlib.Path("/usr/share/zoneinfo/zone1970.tab").read_text(encoding="utf-8").splitlines()
    except OSError:
        return zones
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        codes, _coordinates, zone = line.split("\t")[:3]
        for code in codes.split(","):
            zones.setdefault(code, zone)
    return zones


def country_time_zone(code: str) -> str:
    """The time zone an event in this country gets when none is chosen: the country's main zone, else UTC."""
    return _country_zones().get((code or "").upper(), "UTC")


class EventEditForm(forms.ModelForm):
    """A manager corrects an event: its name, dates, venue, country, time zone (from the list, or the
    country's when left blank) and follow-up SLA. The address (slug) stays."""

    timezone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Left blank, the country's main time zone.",
    )

    class Meta:
        model = Event
        fields = ["name", "starts_on", "ends_on", "venue", "city", "country", "timezone", "follow_up_sla_hours"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {"follow_up_sla_hours": "Follow-up within (hours)", "starts_on": "Starts on", "ends_on": "Ends on"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Jurisdiction.objects.order_by("name")
        self.fields["timezone"].choices = [("", "The country's time zone"), *time_zone_choices()]

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", f"{self.instance.name} cannot end ({ends}) before it starts ({starts}).")
        if not cleaned.get("timezone") and cleaned.get("country") is not None:
            cleaned["timezone"] = country_time_zone(cleaned["country"].code)
            self.instance.timezone = cleaned["timezone"]
        return cleaned


class CadenceForm(forms.Form):
    """An event's cadence as a manager edits it: for each grade, up to MAX_STEPS steps of a kind and the
    hours after the event ends when it is due (blank on a first step: the event's SLA). The plan is
    checked by leads.cadences.plan_from_json; each problem lands on the step's field it names."""

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [("", gettext("No step")), *((kind, STEP_KIND_LABELS[kind]) for kind in STEP_KINDS)]
        self.grades = []
        for grade in Grade.values:
            steps = plan.get(grade, ())
            rows = []
            for number in range(1, MAX_STEPS + 1):
                step = steps[number - 1] if number <= len(steps) else None
                kind_name, hours_name = f"{grade}_{number}_kind", f"{grade}_{number}_hours"
                self.fields[kind_name] = forms.ChoiceField(
                    choices=kinds,
                    required=False,
                    initial=step.kind if step else "",
                    label=gettext("Grade %(grade)s, step %(step)s") % {"grade": grade, "step": number},
                )
                self.fields[hours_name] = forms.IntegerField(
                    required=False,
                    min_value=1,
                    max_value=MAX_STEP_HOURS,
                    initial=step.hours if step else None,
                    label=gettext("Hours after the event ends"),
                )
                # (number, the kind's field, the hours' field, what a reader who may not change it sees)
                shown = ""
                if step is not None and step.hours is None:
                    shown = gettext("%(kind)s, due at the event's follow-up time") % {
                        "kind": STEP_KIND_LABELS[step.kind]
                    }
                elif step is not None:
                    shown = gettext("%(kind)s, due %(hours)s h after the event ends") % {
                        "kind": STEP_KIND_LABELS[step.kind],
                        "hours": step.hours,
                    }
                rows.append((number, self[kind_name], self[hours_name], shown))
            self.grades.append((grade, rows))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        steps = {}
        for grade in Grade.values:
            steps[grade] = [
                {"kind": cleaned[f"{grade}_{n}_kind"], "hours": cleaned.get(f"{grade}_{n}_hours")}
                for n in range(1, MAX_STEPS + 1)
                if cleaned.get(f"{grade}_{n}_kind")
            ]
        try:
            plan_from_json(steps)
        except CadenceError as error:
            for key, message in error.errors.items():
                grade, _sep, rest = key.partition(".")
                number, _sep, name = rest.partition(".")
                field = f"{grade}_{number or 1}_{name or 'kind'}"
                self.add_error(field if field in self.fields else None, message)
        self.steps = steps
        return cleaned
