"""E-mailing an inquiry to the listing's owner, at most once, retryable when mail is down.

The inquiry is already saved when this runs. Each attempt first *claims* the inquiry with a
conditional UPDATE on its attempt counter, so the request that created it and a concurrent
`send_pending_inquiry_notices` run can never both send the same notice.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from homestays.models import Inquiry

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def recipients_for(inquiry: Inquiry) -> list[str]:
    owner = inquiry.listing.owner
    if owner is not None and owner.is_active and owner.email:
        return [owner.email]
    fallback = getattr(settings, "HOMESTAYS_INQUIRY_FALLBACK_EMAIL", "")
    return [fallback] if fallback else []


def admin_url(inquiry: Inquiry) -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    try:
        return base + reverse("homestay_inquiries:inspect", args=(inquiry.pk,))
    except NoReverseMatch:
        return base + "/admin/"


def build_message(inquiry: Inquiry, to: list[str]) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"inquiry": inquiry, "listing": inquiry.listing, "admin_url": admin_url(inquiry)}
        subject = render_to_string("homestays/email/inquiry_subject.txt", context).strip().replace("\n", " ")
        body = render_to_string("homestays/email/inquiry_notice.txt", context)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)


def send_inquiry_notice(inquiry: Inquiry) -> bool:
    """Try once to e-mail the owner. True when sent; False when mail failed or another process
    holds this attempt (the error is kept on the inquiry for the retry command and the admin)."""
    attempts = inquiry.notify_attempts
    claimed = Inquiry.objects.filter(pk=inquiry.pk, notified=False, notify_attempts=attempts).update(notify_attempts=F("notify_attempts") + 1)
    if not claimed:
        return False
    inquiry.notify_attempts = attempts + 1
    to = recipients_for(inquiry)
    if not to:
        error = "业主账号没有电子邮箱 (owner has no e-mail address)"
        Inquiry.objects.filter(pk=inquiry.pk).update(last_notify_error=error)
        inquiry.last_notify_error = error
        return False
    try:
        build_message(inquiry, to).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any mail failure: the inquiry is safe, retry later
        error = f"{type(exc).__name__}: {exc}"[:300]
        logger.warning("Inquiry %s: owner notice failed (attempt %s): %s", inquiry.pk, inquiry.notify_attempts, error)
        Inquiry.objects.filter(pk=inquiry.pk).update(last_notify_error=error)
        inquiry.last_notify_error = error
        return False
    Inquiry.objects.filter(pk=inquiry.pk).update(notified=True, last_notify_error="")
    inquiry.notified, inquiry.last_notify_error = True, ""
    return True


def pending_inquiries():
    return Inquiry.objects.filter(notified=False, notify_attempts__lt=MAX_ATTEMPTS).select_related("listing", "listing__owner").order_by("created")
