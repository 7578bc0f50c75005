"""Import market data (CoinGecko /exchanges pages) from files or the API, as dated history."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from intel.choices import MarketSource
from intel.marketdata.client import MAX_PER_PAGE, CoinGeckoClient, CoinGeckoError
from intel.marketdata.coingecko import MarketDataError
from intel.services import market_data_import


class Command(BaseCommand):
    help = (
        "Import CoinGecko /exchanges pages (JSON files, or --api to fetch them) as market figures, matched to "
        "the accounts. All or nothing; the same files again change nothing. Data provided by CoinGecko."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", choices=MarketSource.values)
        parser.add_argument("files", nargs="*", type=Path, help="One /exchanges page per file.")
        parser.add_argument("--api", action="store_true", help="Fetch the pages from the CoinGecko API instead.")
        parser.add_argument(
            "--pages", type=int, help="With --api: at most this many pages (default: until a short page)."
        )
        parser.add_argument("--per-page", type=int, default=MAX_PER_PAGE, help=f"With --api (1..{MAX_PER_PAGE}).")
        parser.add_argument("--save-to", type=Path, help="With --api: also write the fetched pages as files here.")
        parser.add_argument(
            "--as-of", type=datetime.date.fromisoformat, help="The date the figures hold for (YYYY-MM-DD)."
        )
        parser.add_argument("--create-missing", action="store_true", help="Create unmatched exchanges as prospects.")

    def handle(self, *args, source, files, api, pages, per_page, save_to, as_of, create_missing, **options):
        if api == bool(files):
            raise CommandError("Give either FILE.json ... or --api, not both and not neither.")
        if pages is not None and pages < 1:
            raise CommandError("--pages must be 1 or more.")
        source_url = ""
        if api:
            try:
                client = CoinGeckoClient.from_settings()
                fetched = client.exchanges(per_page=per_page, pages=pages, progress=self._fetched)
            except (CoinGeckoError, MarketDataError) as error:
                raise CommandError(str(error)) from None
            data = [page.body for page in fetched]
            as_of = as_of or timezone.localdate()
            names = [
                f"coingecko_exchanges_{as_of:%Y-%m-%d}" + (f"_p{page.number}" if len(fetched) > 1 else "") + ".json"
                for page in fetched
            ]
            source_url = fetched[0].url if fetched else ""
            if save_to:
                save_to.mkdir(parents=True, exist_ok=True)
                for name, body in zip(names, data, strict=True):
                    (save_to / name).write_bytes(body)
                self.stdout.write(f"  saved {len(data)} page(s) to {save_to}")
        else:
            try:
                data = [file.read_bytes() for file in files]
            except OSError as error:
                raise CommandError(f"Cannot read {error.filename}: {error.strerror}.") from None
            names = [str(file) for file in files]
        try:
            outcome = market_data_import(
                source=source,
                pages=data,
                filenames=names,
                as_of=as_of,
                is_from_api=api,
                source_url=source_url,
                create_missing=create_missing,
                progress=self._progress,
            )
        except MarketDataError as error:
            raise CommandError(f"{error} Nothing was imported.") from None
        lines = outcome.summary_lines()
        self.stdout.write(self.style.SUCCESS(lines[0]) if outcome.is_changed else lines[0])
        for line in lines[1:]:
            self.stdout.write(f"  {line}")

    def _fetched(self, pages: int, records: int) -> None:
        self.stdout.write(f"  fetched page {pages} ({records} exchanges so far)")

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  matched {done}/{total} exchanges", ending="\r" if done < total else "\n")
        self.stdout.flush()
