"""Load the demo data set: the real exchange catalogue, the market facts, a sales team."""

from django.core.management.base import BaseCommand

from crm import demo as crm_demo
from intel import demo as intel_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent: a second run duplicates nothing)."

    def handle(self, *args, **options):
        self.stdout.write("Loading the exchange catalogue...")
        summary = crm_demo.load_accounts()
        self.stdout.write(
            f"  exchanges: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged"
        )
        created = crm_demo.load_team()
        self.stdout.write(f"  demo team: {len(created)} users created")
        self.stdout.write("Loading the market evidence (FACTS) and WebX 2025...")
        for line in intel_demo.load(progress=self._progress):
            self.stdout.write(f"  {line}")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Log in as manager / {crm_demo.DEMO_PASSWORD}")
        self.stdout.write("  (reps: rep.japan, rep.singapore, rep.west; same password)")

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  matched {done}/{total} badge scans", ending="\r" if done < total else "\n")
