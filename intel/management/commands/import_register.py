"""Import a regulator's register (ESMA's CASPS.csv, the FSA's kasoutuka.xlsx, or a transcription)."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intel.choices import RegisterKind
from intel.registers import RegisterFileError
from intel.services import register_import


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Import a register reading: match its firms to exchanges, set their presences (a person's entry is "
        "kept), and record what changed since the previous reading. All or nothing unless --keep-valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=RegisterKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument("--keep-valid", action="store_true", help="Import the valid rows; report the others.")
        parser.add_argument(
            "--as-of", type=_date, help="The register's date, when neither the file nor its name has it."
        )
        parser.add_argument("--source-url", help="Where this reading was downloaded from (default: the regulator's).")
        parser.add_argument(
            "--rejected-report", type=Path, help="Where to write rejected rows (default: FILE.rejected.csv)."
        )

    def handle(self, *args, kind, file, keep_valid, as_of, source_url, rejected_report, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            outcome = register_import(
                kind=kind, data=data, filename=file.name, as_of=as_of, source_url=source_url, keep_valid=keep_valid
            )
        except RegisterFileError as error:
            raise CommandError(f"{file}: {error}") from None
        for warning in outcome.warnings:
            self.stderr.write(f"  note: {warning}")
        for problem in outcome.problems[:20]:
            self.stderr.write(f"  rejected {problem}")
        if len(outcome.problems) > 20:
            self.stderr.write(f"  ... and {len(outcome.problems) - 20} more")
        if outcome.problems:
            target = rejected_report or file.with_name(f"{file.stem}.rejected.csv")
            target.write_bytes(outcome.rejected_report)
            self.stderr.write(f"Rejected rows with their line, column and reason: {target}")
        if not outcome.is_committed and outcome.problems:
            raise CommandError(outcome.message)
        if not outcome.is_committed:
            self.stdout.write(outcome.message)
            return
        counts = outcome.change_counts
        self.stdout.write(
            f"  entries: {outcome.entries} ({outcome.duplicate_lines} duplicate rows merged, "
            f"{outcome.rejected} rejected)"
        )
        self.stdout.write(f"  matched: {outcome.matched}; to review: {outcome.review}; unmatched: {outcome.unmatched}")
        if outcome.unmatched_names:
            self.stdout.write(f"  unmatched: {'; '.join(outcome.unmatched_names)}")
        self.stdout.write(f"  presences: {outcome.presences_created} set, {outcome.presences_updated} updated")
        self.stdout.write(f"  disagreements kept (a person's status stays): {len(outcome.disagreements)}")
        for disagreement in outcome.disagreements:
            self.stdout.write(f"    {disagreement}")
        self.stdout.write(
            "  changes vs previous: "
            + ", ".join(f"{count} {kind}" for kind, count in counts.items())
            + f"; {outcome.signals} licence-change signals"
        )
        self.stdout.write(self.style.SUCCESS(outcome.message))
