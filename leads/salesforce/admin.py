"""The manager's view of the sync: runs (last run, sent, failed, calls, budget), records Salesforce
refused with its error codes, and the field map overrides; for the read back, the Salesforce accounts
to review (choose the exchange, or none) and the pulled records refused or held."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.access import is_manager
from leads.salesforce.models import FieldMapping, PulledAccount, PulledAccountToReview, PullIssue, SyncRecord, SyncRun
from leads.salesforce.pulling import pulled_account_decide


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "is_pull",
        "status",
        "records_sent",
        "records_confirmed",
        "records_failed",
        "records_to_retry",
        "records_read",
        "records_applied",
        "records_skipped",
        "calls_used",
        "retries",
        "api_budget",
        "finished_at",
    ]
    list_filter = ["status", "is_full", "is_pull"]
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


class ManagersOnly:
    """The read back's review is for managers (crm.access): others do not see these pages."""

    def has_module_permission(self, request) -> bool:
        return is_manager(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_manager(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PulledAccountToReview)
class PulledAccountReviewAdmin(ManagersOnly, admin.ModelAdmin):
    """Salesforce Accounts whose exchange a manager must choose: confirm the suggestion, open one and
    pick the exchange (saving decides it), or say it is no exchange. Contacts and opportunities held
    for the account are applied as soon as it is decided."""

    list_display = ["name", "website", "salesforce_id", "exchange", "match_confidence", "candidates"]
    search_fields = ["name", "website", "salesforce_id"]
    autocomplete_fields = ["exchange"]
    fields = ["name", "website", "salesforce_id", "external_key", "exchange", "match_candidates"]
    readonly_fields = ["name", "website", "salesforce_id", "external_key", "match_candidates"]
    actions = ["confirm", "not_an_exchange"]

    def get_queryset(self, request):
        return super().get_queryset(request).review_queue().filter(is_deleted=False)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_manager(request.user)

    @admin.display(description=gettext_lazy("candidates"))
    def candidates(self, account):
        return ", ".join(f"{c['name']} ({c['confidence']}%)" for c in account.match_candidates)

    def save_model(self, request, obj, form, change):
        self._decide(request, obj, obj.exchange)

    def _decide(self, request, account, exchange) -> None:
        try:
            outcome = pulled_account_decide(account=account, exchange=exchange, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(
                request, f"{account}: {'; '.join(getattr(error, 'messages', [str(error)]))}", messages.ERROR
            )
            return
        self.message_user(
            request,
            _("%(account)s: %(applied)s held records applied, %(refused)s refused, %(dropped)s dropped.")
            % {"account": account, **outcome},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Confirm the suggested exchange"))
    def confirm(self, request, queryset):
        for account in queryset.select_related("exchange"):
            if account.exchange_id:
                self._decide(request, account, account.exchange)

    @admin.action(description=gettext_lazy("Not an exchange (drop what it holds)"))
    def not_an_exchange(self, request, queryset):
        for account in queryset:
            self._decide(request, account, None)


@admin.register(PulledAccount)
class PulledAccountAdmin(ManagersOnly, admin.ModelAdmin):
    list_display = ["name", "website", "salesforce_id", "exchange", "match_status", "match_method", "is_deleted"]
    list_filter = ["match_status", "match_method", "is_deleted"]
    search_fields = ["name", "website", "salesforce_id"]
    readonly_fields = [f.name for f in PulledAccount._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PullIssue)
class PullIssueAdmin(ManagersOnly, admin.ModelAdmin):
    """Pulled records not applied: refused (the Salesforce field at fault) or held for their account."""

    list_display = ["object_name", "salesforce_id", "kind", "field_name", "message", "created_at", "resolved_at"]
    list_filter = ["kind", "object_name", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["salesforce_id", "message", "account_salesforce_id"]
    readonly_fields = [f.name for f in PullIssue._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
