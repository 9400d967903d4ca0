"""The homestays admin: inquiries, inviting owners, the owner's dashboard, and owners' limits.

Owners are kept in their lane by permissions (homestays/owners.py, homestays/permissions.py).
The hooks here only make the admin simpler for them (a dashboard panel, a short menu) and close
the gaps Wagtail's page permissions leave open: an owner may not delete, copy, move or bulk-change
their listing, and the page chooser does not offer other people's drafts.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.action_menu import SubmitForModerationMenuItem
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

import homestays.admin_ical  # noqa: F401 - its hooks register on import
from homestays import admin_calendar, admin_licences  # noqa: F401 - their hooks register on import
from homestays.admin_views import (
    InquiryStatusView,
    InquiryViewSet,
    InviteOwnerView,
    OverdueInquiriesPanel,
    OwnerDashboardPanel,
    ReplyTimesView,
    TransferOwnerView,
    can_manage,
    show_owner_panel,
)
from homestays.models import HomestayPage
from homestays.owners import is_owner_only

# What an owner's sidebar keeps: their pages, their photos, their inquiries.
OWNER_MENU_ITEMS = {"explorer", "images", "homestay-inquiries", "homestay-calendar", "homestay-licences"}


@hooks.register("register_admin_viewset")
def register_inquiry_viewset():
    return InquiryViewSet()


@hooks.register("register_admin_urls")
def register_owner_urls():
    return [
        path("homestays/invite/", InviteOwnerView.as_view(), name="homestays_invite_owner"),
        path("homestays/<int:page_id>/owner/", TransferOwnerView.as_view(), name="homestays_transfer_owner"),
        path("homestays/inquiries/<int:pk>/status/", InquiryStatusView.as_view(), name="homestays_inquiry_status"),
        path("homestays/reply-times/", ReplyTimesView.as_view(), name="homestays_reply_times"),
    ]


class ReplyTimesMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage(request.user)


@hooks.register("register_admin_menu_item")
def register_reply_times_menu_item():
    return ReplyTimesMenuItem(_("民宿回复速度"), reverse("homestays_reply_times"), name="homestays-reply-times", icon_name="time", order=207)


class InviteMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage(request.user)


@hooks.register("register_admin_menu_item")
def register_invite_menu_item():
    return InviteMenuItem(_("邀请民宿业主"), reverse("homestays_invite_owner"), name="homestays-invite", icon_name="user", order=206)


@hooks.register("register_page_header_buttons")
def transfer_owner_button(page, user, view_name=None, next_url=None):
    if isinstance(page.specific_deferred, HomestayPage) and can_manage(user):
        yield Button(_("更换业主"), reverse("homestays_transfer_owner", args=(page.pk,)), icon_name="user", priority=60)


@hooks.register("construct_homepage_panels")
def add_owner_panel(request, panels):
    if show_owner_panel(request.user):
        panels.insert(0, OwnerDashboardPanel(request))
    if can_manage(request.user):
        panels.append(OverdueInquiriesPanel())


@hooks.register("construct_homepage_summary_items", order=100)  # after Wagtail adds its items
def owner_summary(request, summary_items):
    """The summary's page count covers the whole homestays section (other owners' listings too)."""
    from wagtail.admin.site_summary import PagesSummaryItem

    if is_owner_only(request.user):
        summary_items[:] = [item for item in summary_items if not isinstance(item, PagesSummaryItem)]


@hooks.register("construct_main_menu")
def trim_owner_menu(request, menu_items):
    """A short sidebar for owners. Cosmetic: what they cannot reach is refused by permissions."""
    if is_owner_only(request.user):
        menu_items[:] = [item for item in menu_items if item.name in OWNER_MENU_ITEMS]


class SubmitForReviewMenuItem(SubmitForModerationMenuItem):
    """Wagtail's "Submit to <workflow>" under the plain words an owner looks for: 提交审核."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        page = context.get("page")
        state = page.current_workflow_state if page and page.pk else None
        needs_changes = state is not None and state.status == state.STATUS_NEEDS_CHANGES
        context["label"] = _t("修改后重新提交审核") if needs_changes else _t("提交审核")
        return context


@hooks.register("construct_page_action_menu")
def owners_submit_first(menu_items, request, context):
    """For an owner, 提交审核 is the main button and 保存草稿 goes under the arrow: a listing only
    changes on the site once an editor approved it, and a saved draft alone reaches no editor.
    Wagtail makes the first item of the menu the main button."""
    if not is_owner_only(request.user):
        return
    for index, item in enumerate(menu_items):
        if item.name == SubmitForModerationMenuItem.name:
            menu_items.pop(index)
            menu_items.insert(0, SubmitForReviewMenuItem(order=item.order))
            return


@hooks.register("construct_page_chooser_queryset")
def owner_page_chooser(pages, request):
    """Owners link only to published pages (and their own listings): never someone's draft."""
    if is_owner_only(request.user):
        return pages.filter(Q(live=True) | Q(owner=request.user))
    return pages


def _refuse(request, message):
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return HttpResponseForbidden(message)
    messages.error(request, message)
    return redirect("wagtailadmin_home")


@hooks.register("before_delete_page")
def owners_do_not_delete(request, page):
    # Wagtail lets "change" delete a page that was never published; an owner's listing shell is
    # such a page, and removing it is the editors' decision.
    if is_owner_only(request.user):
        return _refuse(request, _t("民宿业主不能删除页面，请联系编辑。"))
    return None


@hooks.register("before_copy_page")
def owners_do_not_copy(request, page):
    # Copying needs "add" where the copy goes, which owners never have; say so before the form.
    if is_owner_only(request.user):
        return _refuse(request, _t("民宿业主不能复制页面，请联系编辑。"))
    return None


@hooks.register("before_move_page")
def owners_do_not_move(request, page, destination):
    if is_owner_only(request.user):
        return _refuse(request, _t("民宿业主不能移动页面，请联系编辑。"))
    return None


@hooks.register("before_bulk_action")
def owners_do_not_bulk_change(request, action_type, objects, action_class_instance):
    if is_owner_only(request.user) and action_type in ("delete", "move", "unpublish", "publish"):
        return _refuse(request, _t("民宿业主不能批量操作页面。"))
    return None
