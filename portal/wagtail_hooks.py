"""The admin in Chinese for owners and editors: the project's own guide instead of Wagtail's
English one (portal/admin_guide.py), and no "What's new in Wagtail" links to an English site."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal import twofactor
from portal.admin_guide import AdminGuideView
from portal.richtext import register_comparisons

register_comparisons()  # revision comparisons ignore Draftail's block keys (portal/richtext.py)


@hooks.register("register_admin_urls")
def register_guide_url():
    return [path("guide/", AdminGuideView.as_view(), name="portal_admin_guide")]


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return twofactor.admin_urls()


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    """Account → 两步验证: enrol (owners may, staff must in production) and renew recovery codes."""
    return {"url": reverse("portal_2fa"), "label": _("两步验证"), "help_text": _("用手机身份验证器保护后台登录，并管理恢复码。")}


@hooks.register("construct_help_menu")
def chinese_guide_in_help_menu(request, menu_items):
    """Wagtail's editor-guide and what's-new items lead to guide.wagtail.org (English): the help
    menu offers the portal's guide in their place; the keyboard shortcuts stay."""
    kept = [item for item in menu_items if item.name != "editor-guide" and not item.name.startswith("whats-new-in-wagtail")]
    kept.append(MenuItem(_("使用指南"), reverse("portal_admin_guide"), name="editor-guide", icon_name="help", order=1100))
    menu_items[:] = sorted(kept, key=lambda item: item.order)
