"""Licences (证照) in the admin: owners enter them, editors verify. Hooks registered on import (wagtail_hooks).

- 证照 in the sidebar (`homestays/licences/`): an owner's listings with the state of each licence;
  for editors, the licences waiting for verification, expiring within 30 days and expired.
- A listing's licences (`homestays/<page_id>/licences/`): the four kinds, each with its number,
  expiry date and scan; the owner submits them, an editor verifies (核验通过) or sends one back
  with a note (退回). A verified licence is read-only for its owner until it expires or an editor
  sends it back; a POST that tries anyway is refused (403) and changes nothing.
- The scan (`homestays/licences/<pk>/scan/`): for editors and the listing's owner only (404 for
  anyone else), never cached. Scans live on private storage (PORTAL_PRIVATE_MEDIA_ROOT).

Who is who: an editor is `can_manage(user)`; an owner may reach only listings where
`page.owner_id == user.pk`. Another owner's listing or scan is a 404, whatever its id.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import Button

from homestays.admin_views import can_manage
from homestays.licences import EXPIRING_DAYS, Status, clean_scan, expiring_soon, owner_may_change, scan_content_type, status_of
from homestays.models import HomestayPage, Licence, LicenceKind
from homestays.owners import is_owner, listings_for

# ------------------------------------------------------------------------------ access


def may_see_listing(user, listing) -> bool:
    return can_manage(user) or (user.is_authenticated and listing.owner_id == user.pk)


def visible_listing(user, page_id) -> HomestayPage:
    """The listing, or a 404 for anyone who is neither an editor nor its owner."""
    listing = get_object_or_404(HomestayPage.objects.select_related("owner"), pk=page_id)
    if not may_see_listing(user, listing):
        raise Http404
    return listing


def may_change(user, licence, today=None) -> bool:
    return can_manage(user) or owner_may_change(licence, today)


# ------------------------------------------------------------------------------ form


class LicenceForm(forms.Form):
    number = forms.CharField(label=_("证照编号"), max_length=60, error_messages={"required": _("请填写证照上的编号。")})
    expires = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("长期有效的不填"),
    )
    scan = forms.FileField(
        label=_("照片或扫描件"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
        help_text=_("拍清楚整张证照，JPEG、PNG、WebP 或 PDF，最大 10 MB。不公开，只给编辑核验用。"),
    )

    def __init__(self, *args, licence=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.licence = licence

    def clean_number(self):
        return " ".join(self.cleaned_data["number"].split())

    def clean_scan(self):
        upload = self.cleaned_data.get("scan")
        if not upload:
            if self.licence is None or not self.licence.scan:
                raise forms.ValidationError(_("请上传证照的照片或扫描件。"))
            return None
        return clean_scan(upload)


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("退回原因"), max_length=200, error_messages={"required": _("请写明退回原因，业主会看到。")})


# ------------------------------------------------------------------------------ views


class ListingLicencesView(WagtailAdminTemplateMixin, TemplateView):
    """The four licences of one listing (see the module docstring)."""

    template_name = "homestays/admin/licences.html"
    page_title = _("证照")
    header_icon = "doc-full"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.today = timezone.localdate()

    def dispatch(self, request, *args, **kwargs):
        self.listing = visible_listing(request.user, kwargs["page_id"])
        self.editor = can_manage(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.listing.title

    def get_breadcrumbs_items(self):
        return []

    @cached_property
    def licences(self) -> dict:
        return {licence.kind: licence for licence in self.listing.licences.select_related("verified_by")}

    def cards(self, bound_kind=None, bound_form=None, return_form=None):
        cards = []
        for kind, label in LicenceKind.choices:
            licence = self.licences.get(kind)
            code, status = status_of(licence, self.today)
            editable = may_change(self.request.user, licence, self.today)
            form = None
            if editable:
                if kind == bound_kind and bound_form is not None:
                    form = bound_form
                else:
                    initial = {"number": licence.number, "expires": licence.expires} if licence else {}
                    form = LicenceForm(prefix=kind, initial=initial, licence=licence)
            cards.append(
                {
                    "kind": kind,
                    "label": label,
                    "licence": licence,
                    "status": code,
                    "status_label": status,
                    "expiring": code == Status.VERIFIED and expiring_soon(licence, self.today),
                    "form": form,
                    "form_open": licence is None or kind == bound_kind or code in (Status.RETURNED, Status.EXPIRED),
                    "return_form": return_form if (kind == bound_kind and return_form is not None) else ReturnForm(prefix=f"{kind}-return"),
                    "scan_url": reverse("homestays_licence_scan", args=(licence.pk,)) if licence and licence.scan else "",
                }
            )
        return cards

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            listing=self.listing,
            editor=self.editor,
            expiring_days=EXPIRING_DAYS,
            index_url=reverse("homestays_licence_index"),
        )
        context.setdefault("cards", self.cards())
        return context

    def post(self, request, *args, **kwargs):
        kind = request.POST.get("kind", "")
        if kind not in LicenceKind.values:
            return HttpResponseBadRequest(_t("未知的证照类别。"))
        action = request.POST.get("action", "save")
        if action == "save":
            return self.save(kind)
        if action in ("verify", "return"):
            if not self.editor:
                return HttpResponseForbidden(_t("只有编辑可以核验证照。"))
            return self.verify(kind) if action == "verify" else self.send_back(kind)
        return HttpResponseBadRequest(_t("未知的操作。"))

    def _locked(self, kind) -> Licence | None:
        return Licence.objects.select_for_update().filter(listing=self.listing, kind=kind).first()

    def save(self, kind):
        request = self.request
        with transaction.atomic():
            licence = self._locked(kind)
            if not may_change(request.user, licence, self.today):
                return HttpResponseForbidden(_t("这个证照已核验，不能修改。到期后或编辑退回后才能重新提交。"))
            form = LicenceForm(request.POST, request.FILES, prefix=kind, licence=licence)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(cards=self.cards(kind, form)), status=400)
            data = form.cleaned_data
            old_scan = None
            if licence is None:
                licence = Licence(listing=self.listing, kind=kind)
            licence.number = data["number"]
            licence.expires = data["expires"]
            if data["scan"] is not None:
                old_scan = licence.scan.name if licence.scan else None
                licence.scan = data["scan"]
            # A new submission: verified again by an editor before any badge shows.
            licence.verified_at = None
            licence.verified_by = None
            licence.note = ""
            licence.reminded_for = None
            licence.created = timezone.now()
            licence.save()
            if old_scan:
                storage = licence.scan.storage
                transaction.on_commit(lambda: storage.delete(old_scan))
        messages.success(request, _t("已提交%(kind)s，等待编辑核验。") % {"kind": licence.get_kind_display()})
        return redirect(self.request.path)

    def verify(self, kind):
        with transaction.atomic():
            licence = self._locked(kind)
            if licence is None:
                return HttpResponseBadRequest(_t("还没有这个证照。"))
            licence.verified_at = timezone.now()
            licence.verified_by = self.request.user
            licence.note = ""
            licence.save()
        messages.success(self.request, _t("%(kind)s 已核验通过。") % {"kind": licence.get_kind_display()})
        return redirect(self.request.path)

    def send_back(self, kind):
        form = ReturnForm(self.request.POST, prefix=f"{kind}-return")
        with transaction.atomic():
            licence = self._locked(kind)
            if licence is None:
                return HttpResponseBadRequest(_t("还没有这个证照。"))
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(cards=self.cards(kind, return_form=form)), status=400)
            licence.verified_at = None
            licence.verified_by = None
            licence.note = form.cleaned_data["note"]
            licence.save()
        messages.warning(self.request, _t("已退回%(kind)s，业主会看到退回原因。") % {"kind": licence.get_kind_display()})
        return redirect(self.request.path)


def editor_lists(today=None) -> dict:
    """The licences editors act on: waiting for verification, expiring soon, expired."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=EXPIRING_DAYS)
    base = Licence.objects.select_related("listing", "listing__owner").order_by("expires", "created")
    return {
        "pending": list(base.filter(verified_at__isnull=True, note="").exclude(expires__lt=today).order_by("created")),
        "expiring": list(base.filter(verified_at__isnull=False, expires__gte=today, expires__lte=soon)),
        "expired": list(base.filter(expires__lt=today)),
    }


class LicenceIndexView(WagtailAdminTemplateMixin, TemplateView):
    """Editors: what waits for them. Owners: their own listings and the state of each licence."""

    template_name = "homestays/admin/licence_index.html"
    page_title = _("证照")
    header_icon = "doc-full"

    def get_breadcrumbs_items(self):
        return []

    def dispatch(self, request, *args, **kwargs):
        if not (can_manage(request.user) or is_owner(request.user)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        editor = can_manage(self.request.user)
        context.update(editor=editor, today=today, expiring_days=EXPIRING_DAYS)
        if editor:
            context.update(editor_lists(today))
        listings = listings_for(self.request.user).prefetch_related("licences")
        rows = []
        for page in listings:
            by_kind = {licence.kind: licence for licence in page.licences.all()}
            kinds = []
            for kind, label in LicenceKind.choices:
                licence = by_kind.get(kind)
                code, status = status_of(licence, today)
                kinds.append({"label": label, "status": code, "status_label": status, "expiring": code == Status.VERIFIED and expiring_soon(licence, today)})
            rows.append({"page": page, "kinds": kinds})
        context["own_listings"] = rows
        return context


def licence_scan(request, pk):
    """The scan of a licence, for editors and the listing's owner; a 404 for anyone else."""
    licence = get_object_or_404(Licence.objects.select_related("listing"), pk=pk)
    if not licence.scan or not may_see_listing(request.user, licence.listing):
        raise Http404
    try:
        handle = licence.scan.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    ext = licence.scan.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(handle, content_type=scan_content_type(licence.scan.name))
    response["X-Content-Type-Options"] = "nosniff"
    disposition = "attachment" if ext == "pdf" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="licence-{licence.pk}-{licence.kind}.{ext}"'
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


# ------------------------------------------------------------------------------ dashboard


class LicencePanel(Component):
    """Editors' dashboard: licences waiting, expiring within 30 days, or expired."""

    name = "homestay_licences"
    order = 60
    template_name = "homestays/admin/licence_panel.html"

    def __init__(self, lists):
        self.lists = lists

    def get_context_data(self, parent_context=None):
        return {**self.lists, "index_url": reverse("homestays_licence_index"), "expiring_days": EXPIRING_DAYS}


# ------------------------------------------------------------------------------ hooks


@hooks.register("register_admin_urls")
def register_licence_urls():
    return [
        path("homestays/licences/", LicenceIndexView.as_view(), name="homestays_licence_index"),
        path("homestays/licences/<int:pk>/scan/", licence_scan, name="homestays_licence_scan"),
        path("homestays/<int:page_id>/licences/", ListingLicencesView.as_view(), name="homestays_licences"),
    ]


class LicenceMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage(request.user) or is_owner(request.user)


@hooks.register("register_admin_menu_item")
def register_licence_menu_item():
    return LicenceMenuItem(_("证照"), reverse("homestays_licence_index"), name="homestay-licences", icon_name="doc-full", order=207)


@hooks.register("register_page_header_buttons")
def licences_button(page, user, view_name=None, next_url=None):
    if isinstance(page.specific_deferred, HomestayPage) and may_see_listing(user, page):
        yield Button(_("证照"), reverse("homestays_licences", args=(page.pk,)), icon_name="doc-full", priority=62)


@hooks.register("construct_homepage_panels")
def add_licence_panel(request, panels):
    if not can_manage(request.user):
        return
    lists = editor_lists()
    if any(lists.values()):
        panels.append(LicencePanel(lists))
