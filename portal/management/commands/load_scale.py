"""Grow the content to a size the real network has (docs/performance.md, "Scale")."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from wagtail.models import Locale

from portal.models import HomePage
from portal.registry import registry
from portal.scale import ScaleContext


class Command(BaseCommand):
    help = "Grow each kind of content to the given number in all, on top of the demo (a second run adds only what is missing)."

    def add_arguments(self, parser):
        for loader in registry.scale_loaders:
            parser.add_argument(f"--{loader.name}", type=int, default=0, metavar="N", help=loader.help)
        parser.add_argument("--seed", type=int, default=27, help="the same seed makes the same content")

    def handle(self, *args, **options):
        home = HomePage.objects.filter(locale=Locale.get_default()).first()
        if home is None:
            raise CommandError("Load the demo first: manage.py load_demo")
        ctx = ScaleContext(home=home, stdout=self.stdout)
        ctx.rng.seed(options["seed"])
        for loader in registry.scale_loaders:
            target = options.get(loader.name) or 0
            if target <= 0:
                continue
            start = time.monotonic()
            # one transaction a kind: the layers are rebuilt and the proxy purged once, after commit
            with transaction.atomic():
                added = loader.load(target, ctx)
            self.stdout.write(f"{loader.name}: {added} added ({target} in all) in {time.monotonic() - start:.0f} s")
        # The planner's statistics, for tables that just grew tenfold: until autovacuum gets to them,
        # PostgreSQL plans for the old sizes (a page list's privacy check then scans every page per
        # row, a second instead of milliseconds).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
