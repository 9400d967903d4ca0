"""Admin views: inviting an owner, handing a listing to another owner, the inquiries, the dashboard panel."""

from __future__ import annotations

import statistics

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic import HistoryView, IndexView, InspectView, UsageView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.models import TaskState, WorkflowState
from wagtail.permissions import policy_registry

from homestays.availability import set_nights, source_rooms
from homestays.forms import InviteOwnerForm, TransferOwnerForm
from homestays.models import MANAGE_PERMISSION, DayStatus, HomestayIndexPage, HomestayPage, Inquiry, InquiryStatus
from homestays.owners import grant_listing, invite_owner, is_owner, listings_for, set_password_url
from homestays.permissions import sees_all_inquiries
from portal.spreadsheets import SafeSpreadsheetExportMixin


class InquiryStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=InquiryStatus.choices)
    room = forms.ModelChoiceField(label=_("房型"), queryset=None, required=False, empty_label=_("（未定）"))
    mark_full = forms.BooleanField(label=_("把这几晚设为满房"), required=False, initial=True)
    owner_note = forms.CharField(label=_("备注（只有业主和编辑看得到）"), max_length=300, required=False)

    def __init__(self, *args, inquiry, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.inquiry = inquiry
        self.fields["room"].queryset = inquiry.listing.rooms.all()
        self.fields["room"].initial = inquiry.room_id
        self.fields["status"].initial = inquiry.status

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == InquiryStatus.CONFIRMED and cleaned.get("mark_full") and cleaned.get("room") is None:
            self.add_error("room", _t("要把日期设为满房，请选择房型。"))
        if cleaned.get("status") == InquiryStatus.NEW and self.inquiry.status != InquiryStatus.NEW:
            self.add_error("status", _t("已回复的咨询不能改回“新”。"))
        return cleaned


def can_manage(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or user.has_perm(MANAGE_PERMISSION)))


class ManageRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_manage(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# --------------------------------------------------------------------------------- invite


class InviteOwnerView(ManageRequiredMixin, WagtailAdminTemplateMixin, FormView):
    """One step for editors: the owner's account, their permissions and photo collection, and a
    draft listing they own. The owner then sets a password through the link shown here (and
    e-mailed to them) and fills in the listing."""

    template_name = "homestays/admin/invite_owner.html"
    form_class = InviteOwnerForm
    page_title = _("邀请民宿业主")
    header_icon = "user"

    def get_index(self):
        index = HomestayIndexPage.objects.order_by("path").first()
        if index is None:
            raise Http404(_t("请先建立“民宿”栏目页（HomestayIndexPage）。"))
        return index

    def form_valid(self, form):
        data = form.cleaned_data
        user, page = invite_owner(
            username=data["username"],
            name=data["name"],
            email=data["email"],
            title=data["title"],
            county=data["county"],
            index=self.get_index(),
            invited_by=self.request.user,
        )
        link = set_password_url(self.request, user)
        context = {"user": user, "page": page, "link": link, "admin_url": self.request.build_absolute_uri(reverse("wagtailadmin_home"))}
        mail_error = ""
        try:
            send_mail(
                render_to_string("homestays/email/invite_subject.txt", context).strip(),
                render_to_string("homestays/email/invite.txt", context),
                None,
                [user.email],
            )
        except Exception as exc:  # noqa: BLE001 - the account exists; the editor passes the link on by hand
            mail_error = f"{type(exc).__name__}: {exc}"[:200]
        return self.render_to_response(
            self.get_context_data(form=self.form_class(), invited=user, listing=page, link=link, mail_error=mail_error),
        )

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TransferOwnerView(ManageRequiredMixin, WagtailAdminTemplateMixin, FormView):
    """Hand a listing to another owner (Wagtail keeps `owner` out of page revisions, so it cannot
    be changed in the page editor)."""

    template_name = "homestays/admin/transfer_owner.html"
    form_class = TransferOwnerForm
    page_title = _("更换民宿业主")
    header_icon = "user"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.listing = get_object_or_404(HomestayPage, pk=kwargs["page_id"])

    def get_initial(self):
        return {"owner": self.listing.owner_id}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["listing"] = self.listing
        return context

    def form_valid(self, form):
        grant_listing(form.cleaned_data["owner"], self.listing)
        return self.render_to_response(self.get_context_data(form=form, done=True))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --------------------------------------------------------------------------------- inquiries


class OwnInquiriesMixin:
    """Every inquiry view looks objects up among the inquiries the permission policy lets this user
    see, so another owner's inquiry is a 404, whatever its id."""

    def visible_inquiries(self):
        policy = policy_registry.get_by_type(Inquiry)
        return policy.instances_user_has_any_permission_for(self.request.user, ["view", "change", "delete"]).select_related("listing")

    def get_object(self, queryset=None):
        return get_object_or_404(self.visible_inquiries(), pk=self.kwargs[self.pk_url_kwarg])


class InquiryIndexView(OwnInquiriesMixin, SafeSpreadsheetExportMixin, IndexView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not sees_all_inquiries(request.user):
            # The CSV/XLSX export is for editors; owners read their inquiries on screen.
            self.list_export = []
            self.is_export = False

    def get_base_queryset(self):
        return self.visible_inquiries()


class InquiryInspectView(OwnInquiriesMixin, InspectView):
    template_name = "homestays/admin/inquiry_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(self.visible_inquiries(), pk=self.pk)

    def get_field_display_value(self, field_name, field):
        """What an owner reads: 是/否 and a dash, not Python's True and None."""
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _t("是") if value else _t("否")
        return value

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inquiry = self.object
        rooms = list(inquiry.listing.rooms.all())
        context.update(
            {
                "inquiry": inquiry,
                "status_form": InquiryStatusForm(inquiry=inquiry),
                "status_url": reverse("homestays_inquiry_status", args=(inquiry.pk,)),
                "rooms": rooms,
                "overdue": inquiry_overdue(inquiry),
            }
        )
        return context


# --------------------------------------------------------------------------------- inquiry status

REPLY_WITHIN = timezone.timedelta(hours=48)


def inquiry_overdue(inquiry, now=None) -> bool:
    """A new inquiry nobody answered within 48 hours: what the editors chase."""
    return inquiry.status == InquiryStatus.NEW and inquiry.created < (now or timezone.now()) - REPLY_WITHIN


class InquiryStatusView(OwnInquiriesMixin, View):
    """新 → 已回复 → 已确认 / 已拒绝, set by the listing's owner or an editor. Confirming can mark
    the stay's nights full in one step (availability.set_nights, source "inquiry"), which is not a
    content change: no revision, no review."""

    pk_url_kwarg = "pk"

    def post(self, request, pk):
        inquiry = self.get_object()
        form = InquiryStatusForm(request.POST, inquiry=inquiry)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(reverse("homestay_inquiries:inspect", args=(inquiry.pk,)))
        status = form.cleaned_data["status"]
        now = timezone.now()
        with transaction.atomic():
            inquiry.status = status
            inquiry.status_changed_at = now
            if inquiry.replied_at is None and status != InquiryStatus.NEW:
                inquiry.replied_at = now
            inquiry.owner_note = form.cleaned_data.get("owner_note") or inquiry.owner_note
            room = form.cleaned_data.get("room")
            if room is not None:
                inquiry.room = room
            inquiry.save(update_fields=["status", "status_changed_at", "replied_at", "owner_note", "room"])
            log(instance=inquiry, action="wagtail.edit", user=request.user, data={"status": status})
            marked = 0
            if status == InquiryStatus.CONFIRMED and form.cleaned_data.get("mark_full") and room is not None:
                source = source_rooms(inquiry.listing, [room]).get(room.pk, room)
                marked = set_nights(source, inquiry.arrival, inquiry.departure - timezone.timedelta(days=1), DayStatus.FULL, source="inquiry", inquiry=inquiry)
        label = InquiryStatus(status).label
        if marked:
            messages.success(request, _t("已标记为“%(status)s”，%(room)s %(n)d 晚已设为满房。") % {"status": label, "room": room.room_type, "n": marked})
        else:
            messages.success(request, _t("已标记为“%(status)s”。") % {"status": label})
        return redirect(reverse("homestay_inquiries:inspect", args=(inquiry.pk,)))

    def get_object(self, queryset=None):
        return get_object_or_404(self.visible_inquiries(), pk=self.kwargs["pk"])


def reply_times(since_days: int = 90, now=None) -> list[dict]:
    """Each house's median time to first reply over the last `since_days`, and its inquiries left
    unanswered past 48 hours. Two queries, whatever the number of houses."""
    now = now or timezone.now()
    rows = Inquiry.objects.filter(created__gte=now - timezone.timedelta(days=since_days)).values_list("listing_id", "created", "replied_at", "status")
    by_house: dict[int, dict] = {}
    for listing_id, created, replied_at, status in rows:
        house = by_house.setdefault(listing_id, {"waits": [], "total": 0, "overdue": 0, "new": 0})
        house["total"] += 1
        if replied_at is not None:
            house["waits"].append((replied_at - created).total_seconds())
        elif status == InquiryStatus.NEW:
            house["new"] += 1
            if created < now - REPLY_WITHIN:
                house["overdue"] += 1
    pages = HomestayPage.objects.filter(pk__in=by_house).select_related("owner").in_bulk()
    result = []
    for listing_id, house in by_house.items():
        page = pages.get(listing_id)
        if page is None:
            continue
        waits = house["waits"]
        median = statistics.median(waits) if waits else None
        result.append(
            {
                "page": page,
                "total": house["total"],
                "answered": len(waits),
                "new": house["new"],
                "overdue": house["overdue"],
                "median_hours": None if median is None else round(median / 3600, 1),
            }
        )
    return sorted(result, key=lambda r: (-r["overdue"], -(r["median_hours"] or 0), r["page"].title))


class ReplyTimesView(ManageRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """For editors: how fast each house answers, and which leave travellers waiting."""

    template_name = "homestays/admin/reply_times.html"
    page_title = _("民宿回复速度")
    header_icon = "time"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["houses"] = reply_times()
        context["reply_hours"] = int(REPLY_WITHIN.total_seconds() // 3600)
        return context


class OverdueInquiriesPanel(Component):
    """Editors' dashboard: houses with inquiries unanswered for 48 hours."""

    name = "homestay_overdue_inquiries"
    order = 60
    template_name = "homestays/admin/overdue_inquiries_panel.html"

    def get_context_data(self, parent_context=None):
        cutoff = timezone.now() - REPLY_WITHIN
        overdue = Inquiry.objects.filter(status=InquiryStatus.NEW, created__lt=cutoff).select_related("listing").order_by("created")
        return {"overdue": list(overdue[:10]), "count": overdue.count(), "times_url": reverse("homestays_reply_times")}


class InquiryHistoryView(OwnInquiriesMixin, HistoryView):
    pass


class InquiryUsageView(OwnInquiriesMixin, UsageView):
    pass


class InquiryViewSet(ModelViewSet):
    model = Inquiry
    name = "homestay_inquiries"
    icon = "mail"
    menu_label = _("住宿咨询")
    menu_name = "homestay-inquiries"
    menu_order = 205
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = InquiryIndexView
    inspect_view_class = InquiryInspectView
    history_view_class = InquiryHistoryView
    usage_view_class = InquiryUsageView
    list_display = [
        "name",  # a field name, so Wagtail links it to the inspect view (nobody edits inquiries)
        Column("listing", label=_("民宿")),
        Column("status_label", label=_("状态"), accessor="status_label"),
        Column("arrival", label=_("入住")),  # the date itself: DateColumn would say "刚刚" for the future
        Column("departure", label=_("离店")),
        Column("guests", label=_("人数")),
        Column("phone", label=_("电话")),
        DateColumn("created", label=_("提交时间")),
        BooleanColumn("notified", label=_("已邮件通知")),
    ]
    list_filter = ["status", "notified"]
    ordering = ["-created"]
    list_export = [
        "listing.title",
        "name",
        "phone",
        "arrival",
        "departure",
        "guests",
        "message",
        "consent",
        "created",
        "status",
        "replied_at",
        "notified",
        "notify_attempts",
    ]
    export_headings = {
        "listing.title": "民宿 listing",
        "name": "称呼 name",
        "phone": "电话 phone",
        "arrival": "入住 arrival",
        "departure": "离店 departure",
        "guests": "人数 guests",
        "message": "留言 message",
        "consent": "同意联系 consent",
        "created": "提交时间 created",
        "notified": "已通知 notified",
        "notify_attempts": "通知次数 attempts",
        "status": "状态 status",
        "replied_at": "首次回复 replied",
    }
    export_filename = "homestay-inquiries"
    inspect_view_fields = [
        "listing",
        "status",
        "name",
        "phone",
        "arrival",
        "departure",
        "guests",
        "room",
        "message",
        "consent",
        "created",
        "replied_at",
        "owner_note",
        "notified",
        "last_notify_error",
    ]
    form_fields = ["listing", "name", "phone", "arrival", "departure", "guests", "message", "consent"]


# --------------------------------------------------------------------------------- dashboard


def listing_status(page) -> tuple[str, str, str]:
    """(status code, label, editor's comment) as an owner should read it."""
    if page.workflow_in_progress:
        return "review", _t("审核中：等待编辑审核"), ""
    latest = WorkflowState.objects.for_instance(page).order_by("-created_at").first()
    if latest is not None and latest.status == WorkflowState.STATUS_NEEDS_CHANGES:
        task = TaskState.objects.filter(workflow_state=latest, status=TaskState.STATUS_REJECTED).order_by("-finished_at").first()
        comment = task.comment if task else ""
        return "changes", _t("需要修改：编辑退回了您的修改"), comment
    if not page.live:
        return "draft", _t("草稿：还没有上线，填好后请提交审核"), ""
    if page.has_unpublished_changes:
        return "live-changed", _t("已上线；有尚未提交审核的修改"), ""
    return "live", _t("已上线"), ""


class OwnerDashboardPanel(Component):
    """The first thing an owner sees after logging in: their listings, what state each is in and
    what to do next, and the latest inquiries."""

    name = "homestay_owner"
    order = 50
    template_name = "homestays/admin/owner_panel.html"

    def __init__(self, request):
        self.request = request

    @cached_property
    def listings(self):
        items = []
        for page in listings_for(self.request.user).select_related("locale"):
            code, label, comment = listing_status(page)
            items.append({"page": page, "status": code, "label": label, "comment": comment, "url": page.url if page.live else ""})
        return items

    def get_context_data(self, parent_context=None):
        user = self.request.user
        policy = policy_registry.get_by_type(Inquiry)
        inquiries = policy.instances_user_has_permission_for(user, "view").filter(listing__owner=user).select_related("listing")
        since = timezone.now() - timezone.timedelta(days=7)
        return {
            "listings": self.listings,
            "inquiries": list(inquiries.prefetch_related(Prefetch("listing"))[:5]),
            "new_count": inquiries.filter(created__gte=since).count(),
            "inquiries_url": reverse("homestay_inquiries:index"),
            "images_url": reverse("wagtailimages:index"),
        }


def show_owner_panel(user) -> bool:
    return is_owner(user) and listings_for(user).exists()
