"""The 河湟田源 admin menu: producers, service stations (with CSV import/export) and 一村一品."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet, SnippetViewSetGroup

from portal.spreadsheets import SafeSpreadsheetExportMixin
from products.admin_views import StationImportView, can_import_stations
from products.models import Producer, ServiceStation, VillageProduct


class ProducerViewSet(SnippetViewSet):
    model = Producer
    icon = "group"
    menu_label = _("生产者")
    list_display = ["name", "kind", "county", "village", "phone"]
    list_filter = ["kind", "county"]
    ordering = ["name"]


class StationIndexView(SafeSpreadsheetExportMixin, IndexView):
    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can_import_stations(self.request.user):
            buttons.append(HeaderButton(_("从 CSV 导入"), url=reverse("products_import_stations:index"), icon_name="upload"))
        return buttons


class ServiceStationViewSet(SnippetViewSet):
    model = ServiceStation
    icon = "site"
    menu_label = _("电商服务站")
    index_view_class = StationIndexView
    list_display = ["name", "level", "county", "township", "code", BooleanColumn("location_checked", label=_("位置已核实"))]
    list_filter = ["level", "county", "location_checked"]
    list_per_page = 50
    # Exported with the importer's column names, so export → edit in Excel → import round-trips.
    list_export = [
        "code",
        "level",
        "name",
        "county",
        "township",
        "village",
        "address",
        "latitude",
        "longitude",
        "contact_person",
        "phone",
        "opening_hours",
        "goods",
    ]
    export_headings = {name: name for name in list_export}
    export_filename = "service-stations"


class VillageProductViewSet(SnippetViewSet):
    model = VillageProduct
    icon = "home"
    menu_label = _("一村一品")
    list_display = ["village", "county", "township", "products"]
    list_filter = ["county"]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_import_stations(request.user)


class StationImportViewSet(ViewSet):
    """The CSV upload, as a viewset so it sits in the 河湟田源 menu group next to the stations."""

    name = "products_import_stations"
    url_prefix = "products/import-stations"
    icon = "upload"
    menu_label = _("导入服务站")
    menu_item_class = ImportMenuItem

    def get_urlpatterns(self):
        return [path("", StationImportView.as_view(), name="index")]


class ProductsMenu(SnippetViewSetGroup):
    menu_label = _("河湟田源")
    menu_icon = "tag"
    menu_order = 250
    items = (ProducerViewSet, ServiceStationViewSet, StationImportViewSet, VillageProductViewSet)


register_snippet(ProductsMenu)
