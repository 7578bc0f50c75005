"""Print what the product knows about the real exchanges, and the gaps."""

from django.core.management.base import BaseCommand

from intel.coverage import data_coverage


class Command(BaseCommand):
    help = "Data coverage of the real exchanges: sizes, licences, cloud evidence, GENERATED values, source dates."

    def handle(self, *args, **options):
        coverage = data_coverage()
        for line in coverage.summary_lines() + coverage.detail_lines():
            self.stdout.write(line)
