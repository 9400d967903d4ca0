"""Public views: the report form, a report's status page and photo, and the alerts feed.

None of them is shared by the page cache: the form carries the visitor's CSRF and form tokens,
and a status page changes whenever a handler acts (they are reached by code, not by crawling).
"""

from __future__ import annotations

import json
import logging
import uuid

from django.contrib.syndication.views import Feed
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited
from wagtail.models import Page

from portal.geo import point
from portal.middleware import client_ip
from portal.perf import changes_at
from reports.alerts import alert_url, localized_pages, pending, when_text
from reports.forms import ReportForm
from reports.models import Alert, Report, ReportSettings
from reports.subjects import clean_about, county_at, subject_for

logger = logging.getLogger(__name__)


def _rate(group, request) -> str:
    return f"{ReportSettings.load().reports_per_hour}/h"


def _private(response):
    add_never_cache_headers(response)
    return response


def _page_for(request, url: str):
    """The live, public page at `url` (a stop's '#stop-n' is on its route's page): the owners of
    that page see the report and may answer it."""
    found = Page.find_for_request(request, url.split("#", 1)[0])
    if found is None or not found.live or found.get_view_restrictions().exists():
        return None
    return found


@require_http_methods(["GET", "HEAD", "POST"])
def report_new(request):
    about = clean_about((request.POST.get("about") if request.method == "POST" else "") or request.GET.get("about", ""))
    subject = subject_for(about) if about else None
    if request.method == "POST":
        return _report_post(request, subject)
    form = ReportForm(subject=subject, initial={"about": subject.url if subject else "", "form_token": uuid.uuid4()})
    return _form_page(request, form, subject)


def _form_page(request, form, subject, status=200):
    features = []
    if subject is not None:
        features.append({"type": "Feature", "geometry": point(subject.lon, subject.lat), "properties": {"name": subject.name, "kind": "report"}})
    context = {
        "form": form,
        "subject": subject,
        "hours": ReportSettings.load(),
        "subject_geojson": {"type": "FeatureCollection", "features": features},
        "strings": json.dumps(
            {
                "tapped": _("已选定地图上点的位置。"),
                "locating": _("正在获取您的位置…"),
                "located": _("已使用您的位置。"),
                "noGps": _("无法获取位置，请在地图上点一下问题的位置。"),
            },
            ensure_ascii=False,
        ),
    }
    return _private(TemplateResponse(request, "reports/report_form.html", context, status=status))


def _report_post(request, subject):
    if is_ratelimited(request, group="reports.new", key="ip", rate=_rate, method="POST", increment=True):
        logger.info("Report rate limit hit for %s", client_ip(request))
        response = TemplateResponse(request, "reports/report_limited.html", {}, status=429)
        response["Retry-After"] = "3600"
        return _private(response)
    form = ReportForm(request.POST, request.FILES, subject=subject)
    if form.honeypot_triggered():
        logger.info("Report honeypot filled from %s", client_ip(request))
        return redirect("report_new")
    if not form.is_valid():
        return _form_page(request, form, subject, status=400)
    data = form.cleaned_data
    token = data.get("form_token")
    if token and (existing := Report.objects.filter(form_token=token).first()):
        return redirect(existing)  # a double submit: the first one's status page
    report = Report(
        category=data["category"],
        description=data["description"],
        point=point(round(data["lon"], 6), round(data["lat"], 6)),
        contact=data.get("contact") or "",
        subject_url=subject.url if subject else "",
        subject_name=subject.name if subject else "",
        subject_page=_page_for(request, subject.url) if subject else None,
        county=subject.county if subject else county_at(data["lon"], data["lat"]),
        language=get_language() or "zh-hans",
        ip=client_ip(request) or None,
        form_token=token,
    )
    if data.get("photo"):
        report.photo.save(data["photo"].name, data["photo"], save=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # the same token raced in from a second tap
        if report.photo:
            report.photo.delete(save=False)
        existing = Report.objects.filter(form_token=token).first()
        if existing is None:
            raise
        return redirect(existing)
    response = redirect(report.get_absolute_url() + "?new=1")
    return response


def report_status(request, code):
    report = get_object_or_404(Report.objects.prefetch_related("answers"), code=code.upper())
    context = {"report": report, "new": request.GET.get("new") == "1", "now": timezone.now()}
    return _private(TemplateResponse(request, "reports/report_status.html", context))


def report_photo(request, code):
    """The photo of a report: for everyone once a handler approved it, else only for its handlers."""
    report = get_object_or_404(Report, code=code.upper())
    if not report.photo:
        raise Http404
    allowed = report.photo_public or Report.objects.handled_by(request.user).filter(pk=report.pk).exists()
    if not allowed:
        raise Http404
    response = FileResponse(report.photo.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{report.code}.jpg"'
    if not report.photo_public:
        response["Cache-Control"] = "private, no-store"
    return response


class AlertFeed(Feed):
    """Atom feed of the alerts in force or about to start, newest first."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        changes_at(Alert.objects.next_change())
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return _("西宁乡村文旅：路况与预警")

    def link(self):
        from django.urls import reverse

        return reverse("alert_list")

    def subtitle(self):
        return _("线路封闭、施工、天气、拥挤和活动提醒，到结束时间自动撤下。")

    def items(self):
        return list(Alert.objects.shown().select_related("page", "page__locale").order_by("-starts_at")[:50])

    def item_title(self, item):
        return f"[{item.get_kind_display()}] {item.display_title}"

    def item_description(self, item):
        when = _("%(start)s 至 %(end)s") % {
            "start": timezone.localtime(item.starts_at).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(item.ends_at).strftime("%Y-%m-%d %H:%M"),
        }
        return f"{when}. {item.display_body}" if item.in_english else f"{when}。{item.body}"

    def item_link(self, item):
        if not hasattr(self, "_pages"):
            self._pages = localized_pages(self.items())
        return alert_url(item, self._pages)

    def item_guid(self, item):
        return f"alert-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.starts_at


def alert_feed(request):
    return AlertFeed()(request)


def alert_list(request):
    """Every alert in force or about to start, with its place: the feed's and the map's link."""
    shown, until = pending(timezone.now())
    changes_at(until)
    pages = localized_pages(shown)
    alerts = [{"alert": alert, "url": alert_url(alert, pages), "when": when_text(alert)} for alert in shown]
    return TemplateResponse(request, "reports/alert_list.html", {"alerts": alerts})
