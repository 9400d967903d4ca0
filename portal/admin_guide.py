"""The portal's own guide for the people who use its admin, in Chinese, served by the admin itself.

Wagtail links "Editor Guide" (help menu, dashboard) to guide.wagtail.org: English, about Wagtail in
general, often unreachable from mainland China, and silent about what matters here (how a listing
reaches the site, what the map is for). The hooks in portal/wagtail_hooks.py point those links here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class AdminGuideView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "portal/admin/guide.html"
    page_title = _("使用指南")
    header_icon = "help"
