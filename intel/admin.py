"""The admin for the evidence: signals, regulations, events, attendees and the review queue."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from crm.access import is_manager, visible_exchanges
from crm.choices import LicenceStatus
from crm.time_zones import TimeZonePickerAdmin
from intel.choices import MatchStatus
from intel.models import (
    Attendee,
    AttendeeImport,
    AttendeeToReview,
    Event,
    ExchangeAlias,
    Regulation,
    Signal,
)
from intel.parsing import rejected_rows_csv
from intel.queries import outage_affected_exchanges
from intel.services import (
    attendee_mark_not_exchange,
    attendee_match_choose,
    attendee_match_confirm,
    exchange_alias_add,
    regulation_save,
    signal_concerned_before,
    signal_delete,
    signal_evidence_changed,
)
from intel.services.signals import signal_validate


def decide_each(model_admin, request, queryset, decide, verb: str) -> None:
    """A review-queue action: decide each selected record, then say how many were decided and, per
    record, why one was refused (a service's ValidationError or PermissionDenied)."""
    done, refused = 0, []
    for record in queryset:
        try:
            decide(record)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            refused.append(f"{record}: {'; '.join(getattr(error, 'messages', [str(error)]))}")
    model_admin.message_user(request, f"{done} {verb}.", messages.SUCCESS)
    for message in refused:
        model_admin.message_user(request, message, messages.ERROR)


class SignalForm(forms.ModelForm):
    class Meta:
        model = Signal
        fields = [
            "kind",
            "title",
            "details",
            "source_url",
            "source_note",
            "occurred_at",
            "severity",
            "recorded_by",
            "vendor",
            "vendor_region",
            "jurisdiction",
            "exchanges",
        ]

    def clean(self):
        cleaned = super().clean()
        signal = Signal(
            kind=cleaned.get("kind") or "",
            title=cleaned.get("title") or "",
            vendor=cleaned.get("vendor"),
            jurisdiction=cleaned.get("jurisdiction"),
            source_url=cleaned.get("source_url") or "",
            source_note=cleaned.get("source_note") or "",
            severity=cleaned.get("severity") or 0,
        )
        try:
            signal_validate(signal=signal, exchange_count=len(cleaned.get("exchanges") or ()))
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages_)
        return cleaned


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    form = SignalForm
    list_display = [
        "occurred_at",
        "kind",
        "title",
        "vendor",
        "vendor_region",
        "vendor_region_code",
        "jurisdiction",
        "severity",
    ]
    list_filter = ["kind", "severity", "vendor", "jurisdiction"]
    search_fields = ["title", "details", "source_note", "exchanges__name"]
    list_select_related = ["vendor", "jurisdiction"]
    autocomplete_fields = ["vendor", "jurisdiction", "exchanges", "recorded_by"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["vendor_region_code", "affected_exchanges", "created_at"]

    @admin.display(description=_("exchanges concerned (outage: from allocations, by region and share)"))
    def affected_exchanges(self, signal):
        if signal.pk is None:
            return "-"
        affected = outage_affected_exchanges(signal)
        if not affected:
            return "-"
        names = dict(signal.exchanges.values_list("pk", "name"))
        from crm.models import Exchange

        names.update(Exchange.objects.filter(pk__in=[a.exchange_id for a in affected]).values_list("pk", "name"))
        return "; ".join(
            f"{names[a.exchange_id]}: {a.reach.words}, "
            + (
                f"{a.share_percent.normalize():f}% ({a.region_code or a.region or 'region unknown'})"
                if a.share_percent
                else "share unknown"
            )
            + (", named by the source" if a.is_named_by_source else "")
            for a in affected
        )

    def delete_queryset(self, request, queryset):
        for signal in queryset:
            signal_delete(signal=signal)

    def save_model(self, request, obj, form, change):
        if obj.recorded_by_id is None and not change:
            obj.recorded_by = request.user
        # Who it reached before the edit (its vendor, region or kind may move): rescored with the new.
        form.concerned_before = signal_concerned_before(signal=obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        signal_evidence_changed(signal=form.instance, before=getattr(form, "concerned_before", ()))

    def delete_model(self, request, obj):
        signal_delete(signal=obj)


class RegulationForm(forms.ModelForm):
    pressured_statuses = forms.MultipleChoiceField(
        choices=LicenceStatus.choices, widget=forms.CheckboxSelectMultiple, help_text=_("Statuses under pressure.")
    )

    class Meta:
        model = Regulation
        fields = [
            "jurisdiction",
            "name",
            "short_name",
            "regulator",
            "effective_on",
            "pressured_statuses",
            "consequence",
            "forces_relocation",
            "source_url",
        ]


@admin.register(Regulation)
class RegulationAdmin(admin.ModelAdmin):
    form = RegulationForm
    list_display = ["name", "jurisdiction", "effective_on", "regulator", "pressured", "forces_relocation"]
    list_filter = ["jurisdiction", "forces_relocation"]
    search_fields = ["name", "short_name", "regulator"]
    list_select_related = ["jurisdiction"]
    autocomplete_fields = ["jurisdiction"]
    date_hierarchy = "effective_on"

    @admin.display(description=_("statuses under pressure"))
    def pressured(self, regulation):
        return ", ".join(regulation.pressured_statuses)

    def save_model(self, request, obj, form, change):
        regulation_save(regulation=obj)


@admin.register(Event)
class EventAdmin(TimeZonePickerAdmin, admin.ModelAdmin):
    list_display = ["name", "city", "country", "starts_on", "ends_on", "people", "to_review", "follow_up_due_at"]
    list_filter = ["country"]
    search_fields = ["name", "slug", "city", "venue"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]
    date_hierarchy = "starts_on"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("country")
            .annotate(
                people=Count("attendees"),
                to_review=Count("attendees", filter=Q(attendees__match_status=MatchStatus.REVIEW)),
            )
        )

    @admin.display(description=_("people"), ordering="people")
    def people(self, event):
        return event.people

    @admin.display(description=_("to review"), ordering="to_review")
    def to_review(self, event):
        return event.to_review


class AttendeeForm(forms.ModelForm):
    remember_alias = forms.BooleanField(
        required=False, help_text=_("Also teach the matching that this company name means the chosen exchange.")
    )

    class Meta:
        model = Attendee
        fields = ["full_name", "company", "title", "email", "phone", "notes", "scanned_by", "scanned_at", "exchange"]


@admin.register(Attendee)
class AttendeeAdmin(admin.ModelAdmin):
    """Every attendee; the review queue is its own entry (AttendeeToReview) with the decision actions."""

    form = AttendeeForm
    list_display = [
        "full_name",
        "company",
        "email",
        "event",
        "exchange",
        "match_status",
        "match_method",
        "match_confidence",
        "contact",
    ]
    list_filter = ["event", "match_status", "match_method"]
    search_fields = ["full_name", "company", "email", "exchange__name"]
    list_select_related = ["event", "exchange", "contact__exchange"]
    autocomplete_fields = ["exchange"]
    readonly_fields = [
        "event",
        "contact",
        "match_method",
        "match_confidence",
        "match_status",
        "candidates",
        "reviewed_by",
        "reviewed_at",
        "last_import",
        "source_line",
        "dedupe_key",
        "created_at",
        "updated_at",
    ]
    exclude = ["match_candidates"]
    actions = ["confirm_match", "mark_not_exchange"]

    @admin.display(description=_("candidates"))
    def candidates(self, attendee):
        return "; ".join(f"{c['name']} ({c['confidence']}%)" for c in attendee.match_candidates) or "-"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_manager(request.user):
            return queryset
        # A rep sees the people matched to exchanges they may see, and the unmatched ones.
        return queryset.filter(Q(exchange__isnull=True) | Q(exchange__in=visible_exchanges(request.user).values("pk")))

    def save_model(self, request, obj, form, change):
        if change and "exchange" in form.changed_data:
            remember = form.cleaned_data.get("remember_alias", False)
            # The services check the account the person was tied to as well: give them the stored row.
            stored = Attendee.objects.select_related("exchange").get(pk=obj.pk)
            if obj.exchange is None:
                attendee_mark_not_exchange(attendee=stored, user=request.user)
            else:
                attendee_match_choose(
                    attendee=stored, exchange=obj.exchange, user=request.user, remember_alias=remember
                )
            fields = [name for name in form.changed_data if name not in ("exchange", "remember_alias")]
            if fields:
                Attendee.objects.filter(pk=obj.pk).update(**{name: getattr(obj, name) for name in fields})
            return
        super().save_model(request, obj, form, change)

    def _decide(self, request, queryset, decide, verb):
        decide_each(self, request, queryset, lambda attendee: decide(attendee=attendee, user=request.user), verb)

    @admin.action(description=_("Confirm the suggested exchange"))
    def confirm_match(self, request, queryset):
        self._decide(request, queryset, attendee_match_confirm, "matches confirmed")

    @admin.action(description=_("Mark as not an exchange"))
    def mark_not_exchange(self, request, queryset):
        self._decide(request, queryset, attendee_mark_not_exchange, "marked as not an exchange")


@admin.register(AttendeeToReview)
class ReviewQueueAdmin(AttendeeAdmin):
    """The review queue: matches below the threshold, or ambiguous. Confirm, choose another exchange
    (open the person and change the exchange), or mark as not an exchange."""

    list_display = ["full_name", "company", "email", "event", "exchange", "match_confidence", "candidates", "why"]
    list_filter = ["event", "match_method"]
    ordering = ["-match_confidence", "company"]

    @admin.display(description=_("method"))
    def why(self, attendee):
        return attendee.get_match_method_display()

    def get_queryset(self, request):
        return super().get_queryset(request).review_queue()

    def has_add_permission(self, request):
        return False


@admin.register(ExchangeAlias)
class ExchangeAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "kind", "exchange", "source", "created_by", "created_at"]
    list_filter = ["kind", "source"]
    search_fields = ["alias", "normalised", "exchange__name"]
    list_select_related = ["exchange", "created_by"]
    autocomplete_fields = ["exchange"]
    fields = ["exchange", "kind", "alias", "source"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            exchange_alias_add(exchange=obj.exchange, alias=obj.alias, kind=obj.kind, created_by=request.user)


@admin.register(AttendeeImport)
class AttendeeImportAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "filename",
        "rows_read",
        "created_count",
        "updated_count",
        "duplicate_count",
        "rejected_count",
        "matched_count",
        "review_count",
        "imported_by",
    ]
    list_filter = ["event", "is_keep_valid"]
    search_fields = ["filename"]
    list_select_related = ["event", "imported_by"]
    actions = ["download_rejected_rows"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Download the rejected rows (CSV)"))
    def download_rejected_rows(self, request, queryset):
        batches = list(queryset[:2])
        if len(batches) != 1:
            self.message_user(
                request, _("Select exactly one upload: its rejected rows are one CSV file."), level=messages.ERROR
            )
            return None
        batch = batches[0]
        response = HttpResponse(rejected_rows_csv(batch.rejected_report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="rejected-rows-{batch.pk}.csv"'
        return response


# The readings of registers and market data, and their review queues.
from intel import admin_sources  # noqa: E402, F401
