"""The admin report "待替换的演示图片": live pages that still show a demo picture.

Why: the demo site ships drawn pictures (portal.illustrations) so that every card has one; before
launch each must give way to a real photo, and an editor needs the list of pages to visit.

How, without naming any subject app: demo pictures carry the DEMO_TAG tag (portal.demo), and
Wagtail's reference index already records every use of an image by a page, whether in a foreign
key (a route's cover), an inline row (a route's stops, a homestay's gallery), or a StreamField
block (a room's photos, a body's image block). Inline rows are recorded against their page, so
one query on the index finds the pages, whatever app they belong to. The index is built from the
page row, which for a live page holds its published content: a draft that already replaced the
picture is still listed until it is published, which is what visitors see.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex
from wagtail.permissions import page_permission_policy

from portal.demo import DEMO_TAG
from portal.spreadsheets import SafeSpreadsheetExportMixin

# Editors, not owners: owners submit changes for review and never publish, and they could only
# ever replace the pictures of their own listings.
REQUIRED = "publish"


def demo_images() -> dict:
    """Demo pictures by id."""
    return {image.pk: image for image in get_image_model().objects.filter(tags__name=DEMO_TAG).distinct()}


def pages_using(image_ids) -> dict[int, list[tuple[int, str]]]:
    """Page id → [(image id, where on the page: the field path)] for these images, from the
    reference index (one query)."""
    image_type = ContentType.objects.get_for_model(get_image_model())
    page_type = ContentType.objects.get_for_model(Page)
    uses = defaultdict(list)
    rows = ReferenceIndex.objects.filter(to_content_type=image_type, to_object_id__in=[str(i) for i in image_ids], base_content_type=page_type).values_list(
        "object_id", "to_object_id", "model_path"
    )
    for page_id, image_id, model_path in rows:
        uses[int(page_id)].append((int(image_id), model_path))
    return uses


def live_pages_with_demo_images(user=None):
    """Live pages showing a demo picture (those `user` may edit), each with `demo_uses`:
    [(image, field path)]."""
    images = demo_images()
    uses = pages_using(images)
    pages = Page.objects.live().filter(pk__in=uses)
    if user is not None:
        pages = pages & page_permission_policy.instances_user_has_permission_for(user, "change")
    pages = pages.select_related("locale", "content_type").order_by("path")
    found = []
    for page in pages:
        page.demo_uses = [(images[i], where) for i, where in uses[page.pk] if i in images]
        found.append(page)
    return found


def field_label(model, model_path: str) -> str:
    """Where on the page a picture is used, in the editor's words: the field's or inline panel's
    name ("题图 Main image", an inline panel's heading), from the reference index's model path
    ("<relation>.item.image")."""
    name = model_path.split(".")[0]
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a path from an older schema: show it as it is
        return name
    if getattr(field, "one_to_many", False) and field.related_model is not None:
        return str(field.related_model._meta.verbose_name)
    return str(getattr(field, "verbose_name", name))


class DemoImagesColumn(Column):
    """The demo pictures on the page, each linking to its edit view (where it is replaced)."""

    def get_value(self, instance):
        seen, items = set(), []
        for image, where in instance.demo_uses:
            if image.pk in seen:
                continue
            seen.add(image.pk)
            items.append((reverse("wagtailimages:edit", args=(image.pk,)), image.title, field_label(instance.specific_class or Page, where)))
        return format_html("<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a> <small>（{}）</small></li>', items))


class DemoPicturesReportView(SafeSpreadsheetExportMixin, ReportView):
    page_title = _("待替换的演示图片")
    header_icon = "image"
    index_url_name = "portal_demo_pictures"
    index_results_url_name = "portal_demo_pictures_results"
    no_results_message = _("没有已发布的页面还在使用演示图片。")
    permission_policy = page_permission_policy
    any_permission_required = [REQUIRED]
    paginate_by = 50
    list_export = ["title", "url_path", "demo_images_export"]
    export_headings = {"title": _("页面"), "url_path": _("路径"), "demo_images_export": _("演示图片")}

    @cached_property
    def columns(self):
        return [
            TitleColumn("title", label=_("页面"), get_url=lambda page: reverse("wagtailadmin_pages:edit", args=(page.pk,))),
            Column("type_label", label=_("类型")),
            Column("locale_label", label=_("语言")),
            DemoImagesColumn("demo_images", label=_("演示图片（点击替换）")),
        ]

    def get_queryset(self):
        pages = live_pages_with_demo_images(self.request.user)
        for page in pages:
            page.type_label = page.content_type.model_class()._meta.verbose_name if page.content_type.model_class() else ""
            page.locale_label = page.locale.get_display_name() if page.locale_id else ""
            page.demo_images_export = "; ".join(sorted({image.title for image, _where in page.demo_uses}))
        return pages

    def get_filename(self):
        return "demo-pictures"


class DemoPicturesMenuItem(MenuItem):
    def is_shown(self, request):
        return page_permission_policy.user_has_permission(request.user, REQUIRED)


@hooks.register("register_admin_urls")
def register_urls():
    return [
        path("reports/demo-pictures/", DemoPicturesReportView.as_view(), name="portal_demo_pictures"),
        path("reports/demo-pictures/results/", DemoPicturesReportView.as_view(results_only=True), name="portal_demo_pictures_results"),
    ]


@hooks.register("register_reports_menu_item")
def register_menu_item():
    return DemoPicturesMenuItem(_("待替换的演示图片"), reverse("portal_demo_pictures"), name="demo-pictures", icon_name="image", order=650)
