"""Market-data sources: reading their responses (pure) and fetching them (the API client)."""

from .coingecko import ATTRIBUTION, CoinGeckoExchange, MarketDataError, as_of_from_filename, parse_page

__all__ = ["ATTRIBUTION", "CoinGeckoExchange", "MarketDataError", "as_of_from_filename", "parse_page"]
