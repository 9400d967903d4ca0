"""河湟田源: Xining's regional public brand for farm products, their producers and where to buy them.

Products are pages (editors write their story and publish them); producers, the e-commerce service
stations and the 一村一品 villages are snippets, because they are reference data shared by many
products and kept as lists (the stations are even maintained as a spreadsheet, see importers.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultipleChooserPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.images.api.fields import ImageRenditionField
from wagtail.models import Orderable, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from portal.blocks import BaseStreamBlock
from portal.fields import GeoJSONField
from portal.images import rendition_specs
from portal.models import BasePage
from portal.places import County
from products.fields import MonthsField, months_label
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


def join_place(*parts) -> str:
    """县 + 乡镇 + 村 as one name, skipping blanks and repeats (a township entered as the village)."""
    seen: list[str] = []
    for part in parts:
        part = str(part or "").strip()
        if part and part not in seen:
            seen.append(part)
    return "".join(seen)


LOCATION_CHECK_HELP = _("Tick once someone has checked the point on a map; demo and imported points are estimates.")


# ---------------------------------------------------------------------------------------------
# Snippets


class Producer(index.Indexed, models.Model):
    """An enterprise, cooperative or family farm that makes one or more 河湟田源 products."""

    name = models.CharField(_("名称 Name"), max_length=120, unique=True)
    kind = models.CharField(_("类型 Kind"), max_length=20, choices=ProducerKind.choices, default=ProducerKind.COOPERATIVE)
    county = models.CharField(_("县区 County"), max_length=20, choices=County.choices)
    township = models.CharField(_("乡镇 Township"), max_length=60, blank=True)
    village = models.CharField(_("村 Village"), max_length=60, blank=True)
    location = GeoJSONField(_("位置 Location"), geom_types=("Point",), null=True, blank=True)
    location_checked = models.BooleanField(_("位置已核实 Location checked"), default=False, help_text=LOCATION_CHECK_HELP)
    contact_person = models.CharField(_("联系人 Contact person"), max_length=60, blank=True)
    phone = models.CharField(_("电话 Phone"), max_length=40, blank=True)
    website = models.URLField(_("网站 Website"), blank=True)
    description = models.TextField(_("简介 Description"), blank=True)
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("标志 Logo"))

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
        LinkedProductsPanel("producer", heading=_("产品 Products")),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.SearchField("description"), index.FilterField("county")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("生产者 Producer")
        verbose_name_plural = _("生产者 Producers")

    def __str__(self):
        return self.name

    @property
    def place(self) -> str:
        return join_place(self.get_county_display(), self.township, self.village)


class ServiceStation(index.Indexed, models.Model):
    """A node of the rural e-commerce network (3 county centres, 42 township and 316 village stations).

    Editors keep the list as a spreadsheet, so the natural key matters: a re-import finds a
    station by `code` when the sheet has one, else by county + name (see importers.py).
    """

    code = models.CharField(
        _("编码 Code"), max_length=40, unique=True, null=True, blank=True, help_text=_("Optional; the spreadsheet's own ID, used to match rows on re-import.")
    )
    level = models.CharField(_("级别 Level"), max_length=20, choices=StationLevel.choices, db_index=True)
    name = models.CharField(_("名称 Name"), max_length=120)
    county = models.CharField(_("县区 County"), max_length=20, choices=County.choices, db_index=True)
    township = models.CharField(_("乡镇 Township"), max_length=60, blank=True)
    village = models.CharField(_("村 Village"), max_length=60, blank=True)
    address = models.CharField(_("地址 Address"), max_length=200, blank=True)
    location = GeoJSONField(_("位置 Location"), geom_types=("Point",), null=True, blank=True)
    location_checked = models.BooleanField(_("位置已核实 Location checked"), default=False, help_text=LOCATION_CHECK_HELP)
    contact_person = models.CharField(_("联系人 Contact person"), max_length=60, blank=True)
    phone = models.CharField(_("电话 Phone"), max_length=40, blank=True)
    opening_hours = models.CharField(_("营业时间 Opening hours"), max_length=120, blank=True)
    goods = models.CharField(
        _("经营品类 Goods and services"),
        max_length=250,
        blank=True,
        help_text=_("e.g. 农产品收购、快递收发、农资、代缴费; the 河湟田源 products it stocks are chosen on each product page."),
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
        LinkedProductsPanel("station_links__station", heading=_("在售产品 Products carried")),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("township"),
        index.SearchField("village"),
        index.FilterField("county"),
        index.FilterField("level"),
    ]

    class Meta:
        ordering = ["county", "level", "township", "name"]
        verbose_name = _("电商服务站 Service station")
        verbose_name_plural = _("电商服务站 Service stations")
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="products_station_county_name")]

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

    # For the CSV export, which uses the importer's latitude/longitude columns.
    @property
    def latitude(self):
        return self.location["coordinates"][1] if self.location else None

    @property
    def longitude(self):
        return self.location["coordinates"][0] if self.location else None


class VillageProduct(models.Model):
    """一村一品: a village known for one signature product (the source article's 示范村镇)."""

    village = models.CharField(_("村 Village"), max_length=60)
    township = models.CharField(_("乡镇 Township"), max_length=60, blank=True)
    county = models.CharField(_("县区 County"), max_length=20, choices=County.choices)
    products = models.CharField(_("特色产品 Signature products"), max_length=120, help_text=_("e.g. 青稞、青稞酒"))
    description = models.TextField(_("简介 Description"), blank=True)
    location = GeoJSONField(_("位置 Location"), geom_types=("Point",))
    location_checked = models.BooleanField(_("位置已核实 Location checked"), default=False, help_text=LOCATION_CHECK_HELP)
    product_page = models.ForeignKey(
        "products.ProductPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("产品页面 Product page")
    )

    panels = [
        FieldRowPanel([FieldPanel("village"), FieldPanel("township"), FieldPanel("county")]),
        FieldPanel("products"),
        FieldPanel("description"),
        FieldPanel("location"),
        FieldPanel("location_checked"),
        FieldPanel("product_page"),
    ]

    class Meta:
        ordering = ["county", "township", "village"]
        verbose_name = _("一村一品 Village product")
        verbose_name_plural = _("一村一品 Village products")
        constraints = [models.UniqueConstraint(fields=["county", "village"], name="products_village_county_village")]

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


class ProductIndexPage(RoutablePageMixin, BasePage):
    """/products/: the filterable list and map of products, 一村一品, and /products/stations/."""

    intro = RichTextField(_("导语 Intro"), blank=True, features=["bold", "italic", "link"])
    village_intro = models.TextField(_("一村一品说明 One village, one product intro"), blank=True, help_text=_("Shown above the 一村一品 map on this page."))
    per_page = 12

    max_count = 1
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["products.ProductPage"]

    content_panels = BasePage.content_panels + [FieldPanel("intro"), FieldPanel("village_intro")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]
    api_fields = [APIField("intro"), APIField("village_intro")]

    class Meta:
        verbose_name = _("产品 Products index")

    def get_context(self, request, *args, **kwargs):
        from products.views import index_context

        context = super().get_context(request, *args, **kwargs)
        if not getattr(request, "routable_resolver_match", None) or request.routable_resolver_match.url_name == "index_route":
            context.update(index_context(self, request))
        return context

    def get_cached_paths(self):
        # The station list shows no product; a station's own page is purged by its saves and its
        # products' (products.layers.station_pages, product_station_pages).
        return ["/", "stations/"]

    @path("stations/", name="stations")
    def stations(self, request):
        from products.views import stations_context

        return self.render(request, template="products/service_stations.html", context_overrides=stations_context(self, request))

    @path("stations/<int:pk>/", name="station")
    def station(self, request, pk):
        from products.views import station_context

        return self.render(request, template="products/service_station.html", context_overrides=station_context(self, request, pk))

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
        from portal.perf import private_exists

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

    summary = models.CharField(_("简介 Summary"), max_length=200, blank=True, help_text=_("One sentence for cards and search results."))
    category = models.CharField(_("类别 Category"), max_length=20, choices=Category.choices, db_index=True)
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("主图 Main image"))
    brand_authorised = models.BooleanField(_("河湟田源品牌授权 Authorised to use the 河湟田源 brand"), default=False)
    brand_licence_number = models.CharField(_("授权编号 Licence number"), max_length=60, blank=True)
    producer = models.ForeignKey(Producer, null=True, blank=True, on_delete=models.SET_NULL, related_name="products", verbose_name=_("生产者 Producer"))
    season_months = MonthsField(_("上市月份 Months available"), help_text=_("Tick every month it can be bought; all twelve for all year round."))
    specifications = models.CharField(_("规格 Specifications"), max_length=200, blank=True, help_text=_("e.g. 500克/袋；2.5千克/箱"))
    reference_price = models.DecimalField(_("参考价格 Reference price"), max_digits=9, decimal_places=2, null=True, blank=True)
    price_unit = models.CharField(_("价格单位 Price unit"), max_length=40, blank=True, help_text=_("e.g. 元/500克"))
    storage = models.TextField(_("贮存方法 Storage"), blank=True)
    usage = models.TextField(_("食用/使用方法 How to eat or use"), blank=True)
    story = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("产品故事 Story"))
    featured = models.BooleanField(_("首页推荐 Featured"), default=False, help_text=_("Show on the home page's featured products."))

    objects = ProductPageManager()

    parent_page_types = ["products.ProductIndexPage"]
    subpage_types: list[str] = []

    content_panels = BasePage.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("category"), FieldPanel("featured")]),
        FieldPanel("image"),
        FieldRowPanel([FieldPanel("brand_authorised"), FieldPanel("brand_licence_number")], heading=_("河湟田源")),
        FieldPanel("producer"),
        InlinePanel("origins", heading=_("产地 Origin villages"), label=_("产地 Origin"), min_num=1),
        InlinePanel("certifications", heading=_("认证 Certifications"), label=_("认证 Certification")),
        FieldPanel("season_months"),
        FieldRowPanel([FieldPanel("specifications"), FieldPanel("reference_price"), FieldPanel("price_unit")], heading=_("规格与价格")),
        FieldPanel("storage"),
        FieldPanel("usage"),
        MultipleChooserPanel("gallery_images", chooser_field_name="image", heading=_("图集 Gallery"), label=_("图片 Image")),
        FieldPanel("story"),
        InlinePanel("shop_links", heading=_("网店 Online shops"), label=_("网店 Shop")),
        MultipleChooserPanel("station_links", chooser_field_name="station", heading=_("电商服务站 Service stations"), label=_("服务站 Station")),
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
        APIField("image", serializer=ImageRenditionField(HERO_SPEC)),
        APIField("gallery_images"),
        APIField("story"),
        APIField("shop_links"),
        APIField("station_links"),
        APIField("featured"),
    ]

    class Meta:
        verbose_name = _("产品 Product")
        verbose_name_plural = _("产品 Products")

    show_qr = True

    def get_structured_data(self, request) -> list[dict]:
        from portal.seo import SCHEMA, image_url

        url = self.get_full_url(request)
        product = {"@context": SCHEMA, "@type": "Product", "name": self.title, "url": url, "category": str(self.get_category_display())}
        if self.card_summary:
            product["description"] = self.card_summary
        if self.brand_authorised:
            product["brand"] = {"@type": "Brand", "name": "河湟田源"}
        if self.producer_id:
            product["manufacturer"] = {"@type": "Organization", "name": self.producer.name}
        if self.image_id:
            product["image"] = image_url(self.image, request, SHARE_SPEC)
        if self.reference_price is not None:
            product["offers"] = {"@type": "Offer", "price": f"{self.reference_price:.2f}", "priceCurrency": "CNY", "url": url}
        return super().get_structured_data(request) + [product]

    def clean(self):
        super().clean()
        if self.brand_authorised and not self.brand_licence_number.strip():
            raise ValidationError({"brand_licence_number": _("An authorised product needs its 河湟田源 licence number.")})
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
        counties = self.counties
        if counties:
            parts.append("、".join(counties))
        if self.brand_authorised:
            parts.append(str(_("河湟田源授权")))
        return " · ".join(str(p) for p in parts)

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
        amount = f"{self.reference_price:.2f}".rstrip("0").rstrip(".")
        return f"{amount} {self.price_unit}".strip() if self.price_unit else f"{amount} 元"

    def origin_features(self, request=None) -> list[dict]:
        from products.layers import origin_feature

        url = self.get_url(request)
        return [origin_feature(self, origin, url) for origin in self.origins.all() if origin.location]

    def get_context(self, request, *args, **kwargs):
        from products.views import product_context

        context = super().get_context(request, *args, **kwargs)
        context.update(product_context(self, request))
        return context


class ProductOrigin(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="origins")
    village = models.CharField(_("村 Village"), max_length=60)
    township = models.CharField(_("乡镇 Township"), max_length=60, blank=True)
    county = models.CharField(_("县区 County"), max_length=20, choices=County.choices, db_index=True)
    location = GeoJSONField(_("位置 Location"), geom_types=("Point",))
    location_checked = models.BooleanField(_("位置已核实 Location checked"), default=False, help_text=LOCATION_CHECK_HELP)

    panels = [
        FieldRowPanel([FieldPanel("village"), FieldPanel("township"), FieldPanel("county")]),
        FieldPanel("location"),
        FieldPanel("location_checked"),
    ]
    api_fields = [APIField("village"), APIField("township"), APIField("county"), APIField("location")]

    class Meta(Orderable.Meta):
        verbose_name = _("产地 Origin")

    @property
    def place(self) -> str:
        return join_place(self.get_county_display(), self.township, self.village)


class ProductCertification(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(_("认证类型 Kind"), max_length=20, choices=CertificationKind.choices, db_index=True)
    number = models.CharField(_("证书编号 Certificate number"), max_length=80)
    valid_until = models.DateField(_("有效期至 Valid until"), null=True, blank=True)

    panels = [FieldRowPanel([FieldPanel("kind"), FieldPanel("number"), FieldPanel("valid_until")])]
    api_fields = [APIField("kind"), APIField("number"), APIField("valid_until")]

    class Meta(Orderable.Meta):
        verbose_name = _("认证 Certification")


class ProductGalleryImage(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+", verbose_name=_("图片 Image"))
    caption = models.CharField(_("说明 Caption"), max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]
    api_fields = [APIField("image", serializer=ImageRenditionField(GALLERY_SPEC)), APIField("caption")]


class ProductShopLink(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="shop_links")
    name = models.CharField(_("网店名称 Shop name"), max_length=80, help_text=_("e.g. 河湟田源京东旗舰店"))
    url = models.URLField(_("链接 Link"))

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("url")])]
    api_fields = [APIField("name"), APIField("url")]


class ProductStation(Orderable):
    """A product stocked at a service station: the stations' "products carried", chosen per product.

    An orderable through model rather than a bare M2M so editors pick among hundreds of stations
    with the searchable snippet chooser, and so the choice is part of the page's revisions.
    """

    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="station_links")
    station = models.ForeignKey(ServiceStation, on_delete=models.CASCADE, related_name="product_links", verbose_name=_("服务站 Station"))

    panels = [FieldPanel("station")]
    api_fields = [APIField("station", serializer=StationSerializer(read_only=True))]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["page", "station"], name="products_productstation_unique")]
