"""Read the owners' OTA calendars (Airbnb, Booking, 途家…) and mark the nights they block as 满房.

Meant for a timer every 15 minutes (docs/homestays.md, "外部日历同步"), e.g.
    */15 * * * * cd /srv/portal && set -a && . ./.env && flock -n /tmp/portal-import-calendars.lock .venv/bin/python manage.py import_calendars

One feed failing (timeout, too big, not a calendar, HTTP error) never stops the others and never
makes the command fail: the error is stored for the owner, who is e-mailed once, and the nights
imported before are kept.
"""

from django.core.management.base import BaseCommand

from homestays.ical import sync_all


class Command(BaseCommand):
    help = "Import the OTA iCalendar feeds of homestay rooms (CalendarImport) as 满房 nights."

    def add_arguments(self, parser):
        parser.add_argument("--page", type=int, default=None, help="only this listing's rooms (page id)")

    def handle(self, *args, page=None, **options):
        ok = failed = mailed = nights = 0
        for item, result in sync_all(page):
            label = f"{item.room.page.title} · {item.room.room_type} (import {item.pk})"
            if result.ok:
                ok += 1
                nights += result.nights
                if options["verbosity"] > 1:
                    self.stdout.write(f"{label}: {result.nights} nights" + (f"; {result.note}" if result.note else ""))
            else:
                failed += 1
                mailed += int(result.mailed)
                self.stderr.write(f"{label}: {result.error}")
        self.stdout.write(f"Calendars imported: {ok}; failed: {failed} (owners e-mailed: {mailed}); nights from calendars: {nights}.")
