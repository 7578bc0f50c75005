"""The admin for data keepers: exchanges with their presences, allocations and contacts inline."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.access import is_manager, may_change_exchange, visible_exchanges
from crm.choices import SizeTier, Workload
from crm.models import (
    Activity,
    Allocation,
    CloudVendor,
    Contact,
    Exchange,
    ExchangeMerge,
    Jurisdiction,
    Presence,
    Rep,
    Team,
)
from crm.services import allocation_save, exchange_size_set
from crm.shares import stored_shares_in_view
from crm.time_zones import TimeZonePickerAdmin


@admin.register(CloudVendor)
class CloudVendorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "hq_country", "is_home", "market_note"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(boolean=True, description=_("ours"))
    def is_home(self, vendor):
        return vendor.is_home


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "regulator", "is_major", "is_banned"]
    list_filter = ["is_major", "is_banned"]
    search_fields = ["code", "name", "regulator"]


class PresenceInline(admin.TabularInline):
    model = Presence
    extra = 0
    autocomplete_fields = ["jurisdiction"]
    fields = ["jurisdiction", "licence_status", "licence_reference", "since", "source", "source_url"]


class AllocationInlineFormSet(BaseInlineFormSet):
    """Checks the 100% rule over the whole form, so moving share between vendors in one save works."""

    def clean(self):
        super().clean()
        totals: dict[str, Decimal] = {}
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            workload = form.cleaned_data.get("workload")
            share = form.cleaned_data.get("share_percent") or Decimal("0")
            totals[workload] = totals.get(workload, Decimal("0")) + share
        for workload, total in totals.items():
            if total > 100:
                raise ValidationError(
                    f"{self.instance.name}: the shares for workload '{workload}' add up to {total}%, more than 100%."
                )


class AllocationInline(admin.TabularInline):
    model = Allocation
    formset = AllocationInlineFormSet
    extra = 0
    autocomplete_fields = ["vendor"]
    fields = [
        "vendor",
        "workload",
        "share_percent",
        "region",
        "region_code",
        "evidence_source",
        "confidence",
        "source_url",
        "source_note",
        "observed_on",
    ]
    readonly_fields = ["region_code"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["full_name", "native_name", "title", "role", "email", "phone", "is_do_not_contact"]
    show_change_link = True


class ExchangeAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        tier, reason = cleaned.get("size_tier_by_hand"), (cleaned.get("size_source") or "").strip()
        if tier and tier != SizeTier.UNKNOWN and not reason:
            self.add_error("size_source", _("Say why: the figure, its source and its date."))
        return cleaned


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    form = ExchangeAdminForm
    list_display = ["name", "kind", "headquarters", "size_tier", "stage", "owner", "family", "is_do_not_pursue"]
    list_filter = ["kind", "size_tier", "stage", "is_do_not_pursue", "headquarters", "owner"]
    search_fields = ["name", "slug", "ccxt_id", "website"]
    list_select_related = ["headquarters", "owner", "family"]
    autocomplete_fields = ["headquarters", "family", "owner"]
    readonly_fields = ["ccxt_id", "size_tier", "shares", "merged_from", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PresenceInline, AllocationInline, ContactInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "website", "kind", "headquarters", "family"]}),
        (
            "Size",
            {"fields": ["size_tier", "size_tier_by_hand", "size_source", "volume_30d_usd", "staff_count"]},
        ),
        ("Cloud", {"fields": ["shares"]}),
        ("Pipeline", {"fields": ["stage", "owner", "is_do_not_pursue", "notes", "merged_from"]}),
        ("External ids", {"fields": ["ccxt_id", "salesforce_account_id", "created_at", "updated_at"]}),
    ]

    @admin.display(description=_("shares the score speaks of"))
    def shares(self, exchange) -> str:
        """The workload in view, our share and the largest rival's (crm.shares, as the score and the page)."""
        allocations = exchange.allocations.select_related("vendor").order_by("pk") if exchange.pk else []
        view = stored_shares_in_view(allocations, home_slug=settings.CRM_HOME_VENDOR)
        if not view.workload:
            return "no allocation recorded"
        ours = f"{view.our_share.normalize():f}%" if view.our_share is not None else "none recorded"
        text = f"{Workload(view.workload).label}: our share {ours}"
        rival = view.largest_rival
        if rival is not None:
            text += f"; largest rival {rival.vendor_name} {rival.share_percent.normalize():f}%"
        return text

    @admin.display(description=_("merged from"))
    def merged_from(self, exchange) -> str:
        """The accounts merged into this one (a manager merges on the exchange page)."""
        merges = exchange.merges_received.select_related("merged_by") if exchange.pk else []
        return (
            "; ".join(
                f"{m.source_name} on {timezone.localtime(m.merged_at):%Y-%m-%d}"
                + (f" by {m.merged_by.get_full_name() or m.merged_by.get_username()}" if m.merged_by else "")
                for m in merges
            )
            or "-"
        )

    # The one rule (crm.access), as on the pages and over the API: a rep sees their territory and
    # changes what they own; only a manager assigns owners or sets the Salesforce id.
    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=visible_exchanges(request.user).values("pk"))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_change_exchange(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may_change_exchange(request.user, obj))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if is_manager(request.user) else [*fields, "owner", "salesforce_account_id"]

    def save_model(self, request, obj, form, change):
        if not change and not is_manager(request.user):
            obj.owner = request.user  # a rep's new account is theirs
        # A size set by hand goes through its service (who and when are recorded, the account is
        # rescored), like on the exchange page.
        size_changed = bool({"size_tier_by_hand", "size_source"} & set(form.changed_data))
        tier, reason = obj.size_tier_by_hand, obj.size_source
        if size_changed:
            saved = Exchange.objects.filter(pk=obj.pk).values("size_tier_by_hand", "size_source").first()
            obj.size_tier_by_hand = saved["size_tier_by_hand"] if saved else SizeTier.UNKNOWN
            obj.size_source = saved["size_source"] if saved else ""
        super().save_model(request, obj, form, change)
        if size_changed:
            exchange_size_set(exchange=obj, size_tier=tier, reason=reason, user=request.user)
            obj.refresh_from_db()


@admin.register(ExchangeMerge)
class ExchangeMergeAdmin(admin.ModelAdmin):
    """A read-only record of merges: they are made on the exchange page by a manager."""

    list_display = ["source_name", "target", "merged_by", "merged_at"]
    search_fields = ["source_name", "source_slug", "source_ccxt_id", "target__name"]
    list_select_related = ["target", "merged_by"]
    readonly_fields = [
        "target",
        "source_name",
        "source_slug",
        "source_website",
        "source_ccxt_id",
        "merged_by",
        "merged_at",
        "moved",
        "dropped",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_display = ["exchange", "jurisdiction", "licence_status", "since", "source"]
    list_filter = ["licence_status", "jurisdiction"]
    search_fields = ["exchange__name", "jurisdiction__code", "licence_reference"]
    list_select_related = ["exchange", "jurisdiction"]
    autocomplete_fields = ["exchange", "jurisdiction"]


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = [
        "exchange",
        "vendor",
        "workload",
        "share_percent",
        "region",
        "region_code",
        "evidence_source",
        "confidence",
    ]
    list_filter = ["vendor", "workload", "evidence_source"]
    search_fields = ["exchange__name", "vendor__name", "region", "region_code"]
    list_select_related = ["exchange", "vendor"]
    autocomplete_fields = ["exchange", "vendor"]
    readonly_fields = ["region_code"]

    def save_model(self, request, obj, form, change):
        allocation_save(allocation=obj)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["full_name", "native_name", "exchange", "title", "role", "email", "is_do_not_contact"]
    list_filter = ["role", "is_do_not_contact"]
    search_fields = ["full_name", "native_name", "email", "exchange__name"]
    list_select_related = ["exchange"]
    autocomplete_fields = ["exchange"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "exchange", "contact", "rep", "summary"]
    list_filter = ["kind", "rep"]
    search_fields = ["summary", "exchange__name", "contact__full_name"]
    list_select_related = ["exchange", "contact", "rep"]
    autocomplete_fields = ["exchange", "contact", "rep"]
    date_hierarchy = "occurred_at"


class RepInline(TimeZonePickerAdmin, admin.StackedInline):
    model = Rep
    can_delete = False
    filter_horizontal = ["territories"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithRepAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, RepInline]
    list_display = [*UserAdmin.list_display, "role"]
    list_select_related = ["rep"]

    @admin.display(description=_("role"))
    def role(self, user):
        rep = getattr(user, "rep", None)
        return rep.get_role_display() if rep else "-"


admin.site.site_header = "Exchange Intel"
admin.site.site_title = "Exchange Intel"
admin.site.index_title = "Accounts, evidence and lead scores"
