"""manage.py import_stations stations.csv [--dry-run]: the admin upload's importer, from a shell."""

from django.core.management.base import BaseCommand, CommandError

from products.forms import station_csv_max_bytes
from products.importers import SKIPPED, import_stations


class Command(BaseCommand):
    help = "Import e-commerce service stations from a CSV file (UTF-8, UTF-8 with BOM, or GBK); prints a row-by-row report."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, but save nothing")
        parser.add_argument("--quiet-ok", action="store_true", help="list only skipped rows")

    def handle(self, *args, file, dry_run, quiet_ok, **options):
        report = import_stations(file, dry_run=dry_run, max_bytes=station_csv_max_bytes())
        if report.error:
            raise CommandError(report.error)
        for r in report.rows:
            if quiet_ok and r.status != SKIPPED:
                continue
            line = f"row {r.row:>4}  {r.status:<9}  {r.name}"
            if r.message:
                line += f"  — {r.message}"
            self.stdout.write(self.style.WARNING(line) if r.status == SKIPPED else line)
        self.stdout.write(f"encoding: {report.encoding}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
