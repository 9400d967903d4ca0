"""The admin map widget: pick a point or draw a line on Leaflet, stored as GeoJSON. No GDAL.

Built on django-leaflet's vendored Leaflet and Leaflet.draw (static files only: its form widget
needs GeoDjango). The GeoJSON textarea stays the source of truth, so a value nobody touched on
the map is posted back byte for byte; editors can open it under "高级" (advanced), while users the
panel says should not (homestay owners, portal.panels.MapFieldPanel) get the map alone. portal/static/portal/js/admin-map.js enhances every
`[data-map-widget]` it finds, including InlinePanel rows and StreamField blocks added later.
"""

from __future__ import annotations

import json

from django import forms
from django.core.cache import cache
from django.utils.html import format_html
from django.utils.translation import gettext as _

from portal.models import PortalSettings
from portal.tiles import tile_config

TILES_CACHE_KEY = "portal:admin-map-tiles"


def admin_tile_config() -> dict:
    """The default site's tile provider (portal.tiles), cached briefly: a route form renders one widget per stop."""

    def compute():
        portal_settings = None
        try:
            from wagtail.models import Site

            site = Site.objects.filter(is_default_site=True).first()
            portal_settings = PortalSettings.for_site(site) if site else None
        except Exception:  # noqa: BLE001 - during migrations the settings table may not exist yet
            portal_settings = None
        return tile_config(portal_settings)

    return cache.get_or_set(TILES_CACHE_KEY, compute, 60)


def _strings() -> dict:
    # Chinese source strings; the English admin reads them from locale/en (no bilingual labels)
    return {
        "clear": _("清除"),
        "fit": _("显示全部"),
        "pointHelp": _("点击地图放置位置，拖动标记可移动。"),
        "lineHelp": _("用左侧的线条工具画线：单击添加点，单击最后一点结束；编辑工具可拖动各点。"),
        "noValue": _("尚未设置位置。"),
        "badJson": _("GeoJSON 无法解析，地图未更新。"),
        "points": _("%(n)s 个点"),
        "segments": _("%(n)s 段"),
        "elevations": _("含海拔"),
        "drawLine": _("画线"),
        "finish": _("完成"),
        "undo": _("撤销最后一点"),
        "cancel": _("取消"),
        "edit": _("编辑线路"),
        "remove": _("删除线路"),
        "save": _("保存"),
        "clearAll": _("全部清除"),
        "startLine": _("单击开始画线"),
        "continueLine": _("单击继续"),
        "endLine": _("单击最后一点结束"),
        "stop": _("站点"),
        "dragStops": _("站点标记可拖动"),
        "zoomIn": _("放大"),
        "zoomOut": _("缩小"),
    }


class MapWidget(forms.Textarea):
    """A GeoJSON textarea with a Leaflet map above it (Point picker or line drawing).

    `companion_points` names an InlinePanel formset (a route's stops) whose `location` fields are shown
    as numbered, draggable markers on this map, so an editor can place stops along the line.
    """

    def __init__(self, attrs=None, geom_types=("Point",), companion_points: str = "", show_raw: bool = True):
        self.geom_types = tuple(geom_types)
        self.companion_points = companion_points
        # portal.panels.MapFieldPanel turns this off for users who should only see the map
        self.show_raw = show_raw
        super().__init__(attrs={"rows": 4, "class": "geojson-input", "spellcheck": "false", **(attrs or {})})

    @property
    def media(self):
        return forms.Media(
            css={"all": ["leaflet/leaflet.css", "leaflet/draw/leaflet.draw.css", "portal/css/admin-map.css"]},
            js=["leaflet/leaflet.js", "leaflet/draw/leaflet.draw.js", "portal/js/gcj02.js", "portal/js/admin-map.js"],
        )

    def format_value(self, value):
        # forms.JSONField prepares an empty value as the text "null"; editors should see an empty box
        if value in (None, "null"):
            return None
        return super().format_value(value)

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        options = {
            "geomTypes": list(self.geom_types),
            "tiles": admin_tile_config(),
            "companion": self.companion_points,
            "i18n": _strings(),
        }
        is_point = self.geom_types == ("Point",)
        if self.show_raw:
            # closed: the map is the way to edit; the text is "advanced", one click away
            raw = format_html(
                '<details class="map-widget__raw" data-map-widget-raw><summary>{}</summary>{}</details>',
                _("高级：GeoJSON 原始数据（可直接编辑）"),
                textarea,
            )
        else:
            raw = format_html('<div class="map-widget__raw" hidden>{}</div>', textarea)
        return format_html(
            '<div class="map-widget{}" data-map-widget data-options="{}">'
            '<div class="map-widget__map" data-map-widget-map role="application" aria-label="{}"></div>'
            '<p class="map-widget__status" data-map-widget-status aria-live="polite"></p>'
            "{}"
            "</div>",
            " map-widget--point" if is_point else " map-widget--line",
            json.dumps(options, ensure_ascii=False, separators=(",", ":")),
            _("地图"),
            raw,
        )
