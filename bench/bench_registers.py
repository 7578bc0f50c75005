"""Register import: the shipped ESMA file and the four transcriptions imported together into an
empty account book holding the real exchange catalogue, against a floor measured in the same run
(reading the five files alone). SQLite is enough: the import writes in bulk.

Target: the five imports together under 2 s on the 2-core CI machine."""

import os
import tempfile
import time
from pathlib import Path

from bench.common import machine, setup_django

TARGET_SECONDS = 2.0


def setup(size: int) -> dict[str, int]:
    """The set-up from an empty database: the real catalogue (its size is fixed; `size` does not apply)."""
    from crm.demo import load_accounts
    from crm.models import Exchange

    load_accounts()
    return {"exchanges": Exchange.objects.count()}


def main() -> None:
    database = Path(tempfile.mkdtemp()) / "bench_registers.sqlite3"
    setup_django(os.environ.get("BENCH_REGISTERS_DATABASE_URL", f"sqlite:///{database}"))
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from crm.demo import load_accounts
    from crm.models import Exchange
    from intel.registers import parse_register
    from intel.services import register_import
    from intel.services.register_loading import DATA_DIRECTORY, SHIPPED_REGISTERS

    print(f"   machine: {machine()}; database: {connection.vendor}")
    load_accounts()
    print(f"   {Exchange.objects.count()} exchanges in the account book (the real catalogue)")
    files = [(kind, filename, (DATA_DIRECTORY / filename).read_bytes()) for kind, filename in SHIPPED_REGISTERS]
    started = time.perf_counter()
    rows = sum(len(parse_register(kind=kind, data=data, filename=name).records) for kind, name, data in files)
    floor = time.perf_counter() - started
    print(f"   reading the five files alone (the floor): {floor:.3f} s, {rows} entries")
    # Rolled back at the end: the rescoring the import asks for after commit is not measured here.
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for kind, filename, data in files:
            outcome = register_import(kind=kind, data=data, filename=filename)
            print(
                f"     {kind:9} {outcome.entries:4} entries, {outcome.matched:3} matched, "
                f"{outcome.presences_created + outcome.presences_updated:4} presences"
            )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    print(
        f"   importing all five: {seconds:.3f} s, {len(queries.captured_queries)} SQL queries; "
        f"{seconds / floor:.1f}x reading alone; target {TARGET_SECONDS:.0f} s: {seconds / TARGET_SECONDS:.2f} of it"
    )
