"""Forms of the verdict's pages: follow-up assignment and status, and the scoring model's parameters."""

from django import forms
from django.contrib.auth import get_user_model

from leads.choices import FollowUpStatus
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
    ("Outages", ["rival_incident_points", "home_incident_points", "incident_half_life_days"]),
    ("Regulation and licences", ["relocation_points", "regulation_points", "major_licence_points"]),
    (
        "Interest and engagement",
        ["ai_interest_points", "ai_interest_half_life_days", "engagement_points", "engagement_half_life_days"],
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

    def groups(self):
        result = [(title, [self[name] for name in names]) for title, names in PARAMETER_GROUPS]
        result.insert(1, ("Size", [self[f"size_{tier}"] for tier in SIZE_TIERS]))
        return result

    def parameters(self) -> dict:
        data = {name: self.cleaned_data[name] for _, names in PARAMETER_GROUPS for name in names}
        data["size_points"] = {tier: self.cleaned_data[f"size_{tier}"] for tier in SIZE_TIERS}
        return data
