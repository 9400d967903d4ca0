"""Mail each county's handlers the reports that passed their deadline without an answer.

Run it every few minutes from cron or a systemd timer (README, docs/reports.md). Each overdue
report is mailed once; a failed send is tried again on the next run.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reports.models import CountyDesk, Report


def office_addresses() -> list[str]:
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    perm = Q(groups__permissions__codename="handle_all_counties") | Q(user_permissions__codename="handle_all_counties")
    users = get_user_model().objects.filter(perm, is_active=True).exclude(email="").distinct()
    return sorted({u.email for u in users}) or [address for _name, address in getattr(settings, "ADMINS", [])]


class Command(BaseCommand):
    help = "Mail county handlers their overdue visitor reports (each report once)."

    def handle(self, *args, **options):
        now = timezone.now()
        overdue = list(Report.objects.overdue(now).filter(overdue_notified_at__isnull=True).order_by("county", "due_at"))
        desks = {desk.county: desk for desk in CountyDesk.objects.prefetch_related("handlers")}
        sent = 0
        with translation.override(settings.LANGUAGE_CODE):
            for county in sorted({r.county for r in overdue}):
                reports = [r for r in overdue if r.county == county]
                desk = desks.get(county)
                recipients = sorted({u.email for u in desk.handlers.all() if u.email and u.is_active} | ({desk.email} if desk.email else set())) if desk else []
                if not recipients:
                    # nobody answers for this county: the office (every county's handlers) gets it
                    recipients = office_addresses()
                if not recipients:
                    self.stderr.write(f"No handler address for {county}: {len(reports)} overdue report(s) not mailed")
                    continue
                body = render_to_string("reports/email/overdue.txt", {"reports": reports, "county": reports[0].get_county_display(), "now": now})
                subject = _("【超时未答复】%(county)s %(n)d 条游客反馈") % {"county": reports[0].get_county_display(), "n": len(reports)}
                try:
                    send_mail(subject, body, None, recipients)
                except OSError as exc:
                    self.stderr.write(f"Could not mail {county}: {exc}")
                    continue
                Report.objects.filter(pk__in=[r.pk for r in reports]).update(overdue_notified_at=now)
                sent += len(reports)
        self.stdout.write(f"{sent} overdue report(s) mailed")
