"""Find which cloud each exchange runs on from its public hosts (DNS + the shipped range tables)."""

import time

from django.core.management.base import BaseCommand, CommandError

from crm.models import Exchange
from crm.sentences import stored_sentence
from intel.technographics.attribution import TablesError, shipped_tables
from intel.technographics.resolver import DEFAULT_MAX_WORKERS, DEFAULT_TIMEOUT_SECONDS, default_resolver
from intel.technographics.services import exchange_clouds_detect


class Command(BaseCommand):
    help = "Resolve each exchange's website, API and websocket hosts and record the clouds they run on."

    def add_arguments(self, parser):
        parser.add_argument("--exchange", action="append", default=[], metavar="SLUG", help="Only these (repeatable).")
        parser.add_argument("--workers", type=int, default=DEFAULT_MAX_WORKERS, help="Hosts resolved at once.")
        parser.add_argument(
            "--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="Seconds per DNS query (DnsResolver)."
        )

    def handle(self, *args, exchange: list[str], workers: int, timeout: float, **options):
        exchanges = Exchange.objects.order_by("name")
        if exchange:
            exchanges = exchanges.filter(slug__in=exchange)
            missing = sorted(set(exchange) - set(exchanges.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"No exchange with slug: {', '.join(missing)}.")
        try:
            tables = shipped_tables()
        except TablesError as error:
            raise CommandError(str(error)) from error
        resolver = default_resolver()
        if hasattr(resolver, "timeout"):
            resolver.timeout = timeout
        items = list(exchanges.values_list("pk", "slug"))
        self.stdout.write(
            f"Checking {len(items)} exchanges with the range tables built on {tables.info.built_on} "
            f"({workers} hosts at a time)..."
        )
        started = time.perf_counter()
        written = removed = failed_hosts = hosts = signals = disagreements = 0
        for done, (pk, slug) in enumerate(items, start=1):
            outcome = exchange_clouds_detect(exchange_id=pk, resolver=resolver, tables=tables, max_workers=workers)
            detection = outcome.detection
            written += outcome.allocations_written
            removed += outcome.allocations_removed
            hosts += detection.hosts_checked
            failed_hosts += detection.hosts_failed
            disagreements += len(detection.disagreements)
            signals += outcome.signal is not None
            self.stdout.write(f"  [{done}/{len(items)}] {slug}: {detection.summary}")
            for sentence in detection.disagreements:
                self.stdout.write(self.style.WARNING(f"      disagreement: {stored_sentence(sentence)}"))
            if outcome.signal is not None:
                self.stdout.write(self.style.WARNING(f"      change: {outcome.signal.title}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {len(items)} exchanges, {hosts} hosts ({failed_hosts} unresolved) in "
                f"{time.perf_counter() - started:.1f} s: {written} allocations written, {removed} withdrawn, "
                f"{disagreements} disagreements, {signals} cloud-change signals."
            )
        )
