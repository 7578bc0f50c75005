"""Import a badge-scan / business-card CSV into an event from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intel.models import Event
from intel.parsing import FIELD_LABELS, FileError
from intel.services import attendee_import, attendee_import_preview
from intel.services.attendees import import_progress_text


class Command(BaseCommand):
    help = (
        "Import attendees (badge scans, business cards) from a CSV file into an event. All or nothing "
        "unless --keep-valid; --preview shows the guessed columns and the rejected rows and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("event_slug")
        parser.add_argument("file", type=Path)
        parser.add_argument("--keep-valid", action="store_true", help="Write the valid rows; report the others.")
        parser.add_argument("--preview", action="store_true", help="Show what would happen; write nothing.")
        parser.add_argument(
            "--rejected-report",
            type=Path,
            help="Where to write the rejected rows as CSV (default: FILE.rejected.csv next to the file).",
        )

    def handle(self, *args, event_slug, file, keep_valid, preview, rejected_report, **options):
        event = Event.objects.filter(slug=event_slug).first()
        if event is None:
            raise CommandError(f"No event with slug {event_slug!r}.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            if preview:
                self._preview(event, data)
                return
            outcome = attendee_import(
                event=event, data=data, filename=file.name, keep_valid=keep_valid, progress=self._progress
            )
        except FileError as error:
            raise CommandError(f"{file}: {error}") from None
        for problem in outcome.problems[:20]:
            self.stderr.write(f"  rejected {problem}")
        if len(outcome.problems) > 20:
            self.stderr.write(f"  ... and {len(outcome.problems) - 20} more")
        if outcome.problems:
            target = rejected_report or file.with_name(f"{file.stem}.rejected.csv")
            target.write_bytes(outcome.rejected_report)
            self.stderr.write(f"Rejected rows with their reasons: {target}")
        if not outcome.is_committed:
            raise CommandError(
                f"{outcome.rejected} of {outcome.rows_read} rows are invalid, so nothing was imported. "
                "Fix them, or run again with --keep-valid to import the valid rows."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{event.name}: {outcome.rows_read} rows read; {outcome.created} people added, "
                f"{outcome.updated} updated, {outcome.unchanged} unchanged, "
                f"{outcome.duplicate_lines} duplicate lines merged, {outcome.rejected} rejected."
            )
        )
        self.stdout.write(
            f"  matching: {outcome.matched} matched to an exchange, {outcome.review} to review, "
            f"{outcome.unmatched} with no exchange; contacts: {outcome.contacts_created} created, "
            f"{outcome.contacts_updated} updated."
        )

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  {import_progress_text(done, total)}", ending="\r" if done < total else "\n")
        self.stdout.flush()

    def _preview(self, event, data: bytes) -> None:
        preview = attendee_import_preview(event=event, data=data)
        self.stdout.write(f"Encoding {preview.encoding}; columns:")
        for header, name in preview.mapping.items():
            self.stdout.write(f"  {header!r:30} -> {FIELD_LABELS[name] if name else '(ignored)'}")
        self.stdout.write(
            f"{preview.rows_read} rows: {preview.valid_rows} valid ({preview.new_people} new people, "
            f"{preview.known_people} already listed), {preview.duplicate_lines} duplicate lines, "
            f"{len(preview.problems)} to reject."
        )
        for problem in preview.problems:
            self.stdout.write(f"  reject {problem}")
        self.stdout.write("Nothing was written (preview).")
