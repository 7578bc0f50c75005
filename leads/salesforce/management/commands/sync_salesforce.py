"""python manage.py sync_salesforce [--dry-run] [--full | --verify | --pull] [--force]"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from leads.salesforce.services import salesforce_pull, salesforce_sync


class Command(BaseCommand):
    help = "Send what changed since the last sync to Salesforce (accounts and scores, event leads, campaigns)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent and the calls it takes.")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Resend every scored exchange and follow-up, also those Salesforce confirmed before "
            "(after a sandbox refresh or a mass delete).",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Read the org's external ids first and resend what it lacks (a SOQL query per object).",
        )
        parser.add_argument(
            "--pull",
            action="store_true",
            help="Read back what changed in Salesforce since the last pull: Accounts (matched to exchanges), "
            "Contacts and Opportunities, deletions included.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Run now even while the sync is paused after an API limit."
        )

    def handle(self, *args, dry_run: bool, full: bool, verify: bool, force: bool, pull: bool, **options):
        if pull:
            if dry_run or full or verify:
                raise CommandError("--pull reads from Salesforce; it takes no --dry-run, --full or --verify.")
            return self._pull(force=force)

        def progress(object_name: str, size: int, sent: int) -> None:
            self.stdout.write(f"  {object_name}: {size} answered, {sent} records sent so far")

        try:
            outcome = salesforce_sync(full=full, dry_run=dry_run, force=force, verify=verify, progress=progress)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        for line in outcome.plan_lines:
            self.stdout.write(line)
        run = outcome.run
        if run is not None:
            budget = f", org budget {run.api_usage}/{run.api_limit}" if run.api_limit else ""
            self.stdout.write(
                f"{run.get_status_display()}: {run.records_sent} sent, {run.records_confirmed} confirmed, "
                f"{run.records_failed} refused, {run.records_to_retry} to retry; {run.calls_used} API calls "
                f"({run.retries} retries, {run.bulk_jobs} bulk jobs){budget}."
            )
        if outcome.message and outcome.status != "dry_run":
            self.stdout.write(outcome.message)
        if outcome.status in ("failed", "limited", "interrupted", "waiting", "locked"):
            raise CommandError(f"Sync {outcome.status}: {outcome.message}")

    def _pull(self, *, force: bool) -> None:
        def progress(object_name: str, read: int, total: int) -> None:
            self.stdout.write(f"  {object_name}: {read} of {total} changed records read and applied")

        try:
            outcome = salesforce_pull(force=force, progress=progress)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        for line in outcome.plan_lines:
            self.stdout.write(line)
        run = outcome.run
        if run is not None:
            budget = f", org budget {run.api_usage}/{run.api_limit}" if run.api_limit else ""
            self.stdout.write(
                f"{run.get_status_display()}: {run.records_read} read, {run.records_applied} applied, "
                f"{run.records_deleted} deletions, {run.records_skipped} refused or held; {run.calls_used} API "
                f"calls ({run.retries} retries, {run.bulk_jobs} bulk query jobs){budget}."
            )
        else:
            self.stdout.write(outcome.message)
        if outcome.status in ("failed", "limited", "interrupted", "waiting", "locked"):
            raise CommandError(f"Pull {outcome.status}: {outcome.message}")
