"""Forms of the account book's pages: logging an activity at an exchange, a rep's own preferences."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.choices import Language
from crm.models import Activity, Contact, Exchange
from crm.services import activity_save
from crm.time_zones import time_zone_choices


def translated_choices(choices):
    """Choices whose labels (marked for the catalogues where they are defined) show in the reader's language."""
    return [(value, _(label) if label else label) for value, label in choices]


class ActivityForm(forms.ModelForm):
    """A call, meeting, email or note about one exchange, by the signed-in rep."""

    class Meta:
        model = Activity
        fields = ["kind", "occurred_at", "contact", "summary", "details"]
        widgets = {
            "occurred_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "details": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "kind": _("What"),
            "occurred_at": _("When"),
            "contact": _("With"),
            "summary": _("Summary"),
            "details": _("Details"),
        }

    def __init__(self, *args, exchange: Exchange, **kwargs):
        super().__init__(*args, **kwargs)
        self.exchange = exchange
        self.instance.exchange = exchange
        # The "With" options print each contact with its exchange: load it with them, not once per option.
        self.fields["contact"].queryset = (
            Contact.objects.filter(exchange=exchange).select_related("exchange").order_by("full_name")
        )
        self.fields["contact"].empty_label = _("Nobody in particular")
        self.fields["kind"].choices = translated_choices(self.fields["kind"].choices)
        self.fields["occurred_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))

    def save(self, *, rep) -> Activity:  # type: ignore[override]
        activity = super().save(commit=False)
        activity.exchange = self.exchange
        activity.rep = rep
        return activity_save(activity=activity)


class PreferencesForm(forms.Form):
    """What a rep sets for themselves: the pages' language and their time zone."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As my browser asks")), *Language.choices],
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
