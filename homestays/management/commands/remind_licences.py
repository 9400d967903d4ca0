"""Remind owners and editors of verified licences that expire within 30 days.

Run it once a day from cron (README, docs/homestays.md):

    15 8 * * * cd /srv/portal && .venv/bin/python manage.py remind_licences

Each licence is reminded once per expiry date (`Licence.reminded_for`): a renewed licence with a new
date is reminded again when its time comes. One message per licence, to the listing's owner with
the editors (users granted homestays.manage_homestays, active, with an address) in Bcc. A message
that fails is reported and tried again on the next run; the others are sent regardless.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management.base import BaseCommand
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from homestays.licences import EXPIRING_DAYS
from homestays.models import Licence


def editor_addresses() -> list[str]:
    from django.contrib.auth import get_user_model

    perm = Q(groups__permissions__codename="manage_homestays", groups__permissions__content_type__app_label="homestays") | Q(
        user_permissions__codename="manage_homestays", user_permissions__content_type__app_label="homestays"
    )
    users = get_user_model().objects.filter(perm, is_active=True).exclude(email="").distinct()
    return sorted({u.email for u in users}) or [address for _name, address in getattr(settings, "ADMINS", [])]


def due(today: dt.date):
    """Verified licences expiring within EXPIRING_DAYS that were not reminded of this expiry yet."""
    soon = today + dt.timedelta(days=EXPIRING_DAYS)
    return (
        Licence.objects.filter(verified_at__isnull=False, expires__gte=today, expires__lte=soon)
        .exclude(reminded_for=F("expires"))
        .select_related("listing", "listing__owner")
        .order_by("expires", "pk")
    )


def message(licence: Licence, today: dt.date, editors: list[str]) -> EmailMessage | None:
    owner = licence.listing.owner
    to = [owner.email] if owner is not None and owner.is_active and owner.email else []
    if not to and not editors:
        return None
    days = (licence.expires - today).days
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    context = {
        "listing": licence.listing.title,
        "kind": licence.get_kind_display(),
        "date": licence.expires.isoformat(),
        "days": days,
        "url": base + reverse("homestays_licences", args=(licence.listing_id,)),
    }
    subject = _("【证照到期提醒】%(listing)s 的%(kind)s将于 %(date)s 到期") % context
    body = "\n".join(
        [
            _("您好："),
            "",
            _("民宿「%(listing)s」的%(kind)s将于 %(date)s 到期（还有 %(days)d 天）。") % context,
            _("到期后，民宿页面上的“已核验 %(kind)s”标志会自动撤下。") % context,
            _("请业主办好新证后，在后台“证照”里填写新的编号和有效期并上传扫描件；编辑核验通过后，标志会重新显示。") % context,
            "",
            _("后台地址：%(url)s") % context,
            "",
            _("—— 西宁乡村文旅门户（系统邮件，请勿直接回复）"),
        ]
    )
    return EmailMessage(subject, body, None, to or editors, bcc=editors if to else [])


class Command(BaseCommand):
    help = "Mail owners and editors about verified licences expiring within 30 days (each expiry once)."

    def handle(self, *args, **options):
        today = timezone.localdate()
        licences = list(due(today))
        editors = editor_addresses() if licences else []
        sent = failed = skipped = 0
        with translation.override(settings.LANGUAGE_CODE):
            for licence in licences:
                mail = message(licence, today, editors)
                if mail is None:
                    skipped += 1
                    self.stderr.write(f"No address for licence {licence.pk} ({licence}): not mailed")
                    continue
                try:
                    mail.send()
                except Exception as exc:  # noqa: BLE001 - one failed message must not stop the others
                    failed += 1
                    self.stderr.write(f"Could not mail licence {licence.pk} ({licence}): {type(exc).__name__}: {exc}")
                    continue
                Licence.objects.filter(pk=licence.pk).update(reminded_for=licence.expires)
                sent += 1
        self.stdout.write(f"{sent} licence reminder(s) mailed, {failed} failed, {skipped} without an address ({len(licences)} due)")
