"""Load the demo data set: the real exchange catalogue, the market facts, a sales team."""

from django.core.management.base import BaseCommand

from crm import demo as crm_demo
from intel import demo as intel_demo
from intel.coverage import data_coverage
from intel.models import Event
from leads.choices import ScoreCause
from leads.services import follow_ups_create_for_event, scores_rescore


class Command(BaseCommand):
    help = "Load the demo data (idempotent: a second run duplicates nothing)."

    def handle(self, *args, **options):
        self.stdout.write("Loading the exchange catalogue...")
        summary = crm_demo.load_accounts()
        self.stdout.write(
            f"  exchanges: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged"
        )
        families = crm_demo.load_families()
        self.stdout.write(f"  account families: {families} venues linked to their primary account")
        created = crm_demo.load_team()
        self.stdout.write(f"  demo team: {len(created)} users created")
        self.stdout.write(
            "Loading the market evidence (market data, registers, public cloud evidence) and WebX 2025..."
        )
        for line in intel_demo.load(progress=self._progress):
            self.stdout.write(f"  {line}")
        self.stdout.write("Scoring every exchange...")
        scored = scores_rescore(cause=ScoreCause.MANUAL, progress=self._scored)
        self.stdout.write(f"  scores: {scored.created} new, {scored.updated} changed, {scored.unchanged} unchanged")
        for event in Event.objects.order_by("starts_on"):
            follow_ups = follow_ups_create_for_event(event=event)
            self.stdout.write(f"  follow-up list for {event.name}: {len(follow_ups)} people, ranked and assigned")
        self.stdout.write("")
        self.stdout.write("Data coverage of the real exchanges (python manage.py data_coverage):")
        for line in data_coverage().summary_lines():
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Log in as manager / {crm_demo.DEMO_PASSWORD}")
        self.stdout.write("  (reps: rep.japan, rep.singapore, rep.west; same password)")

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  matched {done}/{total} badge scans", ending="\r" if done < total else "\n")

    def _scored(self, done: int, total: int) -> None:
        self.stdout.write(f"  scored {done}/{total}", ending="\r" if done < total else "\n")
