"""Rescore exchanges now, synchronously, and print what changed."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.models import Exchange
from leads.choices import ScoreCause
from leads.services import scores_rescore


def parse_as_of(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--as-of {value!r} is not a date (YYYY-MM-DD) or an ISO date and time.") from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


class Command(BaseCommand):
    help = "Rescore exchanges (all, or those named) with the active scoring model and print what changed."

    def add_arguments(self, parser):
        parser.add_argument("--exchange", action="append", default=[], metavar="SLUG", help="Only this exchange.")
        parser.add_argument("--as-of", help="Score as of this date or moment (default: now).")

    def handle(self, *args, **options):
        as_of = parse_as_of(options["as_of"]) if options["as_of"] else timezone.now()
        exchange_ids = None
        if options["exchange"]:
            found = dict(Exchange.objects.filter(slug__in=options["exchange"]).values_list("slug", "pk"))
            missing = sorted(set(options["exchange"]) - set(found))
            if missing:
                raise CommandError(f"No exchange with slug: {', '.join(missing)}")
            exchange_ids = list(found.values())

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  scored {done}/{total}", ending="\r" if done < total else "\n")

        self.stdout.write(f"Scoring as of {as_of:%Y-%m-%d %H:%M} UTC...")
        summary = scores_rescore(exchange_ids=exchange_ids, cause=ScoreCause.MANUAL, as_of=as_of, progress=progress)
        if not summary.created and not summary.updated:
            self.stdout.write(
                self.style.SUCCESS(f"Nothing changed ({summary.examined} exchanges, model v{summary.model_version}).")
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Model v{summary.model_version}: {summary.examined} exchanges, {summary.created} scored for the first "
                f"time, {summary.updated} changed, {summary.unchanged} unchanged."
            )
        )
        for change, count in sorted(summary.grade_changes.items()):
            self.stdout.write(f"  grade {change}: {count}")
        if summary.people:
            self.stdout.write(f"  follow-ups re-ranked: {summary.people} person scores changed with their exchange")
