"""iCalendar both ways, as the OTAs (Airbnb, Booking, 途家) do it.

Export: `<listing>/availability.ics` lists, per room type, one all-day VEVENT per run of blocked
nights (满房 or 不营业): dates only, never a guest, an inquiry or a phone number. The UID comes from
the room and the run's first night and DTSTAMP from the rows themselves, so the same nights give
byte-identical output. `?room=<id>` narrows it to one room type, which is what an OTA listing is.

Import: `sync(calendar_import)` fetches an owner's OTA calendar (`CalendarImport.url`) and makes
the room's `ical` nights exactly the nights it blocks (availability.replace_source); the owner's own
nights are never touched. The fetch refuses anything but public http(s) addresses, checked on every
connection it opens (redirects and DNS answers included), so the portal cannot be used to probe the
intranet; it stops at a total deadline and a size cap. A failure keeps the nights imported before,
stores a short Chinese message for the owner and mails them once until the feed works again. It
never raises: the cron command and the admin's 立即同步 button share it.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.client
import ipaddress
import logging
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from homestays.availability import replace_source, source_rooms
from homestays.models import CalendarImport, DayStatus, RoomNight
from portal.perf import changes_at

logger = logging.getLogger(__name__)

PRODID = "-//Xining Rural Portal//xining-rural homestays//ZH"
EXPORT_PAST_DAYS = 30
HORIZON_DAYS = 365  # export and import cover today … today+365
SOURCE = "ical"
USER_AGENT = "XiningRuralPortal-CalendarSync/1.0 (+iCalendar import)"
MAX_REDIRECTS = 5
CHUNK = 64 * 1024


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE or "Asia/Shanghai")


# --------------------------------------------------------------------------------------- export


def blocked_runs(rows) -> list[tuple[dt.date, dt.date, str, dt.datetime | None]]:
    """(first night, last night, status, latest update) per run of consecutive nights of one status;
    `rows` are (date, status, updated) sorted by date, for one room."""
    runs: list[list] = []
    for date, status, updated in rows:
        last = runs[-1] if runs else None
        if last and last[2] == status and last[1] + dt.timedelta(days=1) == date:
            last[1] = date
            if updated and (last[3] is None or updated > last[3]):
                last[3] = updated
        else:
            runs.append([date, date, status, updated])
    return [tuple(run) for run in runs]


def export_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return today - dt.timedelta(days=EXPORT_PAST_DAYS), today + dt.timedelta(days=HORIZON_DAYS)


def room_events(room, start: dt.date, end: dt.date, source=None) -> list[Event]:
    """`room` names the events; `source` (default: the same room) holds the nights: a translated
    listing's room keeps its nights on the default-language page's room (availability.source_rooms)."""
    source = source or room
    rows = RoomNight.objects.filter(room=source, date__gte=start, date__lte=end).order_by("date").values_list("date", "status", "updated")
    labels = {DayStatus.FULL: _("满房"), DayStatus.CLOSED: _("不营业")}
    events = []
    for first, last, status, updated in blocked_runs(rows):
        event = Event()
        event.add("uid", f"homestay-room-{source.pk}-{first:%Y%m%d}@xining-rural")  # the same in every language
        # From the rows, not now(): the same nights give the same bytes (and the same ETag).
        stamp = (updated or dt.datetime.combine(first, dt.time(), tzinfo=local_zone())).astimezone(dt.UTC)
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("dtstart", first)
        event.add("dtend", last + dt.timedelta(days=1))  # exclusive: the morning after the last night
        event.add("summary", f"{labels.get(status, labels[DayStatus.FULL])} · {room.room_type}")
        event.add("transp", "OPAQUE")
        events.append(event)
    return events


def build_availability(page, rooms, today: dt.date | None = None) -> Calendar:
    start, end = export_window(today)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    what = _("房态")  # outside the f-string, where makemessages finds it
    cal.add("x-wr-calname", f"{page.title} · {what}")
    try:
        sources = source_rooms(page, rooms)
    except ImportError:  # pragma: no cover - availability without translations
        sources = {}
    for room in rooms:
        for event in room_events(room, start, end, sources.get(room.pk)):
            cal.add_component(event)
    return cal


def availability_response(page, request) -> HttpResponse:
    """The listing's blocked nights as text/calendar (HomestayPage's `availability.ics` route)."""

    rooms = list(page.rooms.all())
    room_id = request.GET.get("room")
    filename = f"{page.slug}-availability.ics"
    if room_id is not None:
        rooms = [r for r in rooms if str(r.pk) == room_id]
        if not rooms:
            raise Http404
        filename = f"{page.slug}-room-{rooms[0].pk}.ics"
    cal = build_availability(page, rooms)
    # The window moves at midnight: a shared cache keeps this at most until then (purges aside).
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    changes_at(dt.datetime.combine(tomorrow, dt.time(), tzinfo=local_zone()))
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def export_url(page, room=None, request=None) -> str:
    """Absolute URL of the listing's calendar (one room type's with `room`); '' for a page not live."""
    base = page.get_full_url(request) if page.live else None
    if not base:
        return ""
    url = base + page.reverse_subpage("availability_ics").rstrip("/")
    return f"{url}?room={room.pk}" if room is not None else url


# --------------------------------------------------------------------------------------- fetch


class FetchError(Exception):
    """A feed that could not be read; `str()` is the message the owner sees."""


def allow_private() -> bool:
    return bool(settings.DEBUG or getattr(settings, "HOMESTAYS_ICAL_ALLOW_PRIVATE", False))


def timeout_seconds() -> float:
    return float(getattr(settings, "HOMESTAYS_ICAL_TIMEOUT", 10))


def max_bytes() -> int:
    return int(getattr(settings, "HOMESTAYS_ICAL_MAX_BYTES", 2 * 1024 * 1024))


def public_ip(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _not_public() -> str:
    return _("这个地址不能用：只能填写互联网上的日历链接，不能是内网或本机地址。")


def check_url(url: str) -> str:
    """The URL stripped, or ValidationError: http(s) only, with a host; no private or loopback
    address unless allowed (DEBUG, HOMESTAYS_ICAL_ALLOW_PRIVATE). Checked again at each fetch."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(_("请填写以 https:// 或 http:// 开头的日历链接。"))
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ValidationError(_("日历链接的格式不对。"))
    if not host:
        raise ValidationError(_("日历链接的格式不对。"))
    if parts.username or parts.password:
        raise ValidationError(_("日历链接里不能带用户名或密码。"))
    if allow_private():
        return url
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith((".localhost", ".local", ".internal")):
        raise ValidationError(_not_public())
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not public_ip(str(literal)):
        raise ValidationError(_not_public())
    if literal is None:
        try:
            answers = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return url  # not resolvable now: the fetch says so, and checks the address then
        if any(not public_ip(info[4][0]) for info in answers):
            raise ValidationError(_not_public())
    return url


@dataclass
class _Fetch:
    deadline: float
    sockets: list = field(default_factory=list)

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


def _guarded_connection(fetch: _Fetch, address, timeout=None, source_address=None, **kwargs):
    """socket.create_connection to a vetted address: each DNS answer is checked, and the socket
    connects to the very address checked (no second lookup a rebinding DNS could change)."""
    host, port = address
    last = None
    for family, kind, proto, _name, sockaddr in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
        if not allow_private() and not public_ip(sockaddr[0]):
            raise FetchError(_not_public())
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(min(timeout, fetch.remaining()) if isinstance(timeout, int | float) else fetch.remaining())
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last or OSError("no address")


class _GuardedConnectionMixin:
    def __init__(self, *args, fetch: _Fetch, **kwargs):
        super().__init__(*args, **kwargs)
        self._fetch = fetch
        self._create_connection = functools.partial(_guarded_connection, fetch)

    def connect(self):
        super().connect()
        self._fetch.sockets.append(self.sock)  # the TLS socket for https: the one reads go through


class _HTTPConnection(_GuardedConnectionMixin, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_GuardedConnectionMixin, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, fetch: _Fetch):
        super().__init__()
        self.fetch = fetch

    def http_open(self, req):
        return self.do_open(functools.partial(_HTTPConnection, fetch=self.fetch), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, fetch: _Fetch):
        super().__init__(context=ssl.create_default_context())
        self.fetch = fetch

    def https_open(self, req):
        return self.do_open(functools.partial(_HTTPSConnection, fetch=self.fetch), req, context=self._context)


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def http_error_302(self, req, fp, code, msg, headers):
        target = headers.get("location") or headers.get("uri") or ""
        if urlsplit(urljoin(req.full_url, target)).scheme.lower() not in ("http", "https"):
            raise FetchError(_("对方网站把链接跳转到了不支持的地址。"))
        return super().http_error_302(req, fp, code, msg, headers)  # each new connection is guarded too

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(fetch: _Fetch) -> urllib.request.OpenerDirector:
    """http and https only (no file:, ftp:, data:), no proxy from the environment, guarded sockets."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        _HTTPHandler(fetch),
        _HTTPSHandler(fetch),
        _RedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


def fetch_bytes(url: str) -> bytes:
    """The body at `url`, or FetchError with the owner's message. Total deadline, size cap."""
    try:
        url = check_url(url)
    except ValidationError as exc:
        raise FetchError(exc.messages[0])
    limit, seconds = max_bytes(), timeout_seconds()
    fetch = _Fetch(deadline=time.monotonic() + seconds)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"})
    too_big = FetchError(_("文件太大（超过 %(mb)s MB），不像是房态日历。") % {"mb": round(limit / 1024 / 1024, 1)})
    try:
        with _opener(fetch).open(request, timeout=seconds) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise too_big
            body = bytearray()
            while True:
                left = fetch.remaining()
                for sock in fetch.sockets[-1:]:  # the one being read (earlier ones closed on redirects)
                    sock.settimeout(left)
                chunk = response.read1(CHUNK)
                if not chunk:
                    break
                body.extend(chunk)
                if len(body) > limit:
                    raise too_big
            return bytes(body)
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(_("地址无法访问（HTTP %(code)s）。") % {"code": exc.code})
    except TimeoutError:
        raise FetchError(_("超时：对方网站 %(seconds)s 秒内没有传完日历。") % {"seconds": f"{seconds:g}"})
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, FetchError):
            raise reason
        if isinstance(reason, TimeoutError | socket.timeout):
            raise FetchError(_("超时：对方网站 %(seconds)s 秒内没有传完日历。") % {"seconds": f"{seconds:g}"})
        if isinstance(reason, ssl.SSLError):
            raise FetchError(_("对方网站的安全证书有问题，无法安全读取。"))
        if isinstance(reason, socket.gaierror):
            raise FetchError(_("找不到这个网站，请检查链接是否完整。"))
        raise FetchError(_("无法连接到对方网站，请稍后再试或检查链接。"))
    except ssl.SSLError:
        raise FetchError(_("对方网站的安全证书有问题，无法安全读取。"))
    except (http.client.HTTPException, OSError, ValueError):
        raise FetchError(_("无法连接到对方网站，请稍后再试或检查链接。"))


# --------------------------------------------------------------------------------------- parse


@dataclass
class Parsed:
    dates: set[dt.date]
    events: int = 0
    skipped_recurring: int = 0


def _as_local_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # floating time: the house's own
            return value.date()
        return value.astimezone(local_zone()).date()
    return value


def parse_nights(body: bytes, today: dt.date | None = None) -> Parsed:
    """The nights an OTA calendar blocks, today … today+365, or FetchError (不是有效的日历)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=HORIZON_DAYS)
    invalid = FetchError(_("不是有效的日历（iCal）文件，请确认复制的是“导出日历”的链接。"))
    try:
        cal = Calendar.from_ical(body)
    except Exception:  # noqa: BLE001 - whatever the parser trips on, the file is not a calendar
        raise invalid
    if getattr(cal, "name", None) != "VCALENDAR":
        raise invalid
    result = Parsed(dates=set())
    for event in cal.walk("VEVENT"):
        try:
            if str(event.get("STATUS", "")).upper() == "CANCELLED":
                continue
            if "RRULE" in event:
                result.skipped_recurring += 1  # OTAs export one event per booking: not worth expanding
                continue
            start_prop = event.get("DTSTART")
            if start_prop is None:
                continue
            start_value = start_prop.dt
            start = _as_local_date(start_value)
            if "DTEND" in event:
                end_value = event["DTEND"].dt
            elif "DURATION" in event:
                end_value = start_value + event["DURATION"].dt
            else:
                end_value = None
            end = _as_local_date(end_value) if end_value is not None else start + dt.timedelta(days=1)
            if isinstance(start_value, dt.datetime) and end_value is not None and isinstance(end_value, dt.datetime):
                # check-in afternoon, check-out morning: the nights are start … end−1; a block
                # within one day still takes that day's night
                end = max(end, start + dt.timedelta(days=1))
            if end <= start:
                end = start + dt.timedelta(days=1)
        except (AttributeError, KeyError, TypeError, ValueError):
            continue  # one unreadable event is skipped, not the calendar
        result.events += 1
        day, last = max(start, today), min(end, horizon + dt.timedelta(days=1))
        while day < last:
            result.dates.add(day)
            day += dt.timedelta(days=1)
    return result


# --------------------------------------------------------------------------------------- sync


@dataclass
class SyncResult:
    ok: bool
    nights: int = 0
    error: str = ""
    mailed: bool = False
    note: str = ""


def sync(item: CalendarImport) -> SyncResult:
    """Fetch, parse and apply one OTA calendar. Never raises: failures are stored on the row."""

    now = timezone.now()
    try:
        parsed = parse_nights(fetch_bytes(item.url))
        nights = replace_source(item.room, parsed.dates, source=SOURCE)
    except FetchError as exc:
        return _failed(item, str(exc), now)
    except Exception as exc:  # noqa: BLE001 - one bad feed must never stop the others
        logger.exception("Calendar import %s failed", item.pk)
        return _failed(item, _("同步时出错（%(kind)s），请稍后再试。") % {"kind": type(exc).__name__}, now)
    CalendarImport.objects.filter(pk=item.pk).update(fetched_at=now, ok_at=now, error="", error_notified=False, nights=nights)
    item.fetched_at = item.ok_at = now
    item.error, item.error_notified, item.nights = "", False, nights
    note = _("%(count)s 个重复规则的事件未导入") % {"count": parsed.skipped_recurring} if parsed.skipped_recurring else ""
    return SyncResult(ok=True, nights=nights, note=note)


def _failed(item: CalendarImport, error: str, now) -> SyncResult:
    """Keep the nights imported before (a feed down for an hour must not free booked nights)."""
    error = error[:300]
    CalendarImport.objects.filter(pk=item.pk).update(fetched_at=now, error=error)
    item.fetched_at, item.error = now, error
    mailed = False
    if not item.error_notified:
        mailed = notify_owner(item)
        if mailed:
            CalendarImport.objects.filter(pk=item.pk).update(error_notified=True)
            item.error_notified = True
    return SyncResult(ok=False, error=error, mailed=mailed)


def notify_owner(item: CalendarImport) -> bool:
    """E-mail the listing's owner (or HOMESTAYS_INQUIRY_FALLBACK_EMAIL) about a failing feed; True
    when sent. Once per run of failures: `error_notified` is cleared by the next success."""
    page = item.room.page
    owner = page.owner
    if owner is not None and owner.is_active and owner.email:
        to = [owner.email]
    else:
        fallback = getattr(settings, "HOMESTAYS_INQUIRY_FALLBACK_EMAIL", "")
        to = [fallback] if fallback else []
    if not to:
        return False
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    try:
        from django.urls import reverse

        link = base + reverse("homestays_calendar_import", args=(page.pk,))
    except Exception:  # noqa: BLE001 - the mail still says what is wrong
        link = base + "/admin/"
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【%(title)s】外部日历同步失败：%(room)s") % {"title": page.title, "room": item.room.room_type}
        body = "\n\n".join(
            [
                _("您好，") + (owner.get_full_name() if owner else ""),
                _("网站没能读取您为“%(room)s”填写的外部日历（Airbnb、Booking 等）：") % {"room": item.room.room_type},
                item.error,
                _("之前导入的满房日期会保留，网站会每 15 分钟自动重试；恢复正常后不再另行通知。"),
                _("请检查链接，或在这里查看和修改：%(link)s") % {"link": link},
            ]
        )
    try:
        EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - mail down: try again on the next failing run
        logger.warning("Calendar import %s: owner notice failed: %s", item.pk, exc)
        return False
    return True


def sync_all(page_id: int | None = None):
    """Every import (of one listing with `page_id`), one after the other; yields (item, result)."""
    items = CalendarImport.objects.select_related("room", "room__page", "room__page__owner").order_by("pk")
    if page_id is not None:
        items = items.filter(room__page_id=page_id)
    for item in items:
        yield item, sync(item)
