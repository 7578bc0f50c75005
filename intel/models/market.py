"""Market figures of exchanges (24h volume, trust rank, ...) from market-data sources, kept as history."""

from django.conf import settings
from django.db import models

from crm.models import Exchange
from intel.choices import MarketSource
from intel.models.matched import MatchedQuerySet, MatchedToExchange


class MarketDataImport(models.Model):
    """One reading of a market-data source: a file (one page of CoinGecko's /exchanges) or an API fetch."""

    source = models.CharField(max_length=20, choices=MarketSource.choices)
    as_of = models.DateField(help_text="The date the figures hold for.")
    filename = models.CharField(max_length=300, blank=True)
    content_sha256 = models.CharField(max_length=64, db_index=True)
    is_from_api = models.BooleanField("fetched from the API", default=False)
    source_url = models.URLField(blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rows_read = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField("matched", default=0)
    review_count = models.PositiveIntegerField("to review", default=0)
    unmatched_count = models.PositiveIntegerField("unmatched", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.as_of:%Y-%m-%d} ({self.filename or 'API'})"


class MarketFigureQuerySet(MatchedQuerySet):
    def newest_per_exchange(self) -> "MarketFigureQuerySet":
        """The newest matched figure of each exchange (as-of date, then the latest import)."""
        newest = (
            self.model.objects.matched()
            .filter(exchange_id=models.OuterRef("exchange_id"))
            .order_by("-as_of", "-market_import_id", "-pk")
            .values("pk")[:1]
        )
        return self.matched().filter(pk=models.Subquery(newest))


class MarketFigure(MatchedToExchange):
    """What one market-data reading says of one exchange: history, never overwritten."""

    market_import = models.ForeignKey(MarketDataImport, on_delete=models.CASCADE, related_name="figures")
    source = models.CharField(max_length=20, choices=MarketSource.choices)
    as_of = models.DateField()
    source_exchange_id = models.CharField("id at the source", max_length=100, help_text="e.g. CoinGecko's 'gdax'")
    source_name = models.CharField("name at the source", max_length=200)
    source_website = models.URLField("website at the source", max_length=500, blank=True)
    exchange = models.ForeignKey(
        Exchange, null=True, blank=True, on_delete=models.SET_NULL, related_name="market_figures"
    )
    volume_24h_btc = models.DecimalField("24h volume (BTC)", max_digits=24, decimal_places=4, null=True, blank=True)
    volume_24h_btc_normalized = models.DecimalField(
        "24h normalized volume (BTC)",
        max_digits=24,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="CoinGecko's volume adjusted for wash trading; not served since 2025-06-16.",
    )
    trust_score = models.PositiveSmallIntegerField(null=True, blank=True)
    trust_score_rank = models.PositiveIntegerField(null=True, blank=True)
    year_established = models.PositiveSmallIntegerField(null=True, blank=True)
    country = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MarketFigureQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "trust_score_rank", "source_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["market_import", "source_exchange_id"],
                name="market_figure_once_per_import",
                violation_error_message="This exchange already has a figure in this reading.",
            ),
        ]
        indexes = [models.Index(fields=["exchange", "-as_of"], name="market_figure_by_exchange")]

    def __str__(self) -> str:
        return f"{self.source_name} on {self.get_source_display()} ({self.as_of:%Y-%m-%d})"


class MarketFigureToReview(MarketFigure):
    """Market figures whose exchange a person must choose (ambiguous or weak matches)."""

    class Meta:
        proxy = True
        verbose_name = "market figure to review"
        verbose_name_plural = "market figures to review"
