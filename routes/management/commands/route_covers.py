"""Draw the covers of routes from their lines, stops and profiles (routes.covers).

    manage.py route_covers                # every route that has no cover or a drawn one
    manage.py route_covers xinachuan      # these routes (by slug), whatever cover they have
    manage.py route_covers --all          # every route, replacing photos too
    manage.py route_covers --dry-run      # say what would change

The new cover is saved as a draft revision of each route (as the admin's "从线路生成封面"
does), or published straight away with --publish when the route has no other unpublished change.
"""

from django.core.management.base import BaseCommand, CommandError

from routes.covers import cover_title, make_cover
from routes.models import RoutePage


class Command(BaseCommand):
    help = "Draw route covers from each route's line, stops and elevation profile."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Route slugs (default: routes without a cover, or with a drawn one)")
        parser.add_argument("--all", action="store_true", help="Every route, even those whose cover is a photo")
        parser.add_argument("--publish", action="store_true", help="Publish the new cover when the route has no unpublished changes")
        parser.add_argument("--dry-run", action="store_true", help="List the routes, change nothing")

    def handle(self, *args, slugs, all, publish, dry_run, **options):
        routes = RoutePage.objects.all().order_by("path")
        if slugs:
            routes = routes.filter(slug__in=slugs)
            missing = set(slugs) - set(routes.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No route with the slug {', '.join(sorted(missing))}")
        done = 0
        for page in routes:
            draft = page.get_latest_revision_as_object()
            drawn = draft.hero_image is None or draft.hero_image.title.startswith(cover_title(draft).split(" · ")[0] + " · ")
            if not (slugs or all or drawn):
                self.stdout.write(f"{page.title}: has a photo as its cover, left alone (use --all or name it)")
                continue
            if dry_run:
                self.stdout.write(f"{page.title}: would draw its cover")
                continue
            clean = page.live and not page.has_unpublished_changes
            draft.hero_image = make_cover(draft)
            revision = draft.save_revision(log_action=True)
            if publish and clean:
                revision.publish()
            elif publish:
                self.stdout.write(f"{page.title}: has other unpublished changes; the cover is saved as a draft")
            done += 1
            self.stdout.write(f"{page.title}: cover drawn ({draft.hero_image.title})")
        self.stdout.write(self.style.SUCCESS(f"{done} route cover(s) drawn."))
