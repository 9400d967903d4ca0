"""The three rural tourism routes (乡村旅游精品线路): route pages, their stops, downloads and facts."""

from __future__ import annotations

import hashlib

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, InlinePanel, MultiFieldPanel, ObjectList, PageChooserPanel, TabbedInterface
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.coreutils import resolve_model_string
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.models import Orderable, Page
from wagtail.search import index

from portal import offline
from portal.blocks import BaseStreamBlock
from portal.fields import GeoJSONField, MonthsField, months_label
from portal.geo import LINE_TYPES, feature
from portal.images import rendition_specs
from portal.layers import near
from portal.models import BasePage, SectionIndexPage
from portal.perf import live_translations, public
from portal.registry import registry
from portal.seo import SCHEMA, geo, image_url
from portal.widgets import MapWidget
from routes import exports, geometry
from routes.forms import RoutePageForm

THEME_CHOICES = [
    ("agriculture", _("休闲农业")),
    ("folk", _("民俗文化")),
    ("history", _("历史文化")),
    ("nature", _("自然生态")),
]

STOP_KINDS = [
    ("village", _("村庄")),
    ("scenic", _("景区")),
    ("heritage", _("寺院/文物")),
    ("farm", _("农园")),
    ("museum", _("博物馆")),
    ("service", _("服务点")),
]

# What visitors read: Chinese only (the English comes from translations), unlike the bilingual
# admin labels above.
THEME_LABELS = {"agriculture": _("休闲农业"), "folk": _("民俗文化"), "history": _("历史文化"), "nature": _("自然生态")}
KIND_LABELS = {"village": _("村庄"), "scenic": _("景区"), "heritage": _("寺院/文物"), "farm": _("农园"), "museum": _("博物馆"), "service": _("服务点")}

# Pages render pictures by portal.images preset and prefetch rendition_specs(preset); this one is
# the map thumbnail routes.layers prefetches.
THUMB_RENDITION = "fill-160x120|format-webp"

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("请填写颜色值，例如 #c2410c。"))


class LinkedPageChooserPanel(PageChooserPanel):
    """A page chooser limited to the pages a place may link to (a stop → the homestay or product
    there), as the other apps register them (`registry.register_place_page`): this app names none
    of them, and the admin keeps working when one is not installed."""

    def get_form_options(self):
        opts = super(PageChooserPanel, self).get_form_options()
        from wagtail.admin.widgets import AdminPageChooser

        targets = []
        for name in registry.place_pages:
            try:
                targets.append(resolve_model_string(name))
            except (LookupError, ValueError):
                continue
        opts.setdefault("widgets", {})[self.field_name] = AdminPageChooser(target_models=targets or None)
        return opts


class RouteIndexPage(SectionIndexPage):
    """The one 三条乡村旅游精品线路 section page; its children are listed here."""

    subpage_types = ["routes.RoutePage"]

    class Meta:
        verbose_name = _("线路栏目")

    def routes(self):
        return (
            public(RoutePage.objects.child_of(self).live())
            .select_related("hero_image", "locale")
            .prefetch_related(Prefetch("hero_image__renditions", queryset=_renditions(*rendition_specs("card"))))
            .annotate(stop_count=Count("stops"))
            .order_by("path")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        routes = list(self.routes())
        context["routes"] = routes
        context["routes_geo"] = {
            "type": "FeatureCollection",
            "features": [
                feature(r.geometry, name=r.title, url=r.get_url(request), kind="route", colour=r.colour, length_km=round(r.length_km, 1), summary=r.summary)
                for r in routes
                if r.geometry
            ],
        }
        return context


def _renditions(*specs):
    return get_image_model().get_rendition_model().objects.filter(filter_spec__in=specs)


def _nearest_once(pairs: list, limit: int) -> list[dict]:
    """(distance_km, feature) pairs, nearest first, as property dicts listing each page once: the
    products layer has one feature per origin, and a product grown at two villages along the line
    is still one product."""
    found, seen = [], set()
    for distance, feat in pairs:
        props = feat.get("properties") or {}
        key = props.get("url") or props.get("name")
        if key in seen:
            continue
        seen.add(key)
        found.append({**props, "distance_km": distance})
        if len(found) >= limit:
            break
    return found


class RoutePage(RoutablePageMixin, BasePage):
    """A route: a line on the map, ordered stops, the facts a visitor plans with, and downloads."""

    theme = models.CharField(_("主题"), max_length=20, choices=THEME_CHOICES, blank=True)
    summary = models.TextField(_("简介"), max_length=300, help_text=_("一两句话，显示在卡片、地图弹窗和搜索结果里。"))
    hero_image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("题图"))
    colour = models.CharField(_("线路颜色"), max_length=7, default="#c2410c", validators=[colour_validator], help_text=_("这条线路在地图上的颜色。"))
    geometry = GeoJSONField(
        _("线路"),
        geom_types=LINE_TYPES,
        null=True,
        help_text=_("在地图上画出线路（单击加点，双击结束）、修改各点，或在上方上传 GPS 轨迹。"),
    )
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("详细介绍"))

    duration = models.CharField(_("建议时长"), max_length=60, blank=True, help_text=_("e.g. 一日游（6–8 小时）"))
    best_months = MonthsField(_("最佳月份"), default=list, blank=True)
    distance_from_xining_km = models.PositiveIntegerField(_("距西宁"), null=True, blank=True, validators=[MaxValueValidator(1000)])
    by_car = models.TextField(_("自驾"), blank=True)
    by_bus = models.TextField(_("公共交通"), blank=True)
    practical_advice = RichTextField(_("实用建议"), blank=True, features=["bold", "italic", "link", "ul", "ol"])
    accessibility = models.TextField(_("无障碍"), blank=True, help_text=_("台阶、陡坡、轮椅通行、厕所、座椅等。"))
    altitude_note = models.TextField(_("海拔提示"), blank=True, help_text=_("选填：不填则按最高海拔自动生成一段说明。"))
    nearby_km = models.DecimalField(
        _("周边范围"),
        max_digits=4,
        decimal_places=1,
        default=5,
        validators=[MinValueValidator(0.5), MaxValueValidator(50)],
        help_text=_("距线路这个范围内的民宿和产品会列在页面上。"),
    )

    # Computed from the geometry on every save, so listings and the API need no geometry maths.
    length_km = models.FloatField(_("长度"), default=0, editable=False)
    ascent_m = models.IntegerField(_("累计爬升"), null=True, editable=False)
    descent_m = models.IntegerField(_("累计下降"), null=True, editable=False)
    max_alt_m = models.IntegerField(_("最高海拔"), null=True, editable=False)
    min_alt_m = models.IntegerField(_("最低海拔"), null=True, editable=False)

    parent_page_types = ["routes.RouteIndexPage"]
    subpage_types: list[str] = []
    base_form_class = RoutePageForm
    show_qr = True  # portal.seo serves a QR code of live routes, used by the print view
    template = "routes/route_page.html"

    content_panels = BasePage.content_panels + [
        MultiFieldPanel(
            [FieldPanel("theme"), FieldPanel("summary"), FieldPanel("hero_image"), FieldPanel("colour", widget=forms.TextInput(attrs={"type": "color"}))],
            _("概览"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("track_file"),
                FieldPanel("leaves_xining"),
                FieldPanel("waypoints_as_stops"),
                FieldPanel("track_report"),
                FieldPanel("geometry", widget=MapWidget(geom_types=LINE_TYPES, companion_points="stops")),
            ],
            _("线路"),
        ),
        InlinePanel(
            "stops",
            heading=_("站点"),
            label=_("站点"),
            help_text=_("按游览顺序排列。站点位置只是估计时取消勾选“坐标已核实”，页面上会注明。也可以在上方线路地图上拖动站点。"),
        ),
        FieldPanel("body"),
    ]
    practical_panels = [
        MultiFieldPanel([FieldPanel("duration"), FieldPanel("best_months"), FieldPanel("nearby_km")], _("计划")),
        MultiFieldPanel([FieldPanel("distance_from_xining_km"), FieldPanel("by_car"), FieldPanel("by_bus")], _("交通")),
        FieldPanel("practical_advice"),
        FieldPanel("accessibility"),
        FieldPanel("altitude_note"),
        HelpPanel(_("保存时按线路和海拔自动计算长度、爬升和最高点。")),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("内容")),
            ObjectList(practical_panels, heading=_("实用信息")),
            ObjectList(BasePage.promote_panels, heading=_("推广")),
            ObjectList(Page.settings_panels, heading=_("设置")),
        ]
    )

    search_fields = BasePage.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("practical_advice"),
        index.FilterField("theme"),
        index.RelatedFields("stops", [index.SearchField("name"), index.SearchField("description")]),
    ]
    api_fields = [
        APIField("theme"),
        APIField("summary"),
        APIField("colour"),
        APIField("geometry"),
        APIField("length_km"),
        APIField("ascent_m"),
        APIField("descent_m"),
        APIField("max_alt_m"),
        APIField("duration"),
        APIField("best_months"),
        APIField("stops"),
    ]

    class Meta:
        verbose_name = _("线路")

    # -- facts ----------------------------------------------------------------------------
    def update_facts(self) -> None:
        facts = geometry.measure(self.geometry)
        self.length_km = round(facts.length_km, 3)
        self.ascent_m, self.descent_m = facts.ascent_m, facts.descent_m
        self.max_alt_m, self.min_alt_m = facts.max_alt_m, facts.min_alt_m

    def save(self, *args, **kwargs):
        self.update_facts()
        return super().save(*args, **kwargs)

    @cached_property
    def profile(self):
        return geometry.profile_svg(geometry.measure(self.geometry).profile)

    @property
    def theme_label(self) -> str:
        return str(THEME_LABELS.get(self.theme, ""))

    @property
    def auto_altitude_note(self) -> str:
        return geometry.altitude_note(self.max_alt_m)

    @property
    def best_months_display(self) -> str:
        return months_label(self.best_months, short=True)

    # -- cards ---------------------------------------------------------------------------
    @property
    def card_image(self):
        return self.hero_image or self.share_image

    @property
    def card_summary(self) -> str:
        return self.summary or self.search_description or ""

    @property
    def card_meta(self) -> str:
        # "45 公里 · 一日游 · 最高 2,860 米": the same words as the route's facts ("↑ 2,860 m" read
        # as a climb of 2,860 m, and "km"/"m" as English leftovers on a Chinese card)
        parts = [f"{self.length_km:.0f} {_('公里')}"] if self.length_km else []
        if self.duration:
            parts.append(self.duration)
        if self.max_alt_m:
            parts.append(f"{_('最高')} {self.max_alt_m:,} {_('米')}")
        return " · ".join(parts)

    # -- structured data ------------------------------------------------------------------
    def get_structured_data(self, request) -> list[dict]:
        """A schema.org TouristTrip whose itinerary lists the stops in visiting order."""

        url = self.get_full_url(request)
        trip = {"@context": SCHEMA, "@type": "TouristTrip", "name": self.title, "url": url}
        if self.card_summary:
            trip["description"] = self.card_summary
        if self.card_image:
            trip["image"] = image_url(self.card_image, request)
        if self.theme:
            trip["touristType"] = self.theme_label
        stops = []
        # The page's own stop list when get_context fetched it already (no second query).
        for n, stop in enumerate(getattr(self, "_stop_list", None) or self.stops.all(), 1):
            attraction = {"@type": "TouristAttraction", "name": stop.name}
            if stop.description:
                attraction["description"] = stop.description
            if geo(stop.location):
                attraction["geo"] = geo(stop.location)
            stops.append({"@type": "ListItem", "position": n, "item": attraction})
        if stops:
            trip["itinerary"] = {"@type": "ItemList", "numberOfItems": len(stops), "itemListElement": stops}
        trip["provider"] = self.provider_organization(request)
        return super().get_structured_data(request) + [trip]

    # -- page ----------------------------------------------------------------------------
    def stop_list(self):
        """Stops in order with everything the page needs, in a fixed number of queries."""
        return list(
            self.stops.select_related("image", "link_page", "link_page__locale").prefetch_related(
                Prefetch("image__renditions", queryset=_renditions(*rendition_specs("stop"), THUMB_RENDITION))
            )
        )

    def geojson(self, stops, request=None) -> dict:
        """The page map's data: the line and numbered stops linking to their place on the page."""
        # path + fragment: the map module only follows links that start with "/" or http(s)
        here = self.get_url(request) or ""
        features = []
        if self.geometry:
            features.append(feature(self.geometry, name=self.title, kind="route", colour=self.colour, url=f"{here}#route-facts"))
        for n, stop in enumerate(stops, 1):
            if stop.location:
                along = getattr(stop, "along", None)  # km from the start, where get_context measured it
                props = {"along_km": along} if along is not None else {}
                features.append(
                    feature(stop.location, name=stop.name, kind=stop.kind, number=n, url=f"{here}#stop-{n}", summary=stop.description[:120], **props)
                )
        return {"type": "FeatureCollection", "features": features}

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        stops = self._stop_list = self.stop_list()
        for n, stop in enumerate(stops, 1):
            stop.number = n
            stop.anchor = f"stop-{n}"
            stop.along = None
            if stop.location:
                lon, lat = stop.location["coordinates"][:2]
                found = geometry.along_route_km(self.geometry, lon, lat)
                stop.along = round(found[0], 1) if found and found[1] < 2 else None
                if stop.altitude_m is None:
                    ele = geometry.nearest_elevation(self.geometry, lon, lat)
                    stop.estimated_altitude = round(ele) if ele is not None else None
        km = float(self.nearby_km or 5)
        # One query for the three lists, reading the rows near the line, however much each layer holds.
        found = near(["homestays", "products", "stations"], self.geometry, km) if self.geometry else {}
        context.update(
            stops=stops,
            route_geo=self.geojson(stops, request),
            nearby_homestays=_nearest_once(found.get("homestays", []), 6),
            nearby_products=_nearest_once(found.get("products", []), 6),
            nearby_stations=_nearest_once(found.get("stations", []), 6),
            offline_pack=self.offline_pack_info(request),
            related_events=registry.related_for("events", self, 4),
            related_news=registry.related_for("news", self, 4),
            altitude_text=self.altitude_note or self.auto_altitude_note,
        )
        return context

    def serve_preview(self, request, mode_name):
        self.update_facts()
        return super().serve_preview(request, mode_name)

    # -- downloads -----------------------------------------------------------------------
    def get_cached_paths(self):
        # Purged with the page (portal.cache): the downloads carry the same line and stops.
        return ["/", "gpx/", "kml/", "geojson/", "print/", "offline/"]

    def _export(self, request, builder):
        return builder(self, list(self.stops.all()), self.get_full_url(request) or "")

    # Wagtail page paths cannot contain dots, so downloads live at gpx/, kml/ and geojson/; the
    # file name comes from Content-Disposition. Private (not public) downloads: portal.cache
    # does not keep the Content-Disposition header of a cached response.
    @path("gpx/", name="gpx")
    def gpx(self, request):
        return exports.download_response(self._export(request, exports.to_gpx), "application/gpx+xml; charset=utf-8", self, "gpx")

    @path("kml/", name="kml")
    def kml(self, request):
        return exports.download_response(self._export(request, exports.to_kml), "application/vnd.google-earth.kml+xml; charset=utf-8", self, "kml")

    @path("geojson/", name="geojson")
    def geojson_download(self, request):
        doc = self._export(request, exports.to_geojson)
        return exports.download_response(exports.geojson_bytes(doc), "application/geo+json; charset=utf-8", self, "geojson")

    # -- offline pack --------------------------------------------------------------------
    def _pack_copies(self, request) -> list:
        """The live, public language copies of this route, this one first; none when this one is
        private (the ones the language switcher links, usually known without a query)."""

        copies = sorted(live_translations(self, request), key=lambda p: (p.pk != self.pk, p.locale.language_code))
        return copies if copies and copies[0].pk == self.pk else []

    def offline_pack_info(self, request, copies: list | None = None) -> dict | None:
        """The pack's key (one for every language copy), its version, which changes whenever any
        copy is published again, and the languages it can hold; None for a private route."""
        copies = self._pack_copies(request) if copies is None else copies
        if not copies:
            return None

        published = max((p.last_published_at for p in copies if p.last_published_at), default=None)
        version = "-".join(str(p.live_revision_id or 0) for p in sorted(copies, key=lambda p: p.locale_id))
        # the alerts on the route are in the pack's pages: a new or changed one is an update too
        alerts = registry.related_for("alerts", self, 0)
        if alerts:
            version += "-a" + hashlib.sha256(",".join(f"{a.pk}:{a.ends_at.timestamp():.0f}:{a.title}" for a in alerts).encode()).hexdigest()[:8]
        return {
            "key": f"route-{self.translation_key.hex[:12]}",
            "version": version,
            "published": published.isoformat() if published else "",
            "lang": copies[0].locale.language_code,
            "other_lang": next((p.locale.language_code for p in copies[1:]), ""),
        }

    @path("offline/", name="offline")
    def offline_manifest(self, request):
        """What the visitor's browser stores for this route offline (portal.offline), with sizes."""

        copies = self._pack_copies(request)
        info = self.offline_pack_info(request, copies)
        if info is None:
            raise Http404
        documents = []
        for page in copies:
            url = page.get_url(request)
            lang = page.locale.language_code
            documents += [{"url": url, "lang": lang, "kind": "page"}]
            documents += [{"url": url + self.reverse_subpage(name), "lang": lang, "kind": name} for name in ("print", "gpx")]
        manifest = offline.pack_manifest(
            request,
            key=info["key"],
            title=self.title,
            url=self.get_url(request),
            version=info["version"],
            published=info["published"],
            documents=documents,
            geometry=self.geometry,
        )
        return JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})

    @path("print/", name="print")
    def print_view(self, request):
        context = self.get_context(request)
        stops = context["stops"]
        context["sketch"] = geometry.sketch_svg(
            self.geometry, [(s.number, *s.location["coordinates"][:2]) for s in stops if s.location and s.location.get("type") == "Point"]
        )
        return render(request, "routes/route_print.html", context)


class RouteStop(Orderable):
    page = ParentalKey(RoutePage, on_delete=models.CASCADE, related_name="stops")
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=20, choices=STOP_KINDS, default="village")
    location = GeoJSONField(_("位置"), geom_types=("Point",), null=True, help_text=_("点击地图放置站点，拖动标记可移动。"))
    location_checked = models.BooleanField(_("坐标已核实"), default=True, help_text=_("位置只是估计、还需在地图上核实时，请取消勾选。"))
    description = models.TextField(_("简介"), blank=True, max_length=2000)
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("图片"))
    altitude_m = models.PositiveIntegerField(_("海拔"), null=True, blank=True, validators=[MaxValueValidator(9000)])
    opening = models.CharField(_("开放季节/时间"), max_length=120, blank=True, help_text=_("e.g. 全年 8:00–17:30；6–10月"))
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("相关页面"),
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
        FieldPanel("location"),
        FieldPanel("location_checked"),
        FieldPanel("description"),
        FieldPanel("image"),
        FieldRowPanel([FieldPanel("altitude_m"), FieldPanel("opening")]),
        LinkedPageChooserPanel("link_page"),
    ]
    api_fields = [APIField("name"), APIField("kind"), APIField("location"), APIField("altitude_m"), APIField("opening"), APIField("description")]

    class Meta(Orderable.Meta):
        verbose_name = _("站点")
        verbose_name_plural = _("站点")

    def __str__(self):
        return self.name

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, ""))

    @property
    def lonlat(self):
        if self.location and self.location.get("type") == "Point":
            return self.location["coordinates"][:2]
        return None
