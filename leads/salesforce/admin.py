"""The manager's view of the sync: runs (last run, sent, failed, calls, budget), records Salesforce
refused with its error codes, and the field map overrides."""

from django.contrib import admin

from leads.salesforce.models import FieldMapping, SyncRecord, SyncRun


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "status",
        "records_sent",
        "records_confirmed",
        "records_failed",
        "records_to_retry",
        "calls_used",
        "retries",
        "api_budget",
        "finished_at",
    ]
    list_filter = ["status", "is_full"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    date_hierarchy = "started_at"

    @admin.display(description="API budget seen")
    def api_budget(self, run: SyncRun) -> str:
        if run.budget_share is None:
            return "-"
        return f"{run.api_usage}/{run.api_limit} ({run.budget_share:.0%})"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SyncRecord)
class SyncRecordAdmin(admin.ModelAdmin):
    list_display = ["object_name", "key", "state", "salesforce_id", "error_code", "error_message", "confirmed_at"]
    list_filter = ["state", "object_name", "error_code"]
    search_fields = ["key", "salesforce_id", "error_message"]
    readonly_fields = [f.name for f in SyncRecord._meta.fields]
    list_select_related = ["last_run"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FieldMapping)
class FieldMappingAdmin(admin.ModelAdmin):
    list_display = ["object_name", "source", "salesforce_field", "updated_at"]
    list_filter = ["object_name"]
