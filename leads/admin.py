"""Admin for lead scores: scoring model versions (validated, activated by action), scores, history, follow-ups."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from leads.models import DeadLetter, FollowUp, Score, ScoreChange, ScoringModel
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
