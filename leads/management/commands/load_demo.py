"""Load the demo data set: the real exchange catalogue, the market facts, a sales team.

With DEBUG on (a local demo) the team logs in with the published demo password. With DEBUG off the
team is created only with --with-users, each user then getting a random password printed once."""

from django.conf import settings
from django.core.management.base import BaseCommand

from crm import demo as crm_demo
from intel import demo as intel_demo
from intel.coverage import data_coverage
from intel.models import Event
from leads.choices import ScoreCause
from leads.services import follow_ups_create_for_event, scores_rescore


class Command(BaseCommand):
    help = "Load the demo data (idempotent: a second run duplicates nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-users",
            action="store_true",
            help="With DEBUG off, also create the demo team's users, each with a random password printed once "
            "(with DEBUG on they are always created, with the published demo password).",
        )

    def handle(self, *args, **options):
        self.stdout.write("Loading the exchange catalogue...")
        summary = crm_demo.load_accounts()
        self.stdout.write(
            f"  exchanges: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged"
        )
        families = crm_demo.load_families()
        self.stdout.write(f"  account families: {families} venues linked to their primary account")
        production = not settings.DEBUG
        passwords: dict[str, str] = {}
        if production and not options["with_users"]:
            self.stdout.write("  demo team: no users created (DEBUG is off; --with-users creates them)")
            exposed = crm_demo.users_with_published_password()
            if exposed:
                self.stdout.write(
                    self.style.WARNING(
                        f"  {', '.join(exposed)} still log in with the published demo password: "
                        "run load_demo --with-users to give them random passwords."
                    )
                )
        else:
            passwords = crm_demo.load_team(random_passwords=production)
            self.stdout.write(f"  demo team: {len(passwords)} passwords set")
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
        if not production:
            self.stdout.write(f"  Log in as manager / {crm_demo.DEMO_PASSWORD}")
            self.stdout.write("  (reps: rep.japan, rep.singapore, rep.west; same password)")
        elif passwords:
            self.stdout.write("  Demo logins (shown only this once; change them after the first login):")
            for username, password in passwords.items():
                self.stdout.write(f"    {username} / {password}")

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  matched {done}/{total} badge scans", ending="\r" if done < total else "\n")

    def _scored(self, done: int, total: int) -> None:
        self.stdout.write(f"  scored {done}/{total}", ending="\r" if done < total else "\n")
