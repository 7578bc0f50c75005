"""Market-data import: the shipped CoinGecko reading (100 exchanges) matched against the real
catalogue and written as figures, against a floor measured in the same run (reading the JSON).

Target: the whole import under 1 s on the 2-core CI machine."""

import time

from bench.common import machine, setup_django

TARGET_SECONDS = 1.0
DATABASE = "postgres://postgres@127.0.0.1:5432/bench_market"


def setup(size: int) -> dict[str, int]:
    """The set-up from an empty database: the real catalogue (its size is fixed; `size` does not apply)."""
    from crm.demo import load_accounts
    from crm.models import Exchange

    load_accounts()
    return {"exchanges": Exchange.objects.count()}


def main() -> None:
    setup_django(DATABASE)
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from crm.demo import load_accounts
    from crm.models import Exchange
    from intel.marketdata.coingecko import parse_page
    from intel.models import MarketDataImport
    from intel.services import market_data_import
    from intel.services.market import SHIPPED_FILE

    print(f"   machine: {machine()}; database: {connection.vendor}")
    data = SHIPPED_FILE.read_bytes()
    # Everything below is rolled back: the database is left as it was found.
    with transaction.atomic():
        MarketDataImport.objects.all().delete()
        load_accounts()
        print(f"   {Exchange.objects.count()} exchanges in the account book (the real catalogue)")
        started = time.perf_counter()
        records = parse_page(data)
        floor = time.perf_counter() - started
        print(f"   reading the JSON alone (the floor): {floor * 1000:.1f} ms for {len(records)} exchanges")
        for attempt in ("first import", "re-import"):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                outcome = market_data_import(pages=[data], filenames=[SHIPPED_FILE.name])
                seconds = time.perf_counter() - started
            result = (
                f"{outcome.matched} matched, {outcome.review} to review, {outcome.unmatched} unmatched, "
                f"{outcome.figures_written} figures written"
                if outcome.is_changed
                else "nothing changed (same sha256)"
            )
            print(f"   {attempt:>12}: {seconds * 1000:7.1f} ms, {len(queries.captured_queries)} SQL queries; {result}")
            if attempt == "first import":
                print(
                    f"   target {TARGET_SECONDS:.0f} s: {seconds / TARGET_SECONDS:.2f} of the target; "
                    f"{seconds / floor:.0f}x reading the JSON alone"
                )
        transaction.set_rollback(True)
