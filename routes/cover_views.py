"""The admin's "从线路生成封面": draw a route's cover from its line, stops and profile
(routes.covers), preview it, and put it on the route as a new draft.

Why a draft: the new cover replaces what visitors see first; the editor looks at it in the
page's preview and publishes it with the rest of their changes, the usual way. The drawing reads
the page's latest revision, so an unpublished redrawn line is what the cover shows.
"""

from __future__ import annotations

import base64

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.images import get_image_model
from wagtail.permissions import policy_registry

from routes.covers import make_cover, render_route_cover
from routes.models import RoutePage


def can_make_cover(user, page) -> bool:
    images = policy_registry.get_by_type(get_image_model())
    return page.permissions_for_user(user).can_edit() and images.user_has_permission(user, "add")


def route_cover(request, page_id: int):
    page = get_object_or_404(RoutePage, pk=page_id)
    if not can_make_cover(request.user, page):
        raise PermissionDenied
    draft = page.get_latest_revision_as_object()
    if request.method == "POST":
        image = make_cover(draft, user=request.user)
        draft.hero_image = image
        draft.save_revision(user=request.user, log_action=True)
        messages.success(request, _("已从线路生成封面“%(title)s”，并存为草稿：请预览后发布。") % {"title": image.title})
        return redirect("wagtailadmin_pages:edit", page.pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    preview = base64.b64encode(render_route_cover(draft, fmt="JPEG")).decode()
    return TemplateResponse(
        request,
        "routes/admin/route_cover.html",
        {
            "page": page,
            "preview": f"data:image/jpeg;base64,{preview}",
            "edit_url": reverse("wagtailadmin_pages:edit", args=(page.pk,)),
            "has_line": bool(draft.geometry),
        },
    )


# --- admin hooks (imported from RoutesConfig.ready) --------------------------------------------


@hooks.register("register_admin_urls")
def register_cover_urls():
    return [path("routes/<int:page_id>/cover/", route_cover, name="routes_cover")]


@hooks.register("register_page_header_buttons")
def cover_button(page, user, view_name, next_url=None):
    """ "从线路生成封面" in a route's page header (beside 编辑, 移动, 复制…)."""
    if page.specific_class is RoutePage and can_make_cover(user, page):
        yield Button(_("从线路生成封面"), reverse("routes_cover", args=(page.pk,)), icon_name="image", priority=40)
