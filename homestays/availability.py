"""Free rooms by date and the price of a stay: the one place that reads and writes RoomNight rows.

A night is the date a guest checks in on; a stay from checkin to checkout uses the nights
checkin … checkout−1. A room type is free for a stay when it has no RoomNight row in that range,
so "houses with a room free for the whole stay" is one NOT EXISTS sub-query, whatever the number
of houses. Writes go through `set_nights`, which the admin calendar, the iCalendar import and a
confirmed inquiry share, so each of them purges the listing the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from homestays.models import DayStatus, HomestayRoom, RoomNight, Season
from portal.cache import page_changed
from portal.i18n import default_language, language_of

CALENDAR_DAYS = 90  # what a listing shows
MAX_SET_DAYS = 366  # what one change may cover


def nights(checkin: dt.date, checkout: dt.date) -> list[dt.date]:
    return [checkin + dt.timedelta(days=i) for i in range((checkout - checkin).days)]


def source_rooms(page, rooms: list) -> dict[int, HomestayRoom]:
    """{room id: the room whose nights count} for `rooms` of `page`.

    Availability is kept once per house, on the rooms of its default-language page (where owners
    and the admin calendar work); a translation's rooms are the same rooms in the same order, so
    they map by position. One query for a translation, none for the default-language page.
    """

    if language_of(page) == default_language():
        return {r.pk: r for r in rooms}
    source = HomestayRoom.objects.filter(page__translation_key=page.translation_key, page__locale__language_code=default_language())
    source = list(source.order_by("sort_order", "pk"))
    return {r.pk: source[i] for i, r in enumerate(rooms) if i < len(source)}


def _blocked(checkin, checkout):
    return RoomNight.objects.filter(room=OuterRef("pk"), date__gte=checkin, date__lt=checkout)


def free_rooms_query(checkin: dt.date, checkout: dt.date):
    """Room types with no closed or full night in the stay."""
    return HomestayRoom.objects.annotate(taken=Exists(_blocked(checkin, checkout))).filter(taken=False)


def with_free_capacity(listings, checkin: dt.date, checkout: dt.date, guests: int | None = None):
    """Listings with at least one room type free for the whole stay, annotated with `free_capacity`
    (beds in the free room types) and kept only when that holds `guests` (guests may take several
    rooms). One sub-query per listing row inside the same SELECT: the query count does not grow."""

    # The default-language page's rooms for any translation of the house (source_rooms).
    source = {"page__translation_key": OuterRef("translation_key"), "page__locale__language_code": default_language()}
    capacity = free_rooms_query(checkin, checkout).filter(**source).order_by().values("page").annotate(total=Sum("capacity")).values("total")
    listings = listings.annotate(free_capacity=Coalesce(Subquery(capacity, output_field=IntegerField()), Value(0)))
    listings = listings.filter(free_capacity__gte=max(1, guests or 1))
    max_guests_ok = Q(max_guests__isnull=True) | Q(max_guests__gte=guests or 1)
    return listings.filter(max_guests_ok)


def night_status(rooms, start: dt.date, end: dt.date) -> dict[int, dict[dt.date, str]]:
    """{room id: {date: status}} for the nights start … end−1 that are not free; one query."""
    found: dict[int, dict[dt.date, str]] = defaultdict(dict)
    ids = [r.pk for r in rooms]
    for room_id, date, status in RoomNight.objects.filter(room_id__in=ids, date__gte=start, date__lt=end).values_list("room_id", "date", "status"):
        found[room_id][date] = status
    return found


def season_map(seasons, start: dt.date, end: dt.date) -> dict[dt.date, tuple[str, str]]:
    """{date: (season kind, name)} for the nights in range; 节庆 wins where it overlaps 旺季."""
    days: dict[dt.date, tuple[str, str]] = {}
    for period in sorted(seasons, key=lambda p: p.kind == Season.FESTIVAL):  # festivals last, so they win
        day = max(period.start, start)
        while day <= period.end and day < end:
            days[day] = (period.kind, period.name)
            day += dt.timedelta(days=1)
    return days


@dataclass
class StayQuote:
    room: HomestayRoom
    free: bool
    total: int
    per_night: list[tuple[dt.date, int, str]]  # (night, price, season kind or "")

    @property
    def nights(self) -> int:
        return len(self.per_night)

    @property
    def average(self) -> int:
        return round(self.total / self.nights) if self.nights else 0


def quotes(rooms, seasons, checkin: dt.date, checkout: dt.date, taken: dict | None = None) -> list[StayQuote]:
    """Each room type's price for the stay and whether it is free, from rows already loaded."""
    if taken is None:
        taken = night_status(rooms, checkin, checkout)
    days = season_map(seasons, checkin, checkout)
    result = []
    for room in rooms:
        per_night = []
        for night in nights(checkin, checkout):
            kind = days.get(night, ("", ""))[0]
            per_night.append((night, room.price_on(night, kind or None), kind))
        free = not any(night in taken.get(room.pk, {}) for night in nights(checkin, checkout))
        result.append(StayQuote(room, free, sum(p for _n, p, _k in per_night), per_night))
    return result


def calendar_days(rooms, start: dt.date, days: int = CALENDAR_DAYS, taken: dict | None = None) -> list[dict]:
    """The listing's next `days` nights: how many room types are free each night."""
    end = start + dt.timedelta(days=days)
    if taken is None:
        taken = night_status(rooms, start, end)
    out = []
    for night in nights(start, end):
        free = [r for r in rooms if night not in taken.get(r.pk, {})]
        closed = bool(rooms) and all(taken.get(r.pk, {}).get(night) == DayStatus.CLOSED for r in rooms)
        out.append({"date": night, "free": len(free), "rooms": len(rooms), "closed": closed})
    return out


def set_nights(room: HomestayRoom, start: dt.date, end: dt.date, status: str, *, source: str = "owner", inquiry=None) -> int:
    """Mark the nights start … end (inclusive) of `room` as `status` (free removes the rows).

    One transaction, bulk writes, and one purge of the listing after commit, as a publish makes. A
    night an imported calendar or a confirmed inquiry marked is overwritten by the owner's choice,
    which is what an owner tapping a day expects.
    """

    if end < start:
        start, end = end, start
    if (end - start).days >= MAX_SET_DAYS:
        raise ValueError("range too long")
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    with transaction.atomic():
        RoomNight.objects.filter(room=room, date__in=days).delete()
        if status != DayStatus.FREE:
            RoomNight.objects.bulk_create([RoomNight(room=room, date=d, status=status, source=source, inquiry=inquiry, updated=timezone.now()) for d in days])
        page_changed(room.page)  # purged after commit, like a publish
    return len(days)


def replace_source(room: HomestayRoom, dates: set[dt.date], *, source: str, status: str = DayStatus.FULL) -> int:
    """Make the nights marked by `source` exactly `dates` (an imported calendar read again): nights
    the owner set by hand are left alone. Returns how many nights the source now marks."""

    with transaction.atomic():
        existing = dict(RoomNight.objects.filter(room=room).values_list("date", "source"))
        stale = [d for d, s in existing.items() if s == source and d not in dates]
        new = [d for d in sorted(dates) if d not in existing]
        RoomNight.objects.filter(room=room, source=source, date__in=stale).delete()
        RoomNight.objects.bulk_create([RoomNight(room=room, date=d, status=status, source=source, updated=timezone.now()) for d in new])
        if stale or new:
            page_changed(room.page)  # purged after commit, like a publish
    return len([d for d in dates if existing.get(d, source) == source])
