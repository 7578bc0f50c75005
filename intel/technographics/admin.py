"""Admin for the cloud footprint: hosts (a rep may add one), their addresses, and each run's verdict."""

from django.contrib import admin

from intel.technographics.models import CloudDetection, Endpoint, EndpointAddress


class EndpointAddressInline(admin.TabularInline):
    model = EndpointAddress
    extra = 0
    can_delete = False
    fields = ["ip", "provider_name", "is_front_door", "region", "asn", "first_seen_at", "last_seen_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["host", "exchange", "role", "source", "last_checked_at", "last_error"]
    list_filter = ["role", "source"]
    search_fields = ["host", "exchange__name"]
    autocomplete_fields = ["exchange"]
    readonly_fields = ["last_checked_at", "last_error", "added_by"]
    inlines = [EndpointAddressInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CloudDetection)
class CloudDetectionAdmin(admin.ModelAdmin):
    list_display = ["exchange", "checked_at", "summary", "hosts_checked", "hosts_failed", "allocations_written"]
    search_fields = ["exchange__name"]
    date_hierarchy = "checked_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
