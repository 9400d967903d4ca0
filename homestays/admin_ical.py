"""外部日历同步 in the admin: an owner pastes an OTA's iCal link per room type. Hooks register on import
(wagtail_hooks imports this module).

/admin/homestays/<page id>/calendar/import/ lists the listing's room types, each with its link, the
last fetch, the last success, the error in plain words, the nights imported and a 立即同步 button.
Owners reach only their own listings (anything else is a 404, a room of another listing too);
editors reach every listing. Saving an empty link removes the import and the nights it marked.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from homestays.admin_views import can_manage
from homestays.availability import replace_source
from homestays.ical import SOURCE, check_url, export_url, sync, timeout_seconds
from homestays.models import CalendarImport, HomestayPage
from portal.i18n import default_language


class CalendarUrlForm(forms.Form):
    url = forms.CharField(
        label=_("外部日历链接 (iCal)"),
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://www.airbnb.cn/calendar/ical/….ics", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("在 Airbnb、Booking 或途家后台“导出日历”得到的链接；留空保存即停止同步。"),
    )

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        return check_url(url) if url else ""


def listing_for(user, page_id: int) -> HomestayPage:
    """The listing if this user may manage its calendars, else 404 (never say whose it is)."""
    page = get_object_or_404(HomestayPage, pk=page_id)
    if can_manage(user) or (user.is_authenticated and page.owner_id == user.pk):
        return page
    raise Http404


class CalendarImportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "homestays/admin/calendar_import.html"
    page_title = _("外部日历同步")
    header_icon = "calendar"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.listing = listing_for(request.user, kwargs["page_id"])

    def dispatch(self, request, *args, **kwargs):
        # Nights are kept on the default-language page's rooms (availability.source_rooms): a
        # translation's import page is its original's.

        original = HomestayPage.objects.filter(translation_key=self.listing.translation_key, locale__language_code=default_language()).first()
        if original is not None and original.pk != self.listing.pk:
            return redirect(calendar_import_url(original))
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.listing.title

    def rows(self, bound: dict | None = None) -> list[dict]:
        bound = bound or {}
        imports = {item.room_id: item for item in CalendarImport.objects.filter(room__page=self.listing)}
        rows = []
        for room in self.listing.rooms.all():
            item = imports.get(room.pk)
            form = bound.get(room.pk) or CalendarUrlForm(prefix=f"room-{room.pk}", initial={"url": item.url if item else ""})
            rows.append({"room": room, "item": item, "form": form, "export_url": export_url(self.listing, room, self.request)})
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            listing=self.listing,
            rows=kwargs.get("rows") or self.rows(),
            listing_export_url=export_url(self.listing, request=self.request),
            timeout=timeout_seconds(),
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            room_id = int(request.POST.get("room", ""))
        except ValueError:
            raise Http404
        room = get_object_or_404(self.listing.rooms.all(), pk=room_id)  # another listing's room: 404
        item = CalendarImport.objects.filter(room=room).first()

        if request.POST.get("action") == "sync":
            if item is None:
                messages.error(request, _t("“%(room)s”还没有填写外部日历链接。") % {"room": room.room_type})
            else:
                self.report(sync(item), room)
            return redirect(request.path)

        form = CalendarUrlForm(request.POST, prefix=f"room-{room.pk}")
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(rows=self.rows({room.pk: form})), status=400)
        url = form.cleaned_data["url"]
        if not url:
            if item is not None:
                item.delete()
            replace_source(room, set(), source=SOURCE)
            messages.success(request, _t("已停止同步“%(room)s”的外部日历，导入的日期已清除。") % {"room": room.room_type})
            return redirect(request.path)
        if item is not None and item.url == url:
            messages.info(request, _t("链接没有变化。"))
            return redirect(request.path)
        if item is None:
            item = CalendarImport(room=room)
        item.url = url
        item.error, item.error_notified = "", False
        item.save()
        item.room = room
        messages.success(request, _t("已保存“%(room)s”的外部日历链接。") % {"room": room.room_type})
        self.report(sync(item), room)  # at once, so the owner sees whether the link works
        return redirect(request.path)

    def report(self, result, room):
        if result.ok:
            text = _t("“%(room)s”已同步：外部日历里有 %(nights)s 晚满房。") % {"room": room.room_type, "nights": result.nights}
            if result.note:
                text += _t("（%(note)s）") % {"note": result.note}
            messages.success(self.request, text)
        else:
            messages.error(self.request, _t("“%(room)s”同步失败：%(error)s") % {"room": room.room_type, "error": result.error})


@hooks.register("register_admin_urls")
def register_calendar_import_urls():
    return [path("homestays/<int:page_id>/calendar/import/", CalendarImportView.as_view(), name="homestays_calendar_import")]


def calendar_import_url(page) -> str:
    return reverse("homestays_calendar_import", args=(page.pk,))
