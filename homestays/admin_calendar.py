"""The owners' availability calendar (房态日历) in the admin. Hooks registered on import (wagtail_hooks).

One room type and one month at a time: an owner taps a first and a last night on their phone and
marks them 可订, 满房 or 不营业 (a plain form does the same without JavaScript). Availability is not
content: nothing here saves the page, so there is no revision and no workflow; `set_nights` writes
the rows and purges the public listing after commit, as a publish would.

Who: editors (`can_manage`) see every listing; an owner sees only the listings they own. Anyone else,
another owner's listing or a room of another listing is a 404, whatever the method.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import View
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import Button

from homestays.admin_views import can_manage
from homestays.availability import night_status, season_map, set_nights
from homestays.models import DayStatus, HomestayPage, HomestayRoom
from homestays.owners import is_owner
from portal.i18n import default_language, language_of
from portal.registry import registry

MONTHS_AHEAD = 12  # how far ahead an owner may set nights
MAX_NIGHTS = 365  # what one change may cover
WEEKDAYS = [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")]  # Monday first


class BadInput(Exception):
    """A change that is refused with a 400 and a message for the owner; nothing is written."""


# --------------------------------------------------------------------------------- who


def may_use_calendar(user) -> bool:
    """Whether the menu item and the index are for this user: editors and owners."""
    return bool(user and user.is_authenticated and (can_manage(user) or is_owner(user)))


def may_edit_calendar(user, page) -> bool:
    """Editors: every listing; an owner: their own listings only."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return can_manage(user) or (page.owner_id is not None and page.owner_id == user.pk)


def calendar_listings(user):
    """The listings whose calendar this user may open, with how many rooms each has: the
    default-language pages, where availability is kept (a translation shares its original's)."""
    listings = HomestayPage.objects.all() if can_manage(user) else HomestayPage.objects.filter(owner_id=user.pk)
    listings = listings.filter(locale__language_code=default_language())
    return listings.annotate(room_count=Count("rooms")).order_by("title", "pk")


def source_listing(page):
    """The default-language page of `page` (itself when it is one; None if it has none)."""
    if language_of(page) == default_language():
        return page
    return HomestayPage.objects.filter(translation_key=page.translation_key, locale__language_code=default_language()).first()


# --------------------------------------------------------------------------------- months


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def parse_month(value: str | None) -> dt.date | None:
    try:
        year, month = (value or "").split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None


def parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def last_settable_day(today: dt.date) -> dt.date:
    """The last night an owner may set: the end of the 12th month after this one."""
    return month_end(add_months(today.replace(day=1), MONTHS_AHEAD))


def short_title(title, length: int = 6) -> str:
    """What fits in two lines of a phone's day cell: the festival's name without a leading year
    ("2027年…"), cut to `length` characters (the full title is in the cell's label and below the grid)."""
    text = re.sub(r"^\s*(?:19|20)\d\d\s*年?\s*", "", str(title)) or str(title)
    return text if len(text) <= length else text[: length - 1] + "…"


# --------------------------------------------------------------------------------- views


class CalendarIndexView(WagtailAdminTemplateMixin, View):
    """房态日历 in the menu: the user's listings (editors: every listing). An owner with exactly one
    listing that has rooms goes straight to its calendar."""

    template_name = "homestays/admin/calendar_index.html"
    page_title = _("房态日历")
    header_icon = "date"

    def get(self, request):
        if not may_use_calendar(request.user):
            raise Http404
        listings = list(calendar_listings(request.user))
        with_rooms = [page for page in listings if page.room_count]
        if not can_manage(request.user) and len(with_rooms) == 1:
            return redirect("homestays_calendar", with_rooms[0].pk)
        return self.render_to_response(self.get_context_data(listings=listings))


class CalendarView(WagtailAdminTemplateMixin, View):
    template_name = "homestays/admin/calendar.html"
    page_title = _("房态日历")
    header_icon = "date"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.listing = get_object_or_404(HomestayPage, pk=kwargs["page_id"])
        if not may_edit_calendar(request.user, self.listing):
            raise Http404  # not "forbidden": whether a listing exists is none of their business
        # Availability is kept on the default-language page's rooms (availability.source_rooms):
        # a translation's calendar is its original's.
        self.source = source_listing(self.listing)
        self.rooms = list(self.listing.rooms.order_by("sort_order", "pk"))  # ties (rooms saved together) by creation, on every database
        self.today = timezone.localdate()
        self.first_month = self.today.replace(day=1)
        self.last_month = add_months(self.first_month, MONTHS_AHEAD)

    def get_page_subtitle(self):
        return self.listing.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("homestays_calendar_index"), "label": _t("房态日历")},
            {"url": "", "label": _t("%(title)s · 房态日历") % {"title": self.listing.title}},
        ]

    # -- input

    def pick_room(self, value) -> HomestayRoom | None:
        """The room asked for, or the first; a room of another listing (or none) is a 404."""
        if not self.rooms:
            return None
        if value in (None, ""):
            return self.rooms[0]
        try:
            room_id = int(value)
        except (TypeError, ValueError):
            raise Http404 from None
        for room in self.rooms:
            if room.pk == room_id:
                return room
        raise Http404

    def pick_month(self, value) -> dt.date:
        month = parse_month(value) or self.first_month
        return min(max(month, self.first_month), self.last_month)

    def url_for(self, room, month: dt.date) -> str:
        query = {"month": f"{month:%Y-%m}"}
        if room is not None:
            query["room"] = room.pk
        return reverse("homestays_calendar", args=[self.listing.pk]) + "?" + urlencode(query)

    # -- GET

    def dispatch(self, request, *args, **kwargs):
        if self.source is not None and self.source.pk != self.listing.pk:
            if not may_edit_calendar(request.user, self.source):
                raise Http404
            month = request.GET.get("month")
            url = reverse("homestays_calendar", args=[self.source.pk])
            return redirect(url + ("?" + urlencode({"month": month}) if month else ""))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, page_id):
        room = self.pick_room(request.GET.get("room"))
        month = self.pick_month(request.GET.get("month"))
        return self.render_calendar(room, month)

    # -- POST

    def post(self, request, page_id):
        room = self.pick_room(request.POST.get("room") or "x")  # the room is required: no "first room" guess
        month = self.pick_month(request.POST.get("month"))
        try:
            start, end, status = self.clean_change(request.POST)
            count = set_nights(room, start, end, status, source="owner")
        except (BadInput, ValueError) as exc:
            message = str(exc) if isinstance(exc, BadInput) else _t("一次最多设置 %(days)s 天。") % {"days": MAX_NIGHTS}
            return self.render_calendar(room, month, error=message, status=400)
        label = DayStatus(status).label
        if start == end:
            text = _t("已把 %(room)s %(start)s 这 1 晚设为“%(status)s”。") % {"room": room.room_type, "start": f"{start:%m-%d}", "status": label}
        else:
            text = ngettext(
                "已把 %(room)s %(start)s 至 %(end)s 共 %(count)s 晚设为“%(status)s”。",
                "已把 %(room)s %(start)s 至 %(end)s 共 %(count)s 晚设为“%(status)s”。",
                count,
            ) % {"room": room.room_type, "start": f"{start:%m-%d}", "end": f"{end:%m-%d}", "count": count, "status": label}
        messages.success(request, text)
        # back to the month on screen when the change touches it, else to the month it starts in
        shown = month if start <= month_end(month) and end >= month else start.replace(day=1)
        return redirect(self.url_for(room, self.pick_month(f"{shown:%Y-%m}")))

    def clean_change(self, data) -> tuple[dt.date, dt.date, str]:
        status = data.get("status", "")
        if status not in DayStatus.values:
            raise BadInput(_t("请选择房态：可订、满房或不营业。"))
        start = parse_date(data.get("start"))
        if start is None:
            raise BadInput(_t("开始日期不对，请按“年-月-日”填写，例如 2025-07-01。"))
        end = parse_date(data.get("end")) if (data.get("end") or "").strip() else start
        if end is None:
            raise BadInput(_t("结束日期不对，请按“年-月-日”填写，例如 2025-07-03。"))
        if end < start:
            start, end = end, start
        if start < self.today:
            raise BadInput(_t("已经过去的日子不能修改，请从今天或以后的日期开始。"))
        limit = last_settable_day(self.today)
        if end > limit:
            raise BadInput(_t("只能设置 12 个月以内的房态（到 %(date)s 为止）。") % {"date": f"{limit:%Y-%m-%d}"})
        if (end - start).days + 1 > MAX_NIGHTS:
            raise BadInput(_t("一次最多设置 %(days)s 天。") % {"days": MAX_NIGHTS})
        return start, end, status

    # -- the page

    def render_calendar(self, room, month: dt.date, error: str = "", status: int = 200):
        context = self.get_context_data(
            listing=self.listing,
            rooms=[{"room": r, "url": self.url_for(r, month), "current": r == room} for r in self.rooms],
            room=room,
            error=error,
            import_url=self.import_url(),
            edit_url=reverse("wagtailadmin_pages:edit", args=[self.listing.pk]),
            statuses=DayStatus.choices,
            today=self.today,
            last_day=last_settable_day(self.today),
        )
        if room is not None:
            context.update(self.month_context(room, month))
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def import_url(self) -> str:
        """The OTA calendar import, once it exists (another part of issue 25)."""
        try:
            return reverse("homestays_calendar_import", args=[self.listing.pk])
        except NoReverseMatch:
            return ""

    def month_context(self, room, month: dt.date) -> dict:
        first, last = month, month_end(month)
        taken = night_status([room], first, last + dt.timedelta(days=1)).get(room.pk, {})
        seasons = season_map(self.listing.seasons.all(), first, last + dt.timedelta(days=1))
        marks = registry.marks_between(first, last)
        labels = dict(DayStatus.choices)
        days = []
        for number in range(1, last.day + 1):
            day = month.replace(day=number)
            state = taken.get(day, DayStatus.FREE)
            kind, season_name = seasons.get(day, ("", ""))
            festivals = [m for m in marks if m["start"] <= day <= m["end"]]
            days.append(
                {
                    "date": day,
                    "status": state,
                    "label": labels[state],
                    "price": room.price_on(day, kind or None),
                    "season": season_name,
                    "festivals": festivals,
                    "festival": "、".join(str(m["title"]) for m in festivals),
                    "festival_short": "、".join(short_title(m["title"]) for m in festivals),
                    "past": day < self.today,
                    "today": day == self.today,
                }
            )
        lead = [None] * first.weekday()
        cells = lead + days
        cells += [None] * (-len(cells) % 7)
        prev_month, next_month = add_months(month, -1), add_months(month, 1)
        return {
            "month": month,
            "weeks": [cells[i : i + 7] for i in range(0, len(cells), 7)],
            "weekdays": WEEKDAYS,
            "marks": marks,
            "prev_url": self.url_for(room, prev_month) if prev_month >= self.first_month else "",
            "next_url": self.url_for(room, next_month) if next_month <= self.last_month else "",
            "counts": {s: sum(1 for d in days if d["status"] == s and not d["past"]) for s in DayStatus.values},
        }


# --------------------------------------------------------------------------------- hooks


@hooks.register("register_admin_urls")
def register_calendar_urls():
    return [
        path("homestays/calendar/", CalendarIndexView.as_view(), name="homestays_calendar_index"),
        path("homestays/<int:page_id>/calendar/", CalendarView.as_view(), name="homestays_calendar"),
    ]


class CalendarMenuItem(MenuItem):
    def is_shown(self, request):
        return may_use_calendar(request.user)


@hooks.register("register_admin_menu_item")
def register_calendar_menu_item():
    return CalendarMenuItem(_("房态日历"), reverse("homestays_calendar_index"), name="homestay-calendar", icon_name="date", order=204)


@hooks.register("register_page_header_buttons")
def calendar_button(page, user, view_name=None, next_url=None):
    if isinstance(page.specific_deferred, HomestayPage) and page.pk and may_edit_calendar(user, page):
        yield Button(_("房态日历"), reverse("homestays_calendar", args=(page.pk,)), icon_name="date", priority=50)
