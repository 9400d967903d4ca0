"""iCalendar (RFC 5545) for events, with the icalendar library.

Times keep their Asia/Shanghai zone (TZID plus a generated VTIMEZONE) so a visitor in another zone
sees the festival at the right local hour; all-day events (a flower season, a week of festival days)
are dates, which no zone shifts. The UID is derived from the page's translation_key,
so re-downloading or re-subscribing updates an event rather than duplicating it; DTSTAMP is the
last publication time, so the same content gives byte-identical output (and a stable ETag).
"""

from __future__ import annotations

import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vGeo

PRODID = "-//Xining Rural Portal//xining-rural news//ZH"


def event_component(page, request) -> Event:
    event = Event()
    event.add("uid", page.ics_uid)
    # A page put live without a revision (an import, a fixture) has no publication time; its start
    # stands in rather than now(), which would make every download of the same content differ.
    stamp = page.last_published_at or page.latest_revision_created_at or page.first_published_at or _start(page)
    event.add("dtstamp", stamp.astimezone(datetime.UTC))
    event.add("last-modified", stamp.astimezone(datetime.UTC))
    if page.all_day:
        # Dates (VALUE=DATE): the season or festival is on every day, wherever the reader is;
        # DTEND is exclusive (RFC 5545 3.6.1), the day after the last day.
        event.add("dtstart", page.first_day)
        event.add("dtend", page.last_day + datetime.timedelta(days=1))
    else:
        event.add("dtstart", page.event_start.astimezone(timezone.get_default_timezone()))
        if page.event_end:
            event.add("dtend", page.event_end.astimezone(timezone.get_default_timezone()))
    event.add("summary", page.title)
    event.add("location", page.venue or page.title)
    if page.venue_location and page.venue_location.get("type") == "Point":
        lon, lat = page.venue_location["coordinates"][:2]
        event.add("geo", vGeo((lat, lon)))
    event.add("url", request.build_absolute_uri(page.get_url(request=request)))
    lines = [page.lead]
    if page.lunar_note:
        lines.append(_("农历：%(note)s") % {"note": page.lunar_note})
    if page.organiser:
        lines.append(_("主办：%(organiser)s") % {"organiser": page.organiser})
    if page.admission:
        lines.append(_("门票：%(admission)s") % {"admission": page.admission})
    if page.booking_url:
        lines.append(_("预约：%(url)s") % {"url": page.booking_url})
    event.add("description", strip_tags("\n".join(line for line in lines if line)))
    categories = [tag.name for tag in page.tags.all()]
    if categories:
        event.add("categories", categories)
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


def _start(page) -> datetime.datetime:
    if page.all_day:
        return datetime.datetime.combine(page.first_day, datetime.time(), tzinfo=timezone.get_default_timezone())
    return page.event_start


def build_calendar(events, request, name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(timezone.get_default_timezone()))
    starts = []
    for page in events:
        cal.add_component(event_component(page, request))
        if not page.all_day:
            starts.append(page.event_start.astimezone(timezone.get_default_timezone()).date())
    if starts:
        # Only the zone's rules for the years the events span, not its whole history.
        cal.add_missing_timezones(first_date=min(starts) - datetime.timedelta(days=366), last_date=max(starts) + datetime.timedelta(days=366))
    return cal


def calendar_response(request, events, *, name: str, filename: str | None = None) -> HttpResponse:
    cal = build_calendar(list(events), request, str(name))
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
