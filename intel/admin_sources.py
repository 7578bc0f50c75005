"""The admin for the sources the product reads: register readings and their entries to review,
and market-data readings and their figures to review."""

from django.contrib import admin

from intel.admin import decide_each
from intel.models import MarketDataImport, MarketFigureToReview, Register, RegisterEntry, RegisterEntryToReview
from intel.services import (
    market_figure_mark_unmatched,
    market_figure_match_choose,
    market_figure_match_confirm,
    register_entry_match_confirm,
)


class RegisterEntryInline(admin.TabularInline):
    model = RegisterEntry
    fields = ["legal_name", "commercial_name", "key", "status", "authorised_on", "ended_on", "exchange", "match_status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Register)
class RegisterAdmin(admin.ModelAdmin):
    """Register readings, as imported (import_register): read only."""

    list_display = ["kind", "as_of", "filename", "entries_count", "matched_count", "review_count", "imported_at"]
    list_filter = ["kind"]
    inlines = [RegisterEntryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RegisterEntryToReview)
class RegisterReviewQueueAdmin(admin.ModelAdmin):
    """Register firms whose exchange a person must choose: confirm the suggestion, or open the entry,
    pick the exchange and save (which confirms it)."""

    list_display = ["legal_name", "commercial_name", "register", "exchange", "match_confidence", "candidates"]
    list_filter = ["register__kind"]
    search_fields = ["legal_name", "commercial_name"]
    list_select_related = ["register", "exchange"]
    autocomplete_fields = ["exchange"]
    fields = ["legal_name", "commercial_name", "other_names", "website", "status", "exchange", "match_candidates"]
    readonly_fields = ["legal_name", "commercial_name", "other_names", "website", "status", "match_candidates"]
    actions = ["confirm"]

    def get_queryset(self, request):
        return super().get_queryset(request).review_queue()

    @admin.display(description="candidates")
    def candidates(self, entry):
        return ", ".join(f"{c['name']} ({c['confidence']}%)" for c in entry.match_candidates)

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        register_entry_match_confirm(entry=obj, exchange=obj.exchange, reviewed_by=request.user)

    @admin.action(description="Confirm the suggested exchange")
    def confirm(self, request, queryset):
        confirmed = 0
        for entry in queryset.select_related("register", "exchange"):
            if entry.exchange_id:
                register_entry_match_confirm(entry=entry, reviewed_by=request.user)
                confirmed += 1
        self.message_user(request, f"{confirmed} register entries confirmed.")


# Market data (CoinGecko readings): the imports, read-only, and the figures whose exchange a person must choose.


@admin.register(MarketDataImport)
class MarketDataImportAdmin(admin.ModelAdmin):
    list_display = [
        "as_of",
        "source",
        "filename",
        "is_from_api",
        "rows_read",
        "matched_count",
        "review_count",
        "unmatched_count",
        "imported_by",
        "created_at",
    ]
    list_filter = ["source", "is_from_api"]
    search_fields = ["filename", "content_sha256"]
    list_select_related = ["imported_by"]
    date_hierarchy = "as_of"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MarketFigureToReview)
class MarketFigureToReviewAdmin(admin.ModelAdmin):
    """Confirm the suggested exchange, choose another (open the figure and change the exchange),
    or say none is it. Later readings of the same CoinGecko entry keep the decision."""

    list_display = [
        "source_name",
        "source_exchange_id",
        "source_website",
        "as_of",
        "exchange",
        "match_confidence",
        "candidates",
    ]
    list_filter = ["source", "as_of"]
    search_fields = ["source_name", "source_exchange_id", "source_website"]
    list_select_related = ["exchange"]
    ordering = ["-match_confidence", "source_name"]
    autocomplete_fields = ["exchange"]
    fields = [
        "source_name",
        "source_exchange_id",
        "source_website",
        "as_of",
        "volume_24h_btc",
        "trust_score_rank",
        "candidates",
        "exchange",
    ]
    readonly_fields = [
        "source_name",
        "source_exchange_id",
        "source_website",
        "as_of",
        "volume_24h_btc",
        "trust_score_rank",
        "candidates",
    ]
    actions = ["confirm_match", "mark_unmatched"]

    @admin.display(description="candidates")
    def candidates(self, figure):
        return "; ".join(f"{c['name']} ({c['confidence']}%)" for c in figure.match_candidates) or "-"

    def get_queryset(self, request):
        return super().get_queryset(request).review_queue()

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if obj.exchange is None:
            market_figure_mark_unmatched(figure=obj, user=request.user)
        else:
            market_figure_match_choose(figure=obj, exchange=obj.exchange, user=request.user)

    def _decide(self, request, queryset, decide, verb):
        decide_each(self, request, queryset, lambda figure: decide(figure=figure, user=request.user), verb)

    @admin.action(description="Confirm the suggested exchange")
    def confirm_match(self, request, queryset):
        self._decide(request, queryset, market_figure_match_confirm, "matches confirmed")

    @admin.action(description="None of our exchanges")
    def mark_unmatched(self, request, queryset):
        self._decide(request, queryset, market_figure_mark_unmatched, "marked as no exchange")
