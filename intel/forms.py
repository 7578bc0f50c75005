"""Forms of the evidence pages: events, badge-scan uploads, review decisions, signals, the signal feed's filters."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from crm.forms import translated_choices
from crm.models import CloudVendor, Exchange, Jurisdiction
from crm.time_zones import TimeZoneSelect
from intel.choices import SignalKind
from intel.filtersets import SignalFilterSet
from intel.models import Event

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["name", "city", "country", "venue", "starts_on", "ends_on", "timezone", "follow_up_sla_hours"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "timezone": TimeZoneSelect(),
        }
        labels = {
            "name": _("Name"),
            "city": _("City"),
            "country": _("Country"),
            "venue": _("Venue"),
            "starts_on": _("Starts on"),
            "ends_on": _("Ends on"),
            "follow_up_sla_hours": _("Follow-up within (hours)"),
            "timezone": _("Time zone"),
        }
        help_texts = {
            "timezone": _("IANA zone of the venue, e.g. Asia/Tokyo"),
            "follow_up_sla_hours": _("Follow-ups are due this many hours after the event ends."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Jurisdiction.objects.order_by("name")

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name") or ""
        base = slugify(name)[:40] or "event"
        year = cleaned["starts_on"].year if cleaned.get("starts_on") else ""
        slug, suffix = f"{base}-{year}".strip("-"), 2
        while Event.objects.filter(slug=slug).exists():
            slug, suffix = f"{base}-{year}-{suffix}".strip("-"), suffix + 1
        self.instance.slug = slug
        return cleaned


class BadgeScanUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Badge-scan or business-card file (CSV or TSV)"),
        help_text=_("UTF-8, UTF-16 or Shift_JIS (CP932) are all fine; the columns are guessed from the header."),
    )


class BadgeScanCommitForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    keep_valid = forms.BooleanField(
        required=False,
        label=_("Keep the valid rows"),
        help_text=_("Without this, a file with any rejected row writes nothing."),
    )


class ChooseExchangeForm(forms.Form):
    exchange = forms.ModelChoiceField(queryset=Exchange.objects.none(), to_field_name="slug", label=_("Exchange"))
    remember_alias = forms.BooleanField(
        required=False,
        label=_("Remember this company name"),
        help_text=_("The next import matches it without review."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exchange"].queryset = Exchange.objects.visible_to(user).families().order_by("name")


class SignalForm(forms.Form):
    """What a rep records; intel.services.signal_record validates what each kind must name."""

    kind = forms.ChoiceField(label=_("Kind"), choices=translated_choices(SignalKind.choices))
    title = forms.CharField(max_length=300, label=_("Title"))
    occurred_at = forms.DateTimeField(
        label=_("When"), input_formats=DATETIME_FORMATS, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    severity = forms.IntegerField(
        min_value=1, max_value=5, initial=3, label=_("Severity"), help_text=_("1 (minor) to 5 (critical)")
    )
    exchanges = forms.ModelMultipleChoiceField(
        queryset=Exchange.objects.none(),
        required=False,
        to_field_name="slug",
        label=_("Exchanges it names"),
        help_text=_("Hold Ctrl (or ⌘) to pick several."),
    )
    vendor = forms.ModelChoiceField(queryset=CloudVendor.objects.all(), required=False, label=_("Cloud vendor"))
    vendor_region = forms.CharField(max_length=100, required=False, label=_("Vendor region or zone"))
    jurisdiction = forms.ModelChoiceField(
        queryset=Jurisdiction.objects.order_by("name"), required=False, label=_("Jurisdiction")
    )
    source_url = forms.URLField(required=False, label=_("Source URL"), assume_scheme="https")
    source_note = forms.CharField(max_length=300, required=False, label=_("Source note"))
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Details"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exchanges"].queryset = Exchange.objects.visible_to(user).families().order_by("name")
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))


class SignalFeedFilterSet(SignalFilterSet):
    """The API's signal filters, with pickers instead of slugs for people."""

    kind = django_filters.ChoiceFilter(
        choices=translated_choices(SignalKind.choices), label=_("Kind"), empty_label=_("Any")
    )
    vendor = django_filters.ModelChoiceFilter(
        queryset=CloudVendor.objects.all(),
        field_name="vendor",
        to_field_name="slug",
        label=_("Vendor"),
        empty_label=_("Any"),
    )
    jurisdiction = django_filters.ModelChoiceFilter(
        queryset=Jurisdiction.objects.order_by("name"),
        field_name="jurisdiction",
        to_field_name="code",
        label=_("Jurisdiction"),
        empty_label=_("Any"),
    )
    occurred_after = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__gte",
        label=_("Since"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    min_severity = django_filters.NumberFilter(field_name="severity", lookup_expr="gte", label=_("Severity at least"))
