"""Admin for lead scores: scoring model versions (validated, activated by action), scores, history, follow-ups;
and the pipeline: opportunities with their stage history, win-likelihood model versions and their predictions
(all read-only here: deals change on their pages, in the API or in Salesforce, which owns those it sent)."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from leads.models import (
    DeadLetter,
    FollowUp,
    Opportunity,
    OpportunityStageChange,
    Score,
    ScoreChange,
    ScoringModel,
    WinModel,
    WinPrediction,
)
from leads.parameters import ScoringParameters
from leads.sentences import factor_sentence
from leads.services import follow_up_set_status, scoring_model_activate, scoring_model_create_version


class ScoringModelForm(forms.ModelForm):
    class Meta:
        model = ScoringModel
        fields = ["name", "parameters", "notes"]
        widgets = {"parameters": forms.Textarea(attrs={"rows": 30, "cols": 60})}


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    """A version is never edited once saved: 'add' creates the next version (prefilled with the
    active one's parameters), and the 'activate' action makes it the one that scores."""

    form = ScoringModelForm
    list_display = ["version", "name", "is_active", "created_by", "created_at", "activated_at"]
    actions = ["activate"]

    def get_readonly_fields(self, request, obj=None):
        return ["version", "is_active", "activated_at", "created_by"] + (["parameters", "name"] if obj else [])

    def get_changeform_initial_data(self, request):
        active = ScoringModel.objects.filter(is_active=True).first()
        parameters = active.get_parameters() if active else ScoringParameters()
        return {"parameters": json.dumps(parameters.to_dict(), indent=2)}

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["notes"])
            return
        created = scoring_model_create_version(
            parameters=obj.parameters, name=obj.name, notes=obj.notes, created_by=request.user
        )
        obj.pk, obj.version = created.pk, created.version

    def has_delete_permission(self, request, obj=None):
        return False  # scores and history name versions

    @admin.action(description=_("Activate the selected version (rescores every exchange)"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version to activate."), messages.ERROR)
            return
        model = queryset.get()
        try:
            with transaction.atomic():
                scoring_model_activate(scoring_model=model)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request, _("Version %(version)s is active; every exchange is being rescored.") % {"version": model.version}
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["exchange", "score", "grade", "is_defend", "is_research_needed", "model_version", "computed_at"]
    list_filter = ["grade", "is_defend", "is_research_needed", "model_version"]
    search_fields = ["exchange__name", "exchange__slug"]
    list_select_related = ["exchange"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(ScoreChange)
class ScoreChangeAdmin(ReadOnlyAdmin):
    list_display = ["id", "exchange", "old_score", "new_score", "old_grade", "new_grade", "cause", "model_version"]
    list_filter = ["cause", "model_version", "new_grade"]
    search_fields = ["exchange__name", "exchange__slug"]
    list_select_related = ["exchange"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["attendee", "person_score", "assignee", "assignment_method", "status", "next_step", "due_at"]
    list_filter = ["status", "assignment_method", "attendee__event"]
    search_fields = ["attendee__full_name", "attendee__company"]
    list_select_related = ["attendee__event", "assignee"]  # a row names the person "at <event>"
    # The cadence's fields are computed (leads.services.cadences): the event's cadence page changes them.
    readonly_fields = [
        "person_score",
        "person_reasons",
        "person_factors",
        "status_changed_by",
        "status_changed_at",
        "due_at",
        "first_due_at",
        "cadence_grade",
        "step_index",
        "next_step",
        "step_done_at",
        "step_activity_id",
    ]

    @admin.display(description=_("Why this person score"))
    def person_reasons(self, obj) -> str:
        return format_html_join(
            mark_safe("<br>"),
            "{} ({})",
            ((factor_sentence(factor), f"{factor.get('points', 0):+d}") for factor in obj.person_factors or []),
        )

    def save_model(self, request, obj, form, change):
        status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            follow_up_set_status(follow_up=obj, status=status, user=request.user)
        else:
            super().save_model(request, obj, form, change)

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ["task_name", "attempts", "created_at", "resolved_at"]
    readonly_fields = ["task_name", "payload", "attempts", "error", "created_at"]


class StageChangeInline(admin.TabularInline):
    model = OpportunityStageChange
    fields = ["changed", "from_stage_label", "to_stage_label", "changed_by_name", "source_label"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("Stage change")
    verbose_name_plural = _("Stage history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Changed at"))
    def changed(self, obj):
        return obj.changed_at

    @admin.display(description=_("From stage"))
    def from_stage_label(self, obj) -> str:
        return obj.get_from_stage_display() or "-"

    @admin.display(description=_("To stage"))
    def to_stage_label(self, obj) -> str:
        return obj.get_to_stage_display()

    @admin.display(description=_("Changed by"))
    def changed_by_name(self, obj):
        return obj.changed_by or "-"

    @admin.display(description=_("Recorded from"))
    def source_label(self, obj) -> str:
        return obj.get_source_display()


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    """Deals as the pipeline reads them, scoped like the pages (the exchanges the user may see).
    Read-only: a change here would skip the stage history and the checks of
    leads.services.opportunities, and Salesforce owns the deals that came from it."""

    list_display = ["exchange_name", "name", "stage", "monthly_spend_usd", "close_date", "owner_name", "is_generated"]
    list_filter = ["stage", "is_generated"]
    search_fields = ["exchange__name", "name"]
    list_select_related = ["exchange", "owner"]
    inlines = [StageChangeInline]

    @admin.display(description=_("Exchange"), ordering="exchange__name")
    def exchange_name(self, obj) -> str:
        return obj.exchange.name

    @admin.display(description=_("Owner"), ordering="owner__username")
    def owner_name(self, obj):
        return obj.owner or "-"

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(WinModel)
class WinModelAdmin(ReadOnlyAdmin):
    """Trained versions are never edited nor deleted: their predictions and the pages name them."""

    list_display = ["version_number", "trained", "auc", "brier", "top_decile_lift", "counts", "on_generated"]
    list_filter = ["trained_on_generated"]
    fields = ["version_number", "trained", "trained_by", "auc", "brier", "top_decile_lift", "counts", "on_generated"]
    readonly_fields = fields

    @admin.display(description=_("Version"), ordering="version")
    def version_number(self, obj) -> int:
        return obj.version

    @admin.display(description=_("Trained at"), ordering="trained_at")
    def trained(self, obj):
        return obj.trained_at

    @admin.display(description=_("AUC"))
    def auc(self, obj) -> str:
        return _metric(obj.metrics.get("auc"))

    @admin.display(description=_("Brier score"))
    def brier(self, obj) -> str:
        return _metric(obj.metrics.get("brier"))

    @admin.display(description=_("Top-decile lift"))
    def top_decile_lift(self, obj) -> str:
        return _metric(obj.metrics.get("top_decile_lift"))

    @admin.display(description=_("Deals"))
    def counts(self, obj) -> str:
        metrics = obj.metrics
        return _("%(closed)s closed (%(won)s won, %(lost)s lost); tested on the newest %(test)s") % {
            "closed": metrics.get("closed", 0),
            "won": metrics.get("won", 0),
            "lost": metrics.get("lost", 0),
            "test": metrics.get("test_count", 0),
        }

    @admin.display(description=_("Trained on GENERATED demo history"), boolean=True)
    def on_generated(self, obj) -> bool:
        return obj.trained_on_generated


def _metric(value) -> str:
    return "-" if value is None else f"{value:.3f}"


@admin.register(WinPrediction)
class WinPredictionAdmin(ReadOnlyAdmin):
    """Each version's predictions, beside those of older versions; scoped like the opportunities."""

    list_display = ["opportunity_name", "model_version", "likelihood_percent", "as_of_moment", "predicted"]
    list_filter = ["model__version"]
    search_fields = ["opportunity__exchange__name", "opportunity__name"]
    list_select_related = ["opportunity__exchange", "model"]

    @admin.display(description=_("Opportunity"))
    def opportunity_name(self, obj) -> str:
        return str(obj.opportunity)

    @admin.display(description=_("Model version"), ordering="model__version")
    def model_version(self, obj) -> int:
        return obj.model.version

    @admin.display(description=_("Win likelihood (%)"), ordering="likelihood")
    def likelihood_percent(self, obj) -> int:
        return round(obj.likelihood * 100)

    @admin.display(description=_("As of"), ordering="as_of")
    def as_of_moment(self, obj):
        return obj.as_of

    @admin.display(description=_("Predicted at"), ordering="predicted_at")
    def predicted(self, obj):
        return obj.predicted_at

    def get_queryset(self, request):
        visible = Opportunity.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(opportunity__in=visible)
