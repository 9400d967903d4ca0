"""反馈月报: the bureau's monthly figures, in the admin as a Wagtail report (with CSV and XLSX
export) and as a chart on the handlers' dashboard.

Per county and category: how many reports came in, how many were answered, the median and the
90th-percentile time to the first answer, how many missed their deadline, how many were closed.
A report counts in the month it was submitted (Asia/Shanghai), so a month's figures settle once
its reports are answered. Response times are computed in Python: the percentile functions of
PostgreSQL and SQLite differ, and a month of one city's reports is small.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from portal.places import County
from portal.spreadsheets import SafeSpreadsheetExportMixin
from reports.admin_views import RequestPanel
from reports.models import Category, Report, Status


@dataclass
class Row:
    month: str
    county: str
    category: str
    received: int = 0
    answered: int = 0
    overdue: int = 0
    closed: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None


def month_bounds(month: str | None) -> tuple[datetime.datetime, datetime.datetime, str]:
    """(start, end, "YYYY-MM") of a month in local time; the current month for anything else."""
    today = timezone.localdate()
    try:
        year, number = (int(part) for part in (month or "").split("-"))
        first = datetime.date(year, number, 1)
    except (TypeError, ValueError):
        first = today.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(following, datetime.time.min, tzinfo=tz)
    return start, end, first.strftime("%Y-%m")


def _hours(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    values = sorted(values)
    median = statistics.median(values)
    p90 = statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]
    return round(median, 1), round(p90, 1)


def figures(month: str | None = None, reports=None, now=None) -> list[Row]:
    """One row per county and category with reports, then one per county, then the whole city."""
    start, end, label = month_bounds(month)
    now = now or timezone.now()
    reports = Report.objects.all() if reports is None else reports
    rows = reports.filter(created_at__gte=start, created_at__lt=end).values_list(
        "county", "category", "status", "created_at", "due_at", "responded_at", "closed_at"
    )
    county_names, category_names = dict(County.choices), dict(Category.choices)
    groups: dict[tuple[str, str], list] = {}
    for county, category, status, created, due, responded, closed in rows:
        for key in ((county, category), (county, ""), ("", "")):
            groups.setdefault(key, []).append((status, created, due, responded, closed))
    result = []
    order = {code: i for i, code in enumerate(County.values)}
    cat_order = {code: i for i, code in enumerate(Category.values)}

    def sort_key(key):
        county, category = key
        return (county == "", order.get(county, 99), category == "", cat_order.get(category, 99))

    for key in sorted(groups, key=sort_key):
        county, category = key
        items = groups[key]
        times = [(responded - created).total_seconds() / 3600 for _s, created, _d, responded, _c in items if responded]
        median, p90 = _hours(times)
        result.append(
            Row(
                month=label,
                county=str(county_names.get(county, _t("全市"))) if county else _t("全市"),
                category=str(category_names.get(category, "")) if category else _t("全部类别"),
                received=len(items),
                answered=len(times),
                overdue=sum(
                    1
                    for status, _c, due, responded, _cl in items
                    if (responded and responded > due) or (not responded and status == Status.RECEIVED and now > due)
                ),
                closed=sum(1 for _s, _c, _d, _r, closed in items if closed),
                median_hours=median,
                p90_hours=p90,
            )
        )
    return result


def bars(rows: list[Row]) -> dict:
    """The chart's bars: reports per county and per category, with widths in percent."""
    by_county = [(r.county, r.received, r.overdue) for r in rows if r.category == _t("全部类别") and r.county != _t("全市")]
    by_category: dict[str, int] = {}
    for r in rows:
        if r.category != _t("全部类别"):
            by_category[r.category] = by_category.get(r.category, 0) + r.received
    peak = max([n for _name, n, _o in by_county] + list(by_category.values()) + [1])
    return {
        "counties": [{"label": name, "count": n, "overdue": o, "width": round(100 * n / peak, 1)} for name, n, o in by_county],
        "categories": [{"label": name, "count": n, "width": round(100 * n / peak, 1)} for name, n in by_category.items()],
    }


class FiguresView(SafeSpreadsheetExportMixin, ReportView):
    page_title = _("反馈月报")
    header_icon = "table"
    index_url_name = "reports_figures"
    index_results_url_name = "reports_figures_results"
    results_template_name = "reports/admin/figures_results.html"
    paginate_by = None
    any_permission_required = ["change"]
    list_export = ["month", "county", "category", "received", "answered", "overdue", "closed", "median_hours", "p90_hours"]
    export_headings = {
        "month": "月份 month",
        "county": "县区 county",
        "category": "类别 category",
        "received": "反馈数 received",
        "answered": "已答复 answered",
        "overdue": "超时 overdue",
        "closed": "已办结 closed",
        "median_hours": "答复时间中位数（小时） median hours",
        "p90_hours": "答复时间 90% 分位（小时） p90 hours",
    }
    columns = [
        Column("county", label=_("县区")),
        Column("category", label=_("类别")),
        Column("received", label=_("反馈数")),
        Column("answered", label=_("已答复")),
        Column("overdue", label=_("超时")),
        Column("closed", label=_("已办结")),
        Column("median_hours", label=_("答复中位数（小时）")),
        Column("p90_hours", label=_("答复 90% 分位（小时）")),
    ]

    @property
    def permission_policy(self):
        from wagtail.permission_policies import ModelPermissionPolicy

        return ModelPermissionPolicy(Report)

    def get_filename(self):
        return f"reports-{self.month}"

    @cached_property
    def month(self) -> str:
        return month_bounds(self.request.GET.get("month"))[2]

    def get_queryset(self):
        return figures(self.month, Report.objects.handled_by(self.request.user))

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        start, _end, label = month_bounds(self.month)
        previous = (start - datetime.timedelta(days=1)).strftime("%Y-%m")
        following = (start + datetime.timedelta(days=32)).strftime("%Y-%m")
        context.update({"month": label, "previous": previous, "following": following, "chart": bars(list(context["object_list"]))})
        return context


class FiguresPanel(RequestPanel):
    """This month's figures as bars on the handlers' dashboard."""

    name = "report_figures"
    order = 200
    template_name = "reports/admin/figures_panel.html"

    def get_context_data(self, parent_context=None):
        rows = figures(None, Report.objects.handled_by(self.request.user))
        total = next((r for r in rows if r.county == _t("全市")), None)
        return {"chart": bars(rows), "total": total, "month": month_bounds(None)[2], "url": reverse("reports_figures")}


class FiguresMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser or request.user.has_perm("reports.change_report")


def menu_item():
    return FiguresMenuItem(_("反馈月报"), reverse("reports_figures"), name="reports-figures", icon_name="table", order=900)


def admin_urls() -> list:
    return [
        path("reports/figures/", FiguresView.as_view(), name="reports_figures"),
        path("reports/figures/results/", FiguresView.as_view(results_only=True), name="reports_figures_results"),
    ]
