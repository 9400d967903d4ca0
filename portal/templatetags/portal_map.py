"""Template side of the map module: everything map.js needs, as one JSON data attribute.

Page templates never configure Leaflet themselves (see portal/templates/portal/includes/map.html);
this tag gathers the tile provider, the registry layers and the translated interface strings so the
same static map.js can serve every map without inline script (the CSP forbids it).
"""

import json
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.layers import layer_info
from portal.registry import registry
from portal.tiles import tile_config_for_request

register = template.Library()


def _strings() -> dict:
    return {
        "details": _("查看详情"),
        "distance": _("距离 %(km)s 公里"),
        "tilesFailed": _("底图暂时无法加载，路线和地点照常显示。"),
        "loadFailed": _("图层加载失败：%(layer)s"),
        "kinds": {code: str(label) for code, label in registry.kind_labels().items()},
        "glyphs": registry.kind_glyphs(),
        "nearLocating": _("正在获取你的位置…"),
        "nearSearching": _("正在查找附近的地点…"),
        "nearFound": _("%(count)s 个地点在 %(km)s 公里内，由近到远："),
        "nearNone": _("%(km)s 公里内没有找到地点。可以扩大范围再试。"),
        "nearDenied": _("你没有允许定位。可以改用地图中心查找附近的地点。"),
        "nearUnavailable": _("暂时无法获取你的位置。可以改用地图中心查找附近的地点。"),
        "nearUnsupported": _("这个浏览器不支持定位。可以改用地图中心查找附近的地点。"),
        "nearNoLayers": _("请至少选择一个图层。"),
        "you": _("你的位置"),
        "centre": _("地图中心"),
        # cluster bubbles say "places", so a count is never read as a route's stop number
        "clusterUnit": _("处"),
        "clusterLabel": _("%(count)s 个地点，点击放大查看"),
    }


@register.simple_tag(takes_context=True)
def portal_map_config(context, layers="", data_id="", cluster=None, cluster_inline=None, query=""):
    """JSON for the data-config attribute of an include's map wrapper.

    `layers` is a comma-separated list of registry layer names; unknown names are kept (with their
    default label and colour) so a page can list a layer before the app that serves it lands.
    `cluster_inline` ("1") clusters the points of the page's own data too: right for a list of
    results (the homestay index), wrong for a page's subject (a route's numbered stops).
    `query` is added to every layer request: an index page's filters, which the layer's
    `select` understands, so its map shows the matches without the page carrying them.
    """
    names = [n.strip() for n in (layers or "").split(",") if n.strip()]
    api = reverse("geo_layer", kwargs={"name": "__layer__"})
    language = get_language()
    if language and language != settings.LANGUAGE_CODE:
        api += "?" + urlencode({"lang": language})  # English pages get the English layers
    config = {
        "tiles": tile_config_for_request(context.get("request")),
        "api": api,
        "layers": layer_info(names),
        "data": data_id or "",
        "query": query or "",
        "cluster": bool(names) if cluster in (None, "") else str(cluster).lower() not in ("0", "false", "no", "off"),
        "clusterInline": bool(data_id) and str(cluster_inline or "").lower() in ("1", "true", "yes", "on"),
        "i18n": _strings(),
        # the portal's own place-name underlay, drawn when tiles cannot load (scripts/build_basemap.py)
        "basemap": {
            "url": static("portal/basemap/xining-places.geojson"),
            "lang": "en" if (language or "").startswith("en") else "zh",
            "attribution": _("地名：本站"),
        },
    }
    return json.dumps(config, ensure_ascii=False, separators=(",", ":"))
