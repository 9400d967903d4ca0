"""The public URLs, under each language prefix (registry.register_urls), and the "反馈问题" link
every place offers (registry.register_place_action)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import path, reverse
from django.utils.translation import gettext as _

from reports import views

public_urls = [
    path("reports/new/", views.report_new, name="report_new"),
    path("reports/<str:code>/", views.report_status, name="report_status"),
    path("reports/<str:code>/photo.jpg", views.report_photo, name="report_photo"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/feed/", views.alert_feed, name="alert_feed"),
]


def report_action(url: str, request=None) -> dict | None:
    href = reverse("report_new") + ("?" + urlencode({"about": url}) if url else "")
    return {"label": _("反馈问题"), "href": href}
