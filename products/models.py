"""河湟田源: Xining's regional public brand for farm products, their producers and where to buy them.

Products are pages (editors write their story and publish them); producers, the e-commerce service
stations and the 一村一品 villages are snippets, because they are reference data shared by many
products and kept as lists (the stations are even maintained as a spreadsheet, see importers.py).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultipleChooserPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import Orderable, PageManager, TranslatableMixin
from wagtail.query import PageQuerySet
from wagtail.search import index

from portal.api_fields import RequestImageRenditionField
from portal.blocks import BaseStreamBlock
from portal.chooser_checks import ChooserCheckedModelForm
from portal.fields import GeoJSONField, MonthsField, months_label
from portal.filters import status_for
from portal.images import rendition_specs
from portal.models import BasePage, SectionIndexPage
from portal.perf import private_exists
from portal.places import County, place_name
from portal.registry import registry
from portal.seo import SCHEMA, breadcrumb_list, geo, image_url, postal_address
from products.panels import LinkedProductsPanel

# Pages render pictures by portal.images preset; these are for map layers and the API.
THUMB_SPEC = "fill-160x120|format-webp"
HERO_SPEC = "fill-960x640|format-webp"
GALLERY_SPEC = "fill-400x300|format-webp"
# what portal.seo asks for (Open Graph and JSON-LD), prefetched with the page's own pictures
OG_SPEC = "fill-600x600"
SHARE_SPEC = "fill-1200x630"
NEARBY_KM = 15
RESERVED_SLUGS = {"stations"}


class Category(models.TextChoices):
    GRAIN_OIL = "grain-oil", _("粮油")
    LIVESTOCK = "livestock", _("畜牧")
    FRUIT_VEG = "fruit-veg", _("果蔬")
    HERBS = "herbs", _("中藏药材")
    FUNGI = "fungi", _("食用菌")
    PROCESSED = "processed", _("加工食品")
    CRAFTS = "crafts", _("手工艺")


class CertificationKind(models.TextChoices):
    GREEN = "green", _("绿色食品")
    ORGANIC = "organic", _("有机产品")
    GI = "gi", _("地理标志")
    POLLUTION_FREE = "pollution-free", _("无公害")


class ProducerKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    COOPERATIVE = "cooperative", _("合作社")
    FAMILY_FARM = "family-farm", _("家庭农场")


class StationLevel(models.TextChoices):
    # Values sort in network order (county < township < village), so ordering by level is right;
    # they are also the map's marker kinds, so they must not collide with its generic "village".
    COUNTY = "county-centre", _("县级服务中心")
    TOWNSHIP = "township-station", _("乡镇服务站")
    VILLAGE = "village-station", _("村级服务站")


def current_month() -> int:
    """This month in Xining (Asia/Shanghai), the month "in season now" means."""
    return timezone.localdate().month


def image_prefetch(lookup: str, *specs: str) -> Prefetch:
    """Prefetch an image FK together with the renditions a template will ask for (no N+1)."""
    return Prefetch(lookup, queryset=get_image_model().objects.prefetch_renditions(*specs))


WEEKDAYS = {"一": "Mo", "二": "Tu", "三": "We", "四": "Th", "五": "Fr", "六": "Sa", "日": "Su", "天": "Su"}
_HOURS = re.compile(r"(\d{1,2})[:：](\d{2})\s*[-–—~～至到]\s*(\d{1,2})[:：](\d{2})")
_DAYS = re.compile(r"^\s*(?:周|星期)([一二三四五六日天])(?:\s*[-–—~～至到]\s*(?:周|星期)?([一二三四五六日天]))?\s*$")


def opening_hours_spec(text: str) -> list[str]:
    """schema.org openingHours ("Mo-Su 09:00-18:00") from what editors write in the station sheet:
    "09:00-18:00" (every day), "周一至周五 9:00-17:00；周六 9:00-12:00". [] when a part says
    something this cannot read for sure (e.g. "农忙时节延长"), rather than a guess search engines show."""
    specs = []
    for part in re.split(r"[;；,，、\n]", text or ""):
        if not part.strip():
            continue
        hours = _HOURS.search(part)
        if hours is None:
            return []
        h1, m1, h2, m2 = (int(n) for n in hours.groups())
        if not (h1 < 24 and h2 <= 24 and m1 < 60 and m2 < 60) or part[hours.end() :].strip():
            return []
        before = part[: hours.start()]
        if before.strip() in ("", "每天", "每日", "全年"):
            days = "Mo-Su"
        else:
            named = _DAYS.match(before)
            if named is None:
                return []
            days = WEEKDAYS[named.group(1)] + (f"-{WEEKDAYS[named.group(2)]}" if named.group(2) else "")
        specs.append(f"{days} {h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}")
    return specs


def join_place(*parts) -> str:
    """县 + 乡镇 + 村 as one name (portal.places.place_name: written the active language's way)."""
    return place_name(*parts)


def list_separator() -> str:
    from django.utils.translation import get_language

    return "、" if (get_language() or "zh").startswith("zh") else ", "


def format_price(amount, unit: str = "") -> str:
    """A reference price with its unit as the page gives it, written the way its readers write prices.

    Chinese units include the currency ("16 元/千克"); English copies give the unit alone ("/kg",
    "per 500 g", "and up") and the price is written "¥16/kg". A price without a unit is "16 元"
    in Chinese and "¥16" in English.
    """
    from django.utils.translation import get_language

    number = f"{amount:.2f}".rstrip("0").rstrip(".")
    unit = (unit or "").strip()
    if "元" in unit or (not unit and (get_language() or "zh").startswith("zh")):
        return f"{number} {unit or '元'}"
    if not unit:
        return f"¥{number}"
    return f"¥{number}{unit}" if unit.startswith("/") else f"¥{number} {unit}"


LOCATION_CHECK_HELP = _("有人在地图上核实过位置后勾选；示例数据和导入的位置都是估计值。")


# ---------------------------------------------------------------------------------------------
# Snippets


class Producer(TranslatableMixin, index.Indexed, models.Model):
    """An enterprise, cooperative or family farm that makes one or more 河湟田源 products."""

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=20, choices=ProducerKind.choices, default=ProducerKind.COOPERATIVE)
    county = models.CharField(_("县区"), max_length=20, choices=County.choices)
    township = models.CharField(_("乡镇"), max_length=60, blank=True)
    village = models.CharField(_("村"), max_length=60, blank=True)
    location = GeoJSONField(_("位置"), geom_types=("Point",), null=True, blank=True)
    location_checked = models.BooleanField(_("位置已核实"), default=False, help_text=LOCATION_CHECK_HELP)
    contact_person = models.CharField(_("联系人"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    website = models.URLField(_("网站"), blank=True)
    description = models.TextField(_("简介"), blank=True)
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("标志"))

    base_form_class = ChooserCheckedModelForm  # the logo, checked on the server (portal.chooser_checks)
    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("county")]),
        FieldRowPanel([FieldPanel("township"), FieldPanel("village")]),
        FieldPanel("location"),
        FieldPanel("location_checked"),
        FieldRowPanel([FieldPanel("contact_person"), FieldPanel("phone")]),
        FieldPanel("website"),
        FieldPanel("description"),
        FieldPanel("logo"),
        LinkedProductsPanel("producer", heading=_("产品")),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.SearchField("description"), index.FilterField("county")]

    class Meta(TranslatableMixin.Meta):
        ordering = ["name"]
        verbose_name = _("生产者")
        verbose_name_plural = _("生产者")
        constraints = [models.UniqueConstraint(fields=["name", "locale"], name="products_producer_name_locale")]

    def __str__(self):
        return self.name

    @property
    def place(self) -> str:
        return join_place(self.get_county_display(), self.township, self.village)


class ServiceStation(TranslatableMixin, index.Indexed, models.Model):
    """A node of the rural e-commerce network (3 county centres, 42 township and 316 village stations).

    Editors keep the list as a spreadsheet, so the natural key matters: a re-import finds a
    station by `code` when the sheet has one, else by county + name (see importers.py).
    """

    code = models.CharField(_("编码"), max_length=40, null=True, blank=True, help_text=_("选填：表格自己的编号，重新导入时用来匹配行。"))
    level = models.CharField(_("级别"), max_length=20, choices=StationLevel.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=120)
    county = models.CharField(_("县区"), max_length=20, choices=County.choices, db_index=True)
    township = models.CharField(_("乡镇"), max_length=60, blank=True)
    village = models.CharField(_("村"), max_length=60, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    location = GeoJSONField(_("位置"), geom_types=("Point",), null=True, blank=True)
    location_checked = models.BooleanField(_("位置已核实"), default=False, help_text=LOCATION_CHECK_HELP)
    contact_person = models.CharField(_("联系人"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    opening_hours = models.CharField(_("营业时间"), max_length=120, blank=True)
    goods = models.CharField(
        _("经营品类"),
        max_length=250,
        blank=True,
        help_text=_("例如：农产品收购、快递收发、农资、代缴费；所售的河湟田源产品在各产品页面里选择。"),
    )

    panels = [
        FieldRowPanel([FieldPanel("level"), FieldPanel("code")]),
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("county"), FieldPanel("township"), FieldPanel("village")]),
        FieldPanel("address"),
        FieldPanel("location"),
        FieldPanel("location_checked"),
        FieldRowPanel([FieldPanel("contact_person"), FieldPanel("phone")]),
        FieldPanel("opening_hours"),
        FieldPanel("goods"),
        LinkedProductsPanel("station_links__station", heading=_("在售产品")),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("township"),
        index.SearchField("village"),
        index.FilterField("county"),
        index.FilterField("level"),
    ]

    class Meta(TranslatableMixin.Meta):
        ordering = ["county", "level", "township", "name"]
        verbose_name = _("电商服务站")
        verbose_name_plural = _("电商服务站")
        # Per language: an English copy keeps the spreadsheet's code (and its own name).
        constraints = [
            models.UniqueConstraint(fields=["county", "name", "locale"], name="products_station_county_name"),
            models.UniqueConstraint(fields=["code", "locale"], name="products_station_code_locale"),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_level_display()}）"

    def save(self, *args, **kwargs):
        # Blank codes are NULL so that any number of stations can go without one.
        self.code = (self.code or "").strip() or None
        super().save(*args, **kwargs)

    @property
    def place(self) -> str:
        return join_place(self.get_county_display(), self.township, self.village)

    @property
    def anchor(self) -> str:
        return f"station-{self.pk}"

    def structured_data(self, url: str) -> dict:
        """The station as a schema.org LocalBusiness: where it is, how to call, when it is open."""

        street = join_place(self.get_county_display(), self.township, self.village, self.address)
        data = {"@context": SCHEMA, "@type": "LocalBusiness", "name": self.name, "url": url, "address": postal_address(street)}
        if geo(self.location):
            data["geo"] = geo(self.location)
        if self.phone:
            data["telephone"] = self.phone
        hours = opening_hours_spec(self.opening_hours)
        if hours:
            data["openingHours"] = hours[0] if len(hours) == 1 else hours
        if self.goods:
            data["description"] = self.goods
        return data

    # For the CSV export, which uses the importer's latitude/longitude columns.
    @property
    def latitude(self):
        return self.location["coordinates"][1] if self.location else None

    @property
    def longitude(self):
        return self.location["coordinates"][0] if self.location else None


class VillageProduct(TranslatableMixin, models.Model):
    """一村一品: a village known for one signature product (the source article's 示范村镇)."""

    village = models.CharField(_("村"), max_length=60)
    township = models.CharField(_("乡镇"), max_length=60, blank=True)
    county = models.CharField(_("县区"), max_length=20, choices=County.choices)
    products = models.CharField(_("特色产品"), max_length=120, help_text=_("e.g. 青稞、青稞酒"))
    description = models.TextField(_("简介"), blank=True)
    location = GeoJSONField(_("位置"), geom_types=("Point",))
    location_checked = models.BooleanField(_("位置已核实"), default=False, help_text=LOCATION_CHECK_HELP)
    product_page = models.ForeignKey("products.ProductPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("产品页面"))

    panels = [
        FieldRowPanel([FieldPanel("village"), FieldPanel("township"), FieldPanel("county")]),
        FieldPanel("products"),
        FieldPanel("description"),
        FieldPanel("location"),
        FieldPanel("location_checked"),
        FieldPanel("product_page"),
    ]

    class Meta(TranslatableMixin.Meta):
        ordering = ["county", "township", "village"]
        verbose_name = _("一村一品")
        verbose_name_plural = _("一村一品")
        constraints = [models.UniqueConstraint(fields=["county", "village", "locale"], name="products_village_county_village")]

    def __str__(self):
        return f"{self.village} · {self.products}"

    @property
    def place(self) -> str:
        return join_place(self.get_county_display(), self.township, self.village)


class ProducerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Producer
        fields = ["id", "name", "kind", "county", "township", "village", "location", "website"]


class StationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceStation
        fields = ["id", "code", "level", "name", "county", "township", "village", "address", "location", "phone", "opening_hours"]


# ---------------------------------------------------------------------------------------------
# Pages


class ProductPageQuerySet(PageQuerySet):
    def in_season(self, month: int | None = None):
        return self.filter(season_months__has=month or current_month())

    def for_cards(self):
        """What a card, a map marker and the filters need, in a constant number of queries."""
        return self.select_related("producer").prefetch_related(
            "origins", "certifications", image_prefetch("image", *rendition_specs("product_card"), THUMB_SPEC)
        )


ProductPageManager = PageManager.from_queryset(ProductPageQuerySet)


class ProductIndexPage(RoutablePageMixin, SectionIndexPage):
    """/products/: the filterable list and map of products, 一村一品, and /products/stations/."""

    village_intro = models.TextField(_("一村一品说明"), blank=True, help_text=_("显示在本页“一村一品”地图上方。"))

    subpage_types = ["products.ProductPage"]

    content_panels = SectionIndexPage.content_panels + [FieldPanel("village_intro")]
    api_fields = [*SectionIndexPage.api_fields, APIField("village_intro")]

    class Meta:
        verbose_name = _("产品栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if not getattr(request, "routable_resolver_match", None) or request.routable_resolver_match.url_name == "index_route":
            context.update(registry.page_view(self, "context")(self, request))
        return context

    def serve(self, request, *args, **kwargs):
        return status_for(super().serve(request, *args, **kwargs))

    def get_cached_paths(self):
        # The station list shows no product; a station's own page is purged by its saves and its
        # products' (products.layers.station_pages, product_station_pages).
        return ["/", "stations/"]

    @path("stations/", name="stations")
    def stations(self, request):
        context = registry.page_view(self, "stations")(self, request)
        return self.render(request, template="products/service_stations.html", context_overrides=context)

    @path("stations/<int:pk>/", name="station")
    def station(self, request, pk):
        context = registry.page_view(self, "station")(self, request, pk)
        if "redirect" in context:
            return redirect(context["redirect"], permanent=True)
        self.routed_station = context["station"]  # for get_structured_data, without fetching it again
        return self.render(request, template="products/service_station.html", context_overrides=context)

    def get_structured_data(self, request) -> list[dict]:
        """The station list and each station's page are this page's routes: their breadcrumb goes on
        past /products/ to the list and the station, and a station is a schema.org LocalBusiness."""
        from django.utils.translation import gettext

        route = getattr(getattr(request, "routable_resolver_match", None), "url_name", "")
        if route not in ("stations", "station"):
            return super().get_structured_data(request)
        trail = [(gettext("电商服务站"), self.full_subpage_url("stations", request))]
        station = getattr(self, "routed_station", None) if route == "station" else None
        if station is None:
            return [breadcrumb_list(self, request, trail)]
        url = self.full_subpage_url("station", request, pk=station.pk)
        return [breadcrumb_list(self, request, [*trail, (station.name, url)]), station.structured_data(url)]

    def get_sitemap_urls(self, request=None):
        """The index, then the routes a search engine should find: the station list and every station
        of the index's language, each keyed so the sitemap pairs it with its copy in the other language."""
        urls = super().get_sitemap_urls(request)
        if not self.get_full_url(request):
            return urls
        urls.append(self.sitemap_url(self.full_subpage_url("stations", request), f"{self.translation_key}:stations"))
        for pk, key in ServiceStation.objects.filter(locale_id=self.locale_id).order_by("pk").values_list("pk", "translation_key"):
            urls.append(self.sitemap_url(self.full_subpage_url("station", request, pk=pk), f"station:{key}"))
        return urls

    def full_subpage_url(self, name: str, request=None, **kwargs) -> str:
        """A route's full URL on the site's own host, as the page's canonical URL and sitemap give it."""
        return (self.get_full_url(request) or "/").rstrip("/") + "/" + self.reverse_subpage(name, kwargs=kwargs or None).lstrip("/")

    def stations_url(self, request=None) -> str:
        return (self.get_url(request) or "/") + self.reverse_subpage("stations").lstrip("/")

    def station_url(self, station, request=None) -> str:
        return (self.get_url(request) or "/") + self.reverse_subpage("station", kwargs={"pk": station.pk}).lstrip("/")


class ProductPage(BasePage):
    serve_related = ("producer",)
    serve_renditions = False  # product_context attaches every picture on the page in one query
    other_products_shown = 6  # "<producer>'s other products" on the page
    card_prefetch = ("origins",)  # card_meta lists the counties of its origins

    @classmethod
    def serve_companions(cls, pk):
        """The producer's other live, public products (see BasePage.serve_companions)."""

        producer = models.Subquery(cls.objects.filter(pk=pk).values("producer_id")[:1])
        return models.Q(live=True, producer_id=producer) & ~private_exists(), cls.other_products_shown

    def other_products(self) -> list:
        """Up to `other_products_shown` other live, public products of the same producer, in tree
        order: fetched with the page when portal.perf served it, else one query."""
        found = getattr(self, "served_companions", None)
        if found is not None:
            return found
        if not self.producer_id or not self.pk:
            return []
        condition, limit = self.serve_companions(self.pk)
        return list(ProductPage.objects.filter(condition).exclude(pk=self.pk).select_related("image").order_by("path")[:limit])

    summary = models.CharField(_("简介"), max_length=200, blank=True, help_text=_("一句话，显示在卡片和搜索结果里。"))
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, db_index=True)
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("主图"))
    brand_authorised = models.BooleanField(_("河湟田源品牌授权"), default=False)
    brand_licence_number = models.CharField(_("授权编号"), max_length=60, blank=True)
    producer = models.ForeignKey(Producer, null=True, blank=True, on_delete=models.SET_NULL, related_name="products", verbose_name=_("生产者"))
    season_months = MonthsField(_("上市月份"), help_text=_("勾选能买到的月份；全年供应就勾选全部十二个月。"))
    specifications = models.CharField(_("规格"), max_length=200, blank=True, help_text=_("e.g. 500克/袋；2.5千克/箱"))
    reference_price = models.DecimalField(_("参考价格"), max_digits=9, decimal_places=2, null=True, blank=True)
    price_unit = models.CharField(_("价格单位"), max_length=40, blank=True, help_text=_("e.g. 元/500克"))
    storage = models.TextField(_("贮存方法"), blank=True)
    usage = models.TextField(_("食用/使用方法"), blank=True)
    story = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("产品故事"))
    featured = models.BooleanField(_("首页推荐"), default=False, help_text=_("在首页“推荐产品”中展示。"))

    objects = ProductPageManager()

    parent_page_types = ["products.ProductIndexPage"]
    subpage_types: list[str] = []

    content_panels = BasePage.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("category"), FieldPanel("featured")]),
        FieldPanel("image"),
        FieldRowPanel([FieldPanel("brand_authorised"), FieldPanel("brand_licence_number")], heading=_("河湟田源")),
        FieldPanel("producer"),
        InlinePanel("origins", heading=_("产地"), label=_("产地"), min_num=1),
        InlinePanel("certifications", heading=_("认证"), label=_("认证")),
        FieldPanel("season_months"),
        FieldRowPanel([FieldPanel("specifications"), FieldPanel("reference_price"), FieldPanel("price_unit")], heading=_("规格与价格")),
        FieldPanel("storage"),
        FieldPanel("usage"),
        MultipleChooserPanel("gallery_images", chooser_field_name="image", heading=_("图集"), label=_("图片")),
        FieldPanel("story"),
        InlinePanel("shop_links", heading=_("网店"), label=_("网店")),
        MultipleChooserPanel("station_links", chooser_field_name="station", heading=_("电商服务站"), label=_("服务站")),
    ]
    search_fields = BasePage.search_fields + [
        index.SearchField("summary"),
        index.SearchField("usage"),
        index.SearchField("story"),
        index.FilterField("category"),
        index.FilterField("featured"),
    ]
    api_fields = [
        APIField("summary"),
        APIField("category"),
        APIField("brand_authorised"),
        APIField("brand_licence_number"),
        APIField("producer", serializer=ProducerSerializer(read_only=True)),
        APIField("origins"),
        APIField("certifications"),
        APIField("season_months", serializer=serializers.ListField(child=serializers.IntegerField(), read_only=True)),
        APIField("specifications"),
        APIField("reference_price"),
        APIField("price_unit"),
        APIField("storage"),
        APIField("usage"),
        APIField("image", serializer=RequestImageRenditionField(HERO_SPEC)),
        APIField("gallery_images"),
        APIField("story"),
        APIField("shop_links"),
        APIField("station_links"),
        APIField("featured"),
    ]

    class Meta:
        verbose_name = _("产品")
        verbose_name_plural = _("产品")

    show_qr = True

    def get_structured_data(self, request) -> list[dict]:
        url = self.get_full_url(request)
        product = {"@context": SCHEMA, "@type": "Product", "name": self.title, "url": url, "category": str(self.get_category_display())}
        if self.card_summary:
            product["description"] = self.card_summary
        brand = self.brand_name()
        if brand:
            product["brand"] = {"@type": "Brand", "name": brand}
        if self.producer_id:
            product["manufacturer"] = {"@type": "Organization", "name": self.producer.name}
        if self.image_id:
            product["image"] = image_url(self.image, request, SHARE_SPEC)
        if self.reference_price is not None:
            # A seasonal product can be bought in its months only: out of stock the rest of the year.
            availability = "InStock" if self.in_season() else "OutOfStock"
            product["offers"] = {
                "@type": "Offer",
                "price": f"{self.reference_price:.2f}",
                "priceCurrency": "CNY",
                "availability": f"{SCHEMA}/{availability}",
                "url": url,
            }
        return super().get_structured_data(request) + [product]

    def brand_name(self) -> str:
        """The name a product is sold under: 河湟田源 when licensed to carry the regional brand,
        else its producer's, else its origin village's (how unbranded farm produce is known)."""
        if self.brand_authorised:
            return str(_("河湟田源"))
        if self.producer_id and self.producer is not None:
            return self.producer.name
        origin = next(iter(self.origins.all()), None)
        return origin.place if origin is not None else ""

    def clean(self):
        super().clean()
        if self.brand_authorised and not self.brand_licence_number.strip():
            raise ValidationError({"brand_licence_number": _("获得授权的产品需要填写河湟田源授权编号。")})
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": _("“%(slug)s” is used by the products section itself; choose another slug.") % {"slug": self.slug}})

    # cards, map popups, share previews
    @property
    def card_image(self):
        return self.image or self.share_image

    @property
    def card_summary(self) -> str:
        return self.summary or self.search_description or ""

    @property
    def card_meta(self) -> str:
        parts = [self.get_category_display()]
        if self.counties:
            parts.append(self.counties_label)
        if self.brand_authorised:
            parts.append(str(_("河湟田源授权")))
        return " · ".join(str(p) for p in parts)

    @property
    def counties_label(self) -> str:
        """The origin counties as a list in the active language ("湟中区、大通县" / "Huangzhong District, Datong County")."""
        return list_separator().join(str(c) for c in self.counties)

    @property
    def counties(self) -> list[str]:
        seen = []
        for origin in self.origins.all():
            label = origin.get_county_display()
            if label not in seen:
                seen.append(label)
        return seen

    @property
    def season_label(self) -> str:
        return months_label(self.season_months)

    def in_season(self, month: int | None = None) -> bool:
        return (month or current_month()) in self.season_months

    @property
    def price_label(self) -> str:
        if self.reference_price is None:
            return ""
        return format_price(self.reference_price, self.price_unit)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(registry.page_view(self, "context")(self, request))
        return context


class ProductOrigin(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="origins")
    village = models.CharField(_("村"), max_length=60)
    township = models.CharField(_("乡镇"), max_length=60, blank=True)
    county = models.CharField(_("县区"), max_length=20, choices=County.choices, db_index=True)
    location = GeoJSONField(_("位置"), geom_types=("Point",))
    location_checked = models.BooleanField(_("位置已核实"), default=False, help_text=LOCATION_CHECK_HELP)

    panels = [
        FieldRowPanel([FieldPanel("village"), FieldPanel("township"), FieldPanel("county")]),
        FieldPanel("location"),
        FieldPanel("location_checked"),
    ]
    api_fields = [APIField("village"), APIField("township"), APIField("county"), APIField("location")]

    class Meta(Orderable.Meta):
        verbose_name = _("产地")

    @property
    def place(self) -> str:
        return join_place(self.get_county_display(), self.township, self.village)


class ProductCertification(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(_("认证类型"), max_length=20, choices=CertificationKind.choices, db_index=True)
    number = models.CharField(_("证书编号"), max_length=80)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    panels = [FieldRowPanel([FieldPanel("kind"), FieldPanel("number"), FieldPanel("valid_until")])]
    api_fields = [APIField("kind"), APIField("number"), APIField("valid_until")]

    class Meta(Orderable.Meta):
        verbose_name = _("认证")


class ProductGalleryImage(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+", verbose_name=_("图片"))
    caption = models.CharField(_("说明"), max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]
    api_fields = [APIField("image", serializer=RequestImageRenditionField(GALLERY_SPEC)), APIField("caption")]


class ProductShopLink(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="shop_links")
    name = models.CharField(_("网店名称"), max_length=80, help_text=_("e.g. 河湟田源京东旗舰店"))
    url = models.URLField(_("链接"))

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("url")])]
    api_fields = [APIField("name"), APIField("url")]


class ProductStation(Orderable):
    """A product stocked at a service station: the stations' "products carried", chosen per product.

    An orderable through model rather than a bare M2M so editors pick among hundreds of stations
    with the searchable snippet chooser, and so the choice is part of the page's revisions.
    """

    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="station_links")
    station = models.ForeignKey(ServiceStation, on_delete=models.CASCADE, related_name="product_links", verbose_name=_("服务站"))

    panels = [FieldPanel("station")]
    api_fields = [APIField("station", serializer=StationSerializer(read_only=True))]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["page", "station"], name="products_productstation_unique")]
