"""Import the exchange catalogue (ccxt, or the snapshot shipped with the product)."""

from django.core.management.base import BaseCommand, CommandError

from crm.catalogue import SNAPSHOT_PATH, CatalogueError, read_snapshot, records_from_ccxt
from crm.catalogue import write_snapshot as save_snapshot
from crm.services import exchange_catalogue_import


class Command(BaseCommand):
    help = "Create or update one exchange per exchange in the catalogue. Idempotent; keeps hand edits."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="source",
            choices=["ccxt", "snapshot", "auto"],
            default="auto",
            help="ccxt: the installed ccxt package; snapshot: the shipped data file; auto: ccxt if installed.",
        )
        parser.add_argument(
            "--write-snapshot",
            action="store_true",
            help=f"Also write what ccxt describes to {SNAPSHOT_PATH.name} (needs --from ccxt).",
        )

    def handle(self, *args, source: str, write_snapshot: bool, **options):
        records, origin = self._records(source)
        if write_snapshot:
            if origin == "snapshot":
                raise CommandError("--write-snapshot needs the ccxt package (--from ccxt).")
            import ccxt

            save_snapshot(records, f"ccxt {ccxt.__version__}")
            self.stdout.write(f"Wrote {len(records)} exchanges to {SNAPSHOT_PATH}.")
        self.stdout.write(f"Importing {len(records)} exchanges from {origin}...")
        summary = exchange_catalogue_import(records=records, progress=self._progress)
        self.stderr.write("")
        self.stdout.write(
            f"Created {summary.created}, updated {summary.updated}, unchanged {summary.unchanged}, "
            f"skipped {len(summary.skipped)}; presences added {summary.presences_added}."
        )
        for ccxt_id, reason in summary.skipped:
            self.stdout.write(f"  skipped {ccxt_id}: {reason}")
        for slug, field in summary.kept_edits:
            self.stdout.write(f"  kept the hand edit of {slug}.{field}")
        if not summary.changed_anything:
            self.stdout.write(self.style.SUCCESS("Nothing changed: the catalogue was already up to date."))

    def _records(self, source: str):
        try:
            if source in ("ccxt", "auto"):
                try:
                    return records_from_ccxt(), "ccxt"
                except CatalogueError:
                    if source == "ccxt":
                        raise
            return read_snapshot(), "snapshot"
        except CatalogueError as error:
            raise CommandError(str(error)) from error

    def _progress(self, done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            self.stderr.write(f"\r  {done}/{total} exchanges", ending="")
            self.stderr.flush()
