"""The admin's CSV upload for service stations (editors only; the importer is products.importers)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from products.forms import StationImportForm, station_csv_max_bytes
from products.importers import COLUMNS, REQUIRED, import_stations


def can_import_stations(user) -> bool:
    """Importing creates and changes stations in bulk, so it needs both permissions."""
    return bool(user and user.is_authenticated and user.has_perms(["products.add_servicestation", "products.change_servicestation"]))


class StationImportView(WagtailAdminTemplateMixin, FormView):
    template_name = "products/admin/import_stations.html"
    form_class = StationImportForm
    page_title = _("导入电商服务站")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not can_import_stations(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        from django.urls import reverse

        return self.breadcrumbs_items + [
            {"url": reverse("wagtailsnippets_products_servicestation:list"), "label": _("电商服务站")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = [(name, aliases[1:], name in REQUIRED) for name, aliases in COLUMNS.items()]
        context["max_kb"] = station_csv_max_bytes() // 1024
        return context

    def form_valid(self, form):
        report = import_stations(form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"], max_bytes=station_csv_max_bytes())
        return self.render_to_response(self.get_context_data(form=self.form_class(), report=report), status=200 if report.ok else 400)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
