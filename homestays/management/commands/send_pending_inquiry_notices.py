"""Retry owners' e-mail notices for inquiries whose first notice failed (mail server down).

Run it from cron every few minutes in production, e.g.
    */5 * * * * cd /srv/portal && .venv/bin/python manage.py send_pending_inquiry_notices
"""

from django.core.management.base import BaseCommand

from homestays.notifications import MAX_ATTEMPTS, pending_inquiries, send_inquiry_notice


class Command(BaseCommand):
    help = f"E-mail owners about inquiries not yet notified (each inquiry is tried at most {MAX_ATTEMPTS} times)."

    def handle(self, *args, **options):
        sent = failed = 0
        for inquiry in pending_inquiries():
            if send_inquiry_notice(inquiry):
                sent += 1
            else:
                failed += 1
                self.stderr.write(f"Inquiry {inquiry.pk} ({inquiry.listing.title}): not sent: {inquiry.last_notify_error or 'claimed by another process'}")
        self.stdout.write(f"Notices sent: {sent}; still pending: {failed}.")
