"""Licences (证照): what the public sees of them, when that changes by itself, and the uploaded scans.

The public sees a badge per verified licence until the day after it expires (no number, no scan),
and a plain note where a verified licence has expired. Everything else (numbers, scans, editors'
notes) stays in the admin (homestays/admin_licences.py).

- `public_licences(page)`: the badges and notes for a listing's public page, in one query (or
  none, when the page's licences were prefetched).
- `next_badge_change(page, today)`: when those badges change with nobody saving anything (a
  licence passing its expiry), so the page cache can be told (`portal.perf.changes_at`).
- `licence_pages(instance)`: the pages that show a licence, for `registry.register_dependents`,
  so saving or verifying one purges its listing's page.
- `clean_scan(upload)`: a scan as stored: a JPEG/PNG/WebP picture rebuilt without its metadata
  (portal.uploads.clean_image), or a PDF as uploaded; anything else is a ValidationError.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from homestays.models import Licence, LicenceKind
from portal.i18n import default_language
from portal.uploads import ImageCleaningError, clean_image

PORTAL_TZ = ZoneInfo("Asia/Shanghai")
EXPIRING_DAYS = 30  # reminders, the editors' list and the owner's warning
MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_IMAGE_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp"}
SCAN_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "pdf": "application/pdf"}
KIND_ORDER = {kind: n for n, kind in enumerate(LicenceKind.values)}


def _sorted(licences):
    return sorted(licences, key=lambda licence: KIND_ORDER.get(licence.kind, 99))


def _today(today=None) -> dt.date:
    return today or timezone.localdate()


def _verified_licences(page) -> list[Licence]:
    cached = getattr(page, "_prefetched_objects_cache", {}).get("licences")
    if cached is not None:
        return [licence for licence in cached if licence.verified]
    memo = getattr(page, "_verified_licences", None)
    if memo is not None:  # the badges and their next change read the same rows
        return memo
    # A translation shows the licences kept on the default-language listing (where owners enter them).

    found = Licence.objects.filter(listing__translation_key=page.translation_key, listing__locale__language_code=default_language(), verified_at__isnull=False)
    page._verified_licences = list(found)
    return page._verified_licences


def public_licences(page, today=None) -> tuple[list[Licence], list[str]]:
    """(licences showing a badge today, notes for verified licences that have expired)."""
    today = _today(today)
    badges, notes = [], []
    for licence in _sorted(_verified_licences(page)):
        if licence.shows_badge(today):
            badges.append(licence)
        elif licence.expired(today):
            notes.append(_t("%(kind)s 证照已过期，正在更新") % {"kind": licence.get_kind_display()})
    return badges, notes


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=PORTAL_TZ)


def next_badge_change(page, today=None) -> dt.datetime | None:
    """Local midnight (Asia/Shanghai) of the day after the earliest expiry among the badges shown
    today: the first moment the page's badges change by themselves. None when none will."""
    today = _today(today)
    ends = [licence.expires for licence in _verified_licences(page) if licence.expires is not None and licence.expires >= today]
    return local_midnight(min(ends) + dt.timedelta(days=1)) if ends else None


def licence_pages(instance) -> list:
    """registry.register_dependents("homestays.Licence", licence_pages): its listing shows it."""
    return list(instance.listing.get_translations(inclusive=True)) if instance.listing_id else []


# ------------------------------------------------------------------------------ status


class Status:
    MISSING = "missing"
    PENDING = "pending"
    VERIFIED = "verified"
    EXPIRED = "expired"
    RETURNED = "returned"


def status_of(licence: Licence | None, today=None) -> tuple[str, str]:
    """(code, label) as the owner and the editors read a licence's state."""
    today = _today(today)
    if licence is None:
        return Status.MISSING, _t("未填写")
    if licence.expired(today):
        return Status.EXPIRED, _t("已过期")
    if licence.verified:
        return Status.VERIFIED, _t("已核验（%(date)s）") % {"date": timezone.localtime(licence.verified_at).date().isoformat()}
    if licence.note:
        return Status.RETURNED, _t("退回：%(note)s") % {"note": licence.note}
    return Status.PENDING, _t("待核验")


def expiring_soon(licence: Licence | None, today=None) -> bool:
    today = _today(today)
    return bool(licence and licence.expires and today <= licence.expires <= today + dt.timedelta(days=EXPIRING_DAYS))


def owner_may_change(licence: Licence | None, today=None) -> bool:
    """An owner changes a licence until it is verified, and again once it expired or an editor
    took the verification back (退回)."""
    return licence is None or not licence.verified or licence.expired(today)


# ------------------------------------------------------------------------------ scans


def clean_scan(upload) -> ContentFile:
    """The stored form of an uploaded scan (see the module docstring)."""
    from PIL import Image

    if upload.size > MAX_SCAN_BYTES:
        raise ValidationError(_("文件太大（最大 10 MB），请压缩或换一张照片后上传。"), code="too_big")
    upload.seek(0)
    data = upload.read()
    if data.startswith(b"%PDF-"):
        return ContentFile(data, name="scan.pdf")
    unreadable = ValidationError(_("无法读取这个文件，请上传 JPEG、PNG、WebP 照片或 PDF。"), code="unreadable")
    try:
        fmt = Image.open(BytesIO(data)).format
    except (OSError, ValueError, Image.DecompressionBombError):
        raise unreadable from None
    if fmt not in SCAN_IMAGE_FORMATS:
        raise unreadable
    try:
        cleaned = clean_image(data)
    except ImageCleaningError:
        raise unreadable from None
    return ContentFile(cleaned, name=f"scan.{SCAN_IMAGE_FORMATS[fmt]}")


def scan_content_type(name: str) -> str:
    return SCAN_CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
