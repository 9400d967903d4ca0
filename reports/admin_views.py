"""Handling reports in the admin: each county's handlers see their county's reports, the office
sees all; owners see and answer the reports about their own pages; overdue reports are flagged on
the dashboard. Alerts and the county desks are snippets the office edits."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, InlinePanel, MultiFieldPanel, ObjectList, PageChooserPanel
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import EditView, HistoryView, IndexView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.snippets import CreateView as SnippetCreateView
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.spreadsheets import SafeSpreadsheetExportMixin
from reports.forms import OwnerAnswerForm
from reports.models import Alert, AlertKind, Category, CountyDesk, OwnerAnswer, Report, Status


class HandledReportsMixin:
    """Only the reports the user handles: their county desks', or every county's for the office."""

    def get_base_queryset(self):
        return Report.objects.handled_by(self.request.user)

    def get_queryset(self):
        if isinstance(self, IndexView):
            return super().get_queryset()
        return Report.objects.handled_by(self.request.user)


class HandledReportMixin:
    """The one report a per-report view shows (history, usage), among those the user handles."""

    def get_base_object_queryset(self):
        return Report.objects.handled_by(self.request.user)


class ReportHistoryView(HandledReportMixin, HistoryView):
    pass


class ReportUsageView(HandledReportMixin, UsageView):
    pass


class OverdueColumn(Column):
    def get_value(self, instance):
        if instance.is_overdue:
            return format_html('<span class="w-status w-status--label" style="background:#b91c1c;color:#fff">{}</span>', _t("已超时"))
        return "—" if instance.is_open else ""


class ReportIndexView(HandledReportsMixin, SafeSpreadsheetExportMixin, IndexView):
    def order_queryset(self, queryset):
        # overdue first, then open ones, newest first: what needs a handler now is on top
        if not self.request.GET.get("ordering"):
            now = timezone.now()
            return queryset.annotate(
                _urgency=Case(
                    When(status=Status.RECEIVED, responded_at__isnull=True, due_at__lt=now, then=Value(0)),
                    When(status__in=[Status.RECEIVED, Status.IN_PROGRESS], then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            ).order_by("_urgency", "-created_at")
        return super().order_queryset(queryset)


class ReportEditView(HandledReportsMixin, EditView):
    def save_instance(self):
        report = super().save_instance()
        if report.handled_by_id is None:
            Report.objects.filter(pk=report.pk).update(handled_by=self.request.user)
        approved = [a for a in report.answers.all() if a.approved and a.approved_by_id is None]
        for answer in approved:
            answer.approved_by = self.request.user
            answer.save(update_fields=["approved_by"])
        return report


def _facts(report, can_alert: bool) -> str:
    from django.template.loader import render_to_string

    return render_to_string("reports/admin/report_facts.html", {"report": report, "can_alert": can_alert})


class ReportFactsPanel(HelpPanel):
    """What the visitor sent, read-only: the handler answers it, never edits it."""

    class BoundPanel(HelpPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            can_alert = bool(self.request and self.request.user.has_perm("reports.add_alert"))
            self.content = _facts(self.instance, can_alert) if self.instance and self.instance.pk else ""


class ReportViewSet(ModelViewSet):
    model = Report
    name = "reports"
    icon = "warning"
    menu_label = _("游客反馈")
    menu_name = "reports"
    menu_order = 210
    add_to_admin_menu = True
    copy_view_enabled = False
    add_view_enabled = False
    index_view_class = ReportIndexView
    edit_view_class = ReportEditView
    history_view_class = ReportHistoryView
    usage_view_class = ReportUsageView
    list_display = [
        "code",
        Column("category", label=_("问题类别"), accessor="get_category_display"),
        Column("subject_name", label=_("反馈对象")),
        Column("county", label=_("县区"), accessor="get_county_display"),
        Column("status", label=_("状态"), accessor="get_status_display"),
        DateColumn("created_at", label=_("提交时间")),
        DateColumn("due_at", label=_("答复期限")),
        OverdueColumn("overdue", label=_("超时")),
    ]
    list_filter = ["status", "category", "county"]
    search_fields = ["code", "description", "subject_name", "public_reply"]
    list_export = ["code", "category", "county", "status", "subject_name", "subject_url", "created_at", "due_at", "responded_at", "closed_at", "public_reply"]
    export_filename = "reports"
    edit_handler = ObjectList(
        [
            ReportFactsPanel(heading=_("游客提交的内容")),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("status"), FieldPanel("county")]),
                    FieldPanel("public_reply"),
                    FieldPanel("reject_reason"),
                    FieldPanel("photo_public"),
                ],
                heading=_("处理"),
            ),
            InlinePanel("answers", heading=_("经营者答复"), label=_("答复"), panels=[FieldPanel("text", read_only=True), FieldPanel("approved")]),
        ]
    )


class AlertCreateView(SnippetCreateView):
    """ "据此发布预警": a report's place, words and link fill a new alert, for the editor to check."""

    def get_initial_form_instance(self):
        instance = super().get_initial_form_instance()
        report_id = self.request.GET.get("from_report", "")
        report = Report.objects.handled_by(self.request.user).filter(pk=report_id).first() if report_id.isdigit() else None
        if report is not None:
            instance = instance or Alert()
            instance.from_report = report
            instance.kind = {Category.DAMAGE: AlertKind.CLOSED, Category.SAFETY: AlertKind.CLOSED}.get(report.category, AlertKind.WORKS)
            instance.title = (f"{report.subject_name}：" if report.subject_name else "") + report.get_category_display()
            instance.body = report.description
            anchor = report.subject_url.rpartition("#stop-")[2]
            if report.subject_page_id and "#stop-" in report.subject_url and anchor.isdigit():
                instance.page, instance.stop = report.subject_page, int(anchor)
            else:
                instance.area, instance.radius_km = report.point, 1
            instance.starts_at = timezone.now()
            instance.ends_at = timezone.now() + datetime.timedelta(days=1)
        return instance


class AlertViewSet(SnippetViewSet):
    model = Alert
    add_view_class = AlertCreateView
    icon = "warning"
    menu_label = _("路况预警")
    menu_name = "alerts"
    menu_order = 211
    add_to_admin_menu = True
    list_display = [
        "title",
        Column("kind", label=_("类型"), accessor="get_kind_display"),
        DateColumn("starts_at", label=_("开始")),
        DateColumn("ends_at", label=_("结束")),
    ]
    list_filter = ["kind"]
    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("title")]),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("title_en"), FieldPanel("body_en")], heading=_("英文"), classname="collapsed"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        MultiFieldPanel(
            [PageChooserPanel("page"), FieldPanel("stop"), FieldPanel("area"), FieldPanel("radius_km")],
            heading=_("位置：一条线路（可指定站点），或地图上的一个区域"),
        ),
        FieldPanel("from_report", read_only=True),
    ]


class CountyDeskViewSet(SnippetViewSet):
    model = CountyDesk
    icon = "group"
    menu_label = _("县区反馈处理人")
    add_to_settings_menu = True
    list_display = ["county", "email"]
    panels = [FieldPanel("county"), FieldPanel("handlers", widget=forms.CheckboxSelectMultiple), FieldPanel("email")]


# --------------------------------------------------------------------------------- owners


def owner_reports(user):
    """Reports about the live pages `user` owns (Wagtail's page owner: a homestay's owner)."""
    return Report.objects.filter(subject_page__owner=user, subject_page__live=True).prefetch_related("answers")


def owner_answer(request, pk):
    report = get_object_or_404(owner_reports(request.user), pk=pk)
    if request.method == "POST":
        form = OwnerAnswerForm(request.POST)
        if form.is_valid():
            OwnerAnswer.objects.create(report=report, author=request.user, text=form.cleaned_data["text"])
            messages.success(request, _t("答复已提交，编辑审核后会公开。"))
            return redirect("wagtailadmin_home")
    else:
        form = OwnerAnswerForm()
    return TemplateResponse(request, "reports/admin/owner_answer.html", {"report": report, "form": form, "answers": report.answers.all()})


class RequestPanel(Component):
    """A dashboard panel drawn for the user of `request`."""

    def __init__(self, request):
        self.request = request


class OwnerReportsPanel(RequestPanel):
    name = "owner_reports"
    order = 60
    template_name = "reports/admin/owner_panel.html"

    @cached_property
    def reports(self):
        return list(owner_reports(self.request.user)[:10])

    def get_context_data(self, parent_context=None):
        return {"reports": self.reports}


class OverduePanel(RequestPanel):
    """On a handler's dashboard: the reports past their deadline, and the open ones."""

    name = "overdue_reports"
    order = 40
    template_name = "reports/admin/overdue_panel.html"

    @cached_property
    def handled(self):
        return Report.objects.handled_by(self.request.user)

    def get_context_data(self, parent_context=None):
        return {
            "overdue": list(self.handled.overdue().order_by("due_at")[:10]),
            "overdue_count": self.handled.overdue().count(),
            "open_count": self.handled.open().count(),
            "unapproved_answers": OwnerAnswer.objects.filter(report__in=self.handled, approved=False).count(),
            "index_url": reverse("reports:index"),
        }


def can_handle(user) -> bool:
    return user.is_superuser or user.has_perm("reports.change_report")
