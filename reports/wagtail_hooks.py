"""The reports admin: reports by county, alerts, county desks, the owners' answers and the dashboard."""

from __future__ import annotations

from django.urls import path
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from reports import admin_views, figures


@hooks.register("register_admin_viewset")
def register_report_viewset():
    return admin_views.ReportViewSet()


register_snippet(admin_views.AlertViewSet)
register_snippet(admin_views.CountyDeskViewSet)


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path("reports/answer/<int:pk>/", admin_views.owner_answer, name="reports_owner_answer"),
        *figures.admin_urls(),
    ]


@hooks.register("construct_homepage_panels")
def add_report_panels(request, panels):
    if admin_views.can_handle(request.user):
        panels.insert(0, admin_views.OverduePanel(request))
        panels.append(figures.FiguresPanel(request))
    panel = admin_views.OwnerReportsPanel(request)
    if panel.reports:
        panels.insert(1, panel)


@hooks.register("register_reports_menu_item")
def register_figures_menu_item():
    return figures.menu_item()
