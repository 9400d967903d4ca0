"""The explicit 全天 all-day flag on events, set for the events that were all-day by their times.

Before it an event was shown as all-day when it ran from 00:00 to 23:59 (or to 00:00 of a later
day) Beijing time, yet went out in calendars and JSON-LD as a timed event. Those events get the
flag, are stored as whole days (00:00 of the first day to 23:59:59 of the last: an end at 00:00
meant "until the end of the day before"), and their latest revision gets the flag too, so the
editor who opens one next sees it ticked rather than republishing it as timed.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models


def whole_days(start, end, tz):
    """(first, last) days of an event that ran whole days, else None."""
    start, end = start.astimezone(tz), end.astimezone(tz) if end else None
    if (start.hour, start.minute, start.second) != (0, 0, 0):
        return None
    if end is None:
        return None
    if (end.hour, end.minute) == (23, 59):
        return start.date(), end.date()
    if (end.hour, end.minute, end.second) == (0, 0, 0) and end.date() > start.date():
        return start.date(), end.date() - datetime.timedelta(days=1)
    return None


def derive_all_day(apps, schema_editor):
    NewsPage = apps.get_model("news", "NewsPage")
    Revision = apps.get_model("wagtailcore", "Revision")
    tz = ZoneInfo(settings.TIME_ZONE)
    for page in NewsPage.objects.filter(is_event=True, event_start__isnull=False):
        days = whole_days(page.event_start, page.event_end, tz)
        if days is None:
            continue
        first, last = days
        start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(last, datetime.time(23, 59, 59), tzinfo=tz)
        NewsPage.objects.filter(pk=page.pk).update(all_day=True, event_start=start, event_end=end)
        if page.latest_revision_id:
            revision = Revision.objects.filter(pk=page.latest_revision_id).first()
            if revision is not None and isinstance(revision.content, dict):
                revision.content.update(
                    all_day=True,
                    event_start=start.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
                    event_end=end.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
                )
                revision.save(update_fields=["content"])


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0003_news_review_workflow"),
    ]

    operations = [
        migrations.AddField(
            model_name="newspage",
            name="all_day",
            field=models.BooleanField(
                default=False,
                help_text="Dates only, no times: a season or a festival that runs all day from its first to its last day (times below are ignored).",
                verbose_name="全天 All day",
            ),
        ),
        migrations.RunPython(derive_all_day, migrations.RunPython.noop),
    ]
