"""河湟精品民宿: listings that their owners edit, editors approve, and travellers ask about.

A listing is a page, so owners get Wagtail's drafts, revisions and the 民宿审核 workflow for free;
who may edit which listing is plain Wagtail page permissions (see owners.py). Rooms are inline
rows; the price range and capacity the index filters on are copied onto the page when it is saved,
so filtering and sorting are SQL, not Python.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, InlinePanel, MultiFieldPanel, MultipleChooserPanel, ObjectList, TabbedInterface
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Orderable, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from homestays.validators import PHONE_HELP, normalise_phone, tel_href, validate_phone
from portal.api_fields import RequestImageRenditionField
from portal.blocks import BaseStreamBlock
from portal.fields import ChoiceListField, GeoJSONField
from portal.filters import status_for
from portal.images import rendition_specs
from portal.models import BasePage, SectionIndexPage
from portal.panels import MapFieldPanel
from portal.places import County, place_name
from portal.registry import registry
from portal.seo import SCHEMA, image_url
from portal.uploads import private_storage

# Pages render pictures by portal.images preset; these are for map markers and the API.
THUMB_SPEC = "fill-160x120|format-webp"
HERO_SPEC = "fill-1200x675|format-webp"
GALLERY_SPEC = "fill-400x300|format-webp"
# what portal.seo asks for (Open Graph and JSON-LD)
OG_SPEC = "fill-600x600"
SHARE_SPEC = "fill-1200x630"
NEARBY_ROUTES_KM = 10

# The permission that makes someone a homestay *editor*: sees licence numbers and every inquiry,
# invites owners. Granted to Editors and Moderators by migration 0003.
MANAGE_PERMISSION = "homestays.manage_homestays"


class Grade(models.TextChoices):
    """Grades of the national homestay standard LB/T 065-2019 (Amendment 1, 2021)."""

    JIA = "jia", _("甲级")
    YI = "yi", _("乙级")
    BING = "bing", _("丙级")
    UNRATED = "unrated", _("未评级")


class Amenity(models.TextChoices):
    HEATING = "heating", _("地暖")
    HOT_WATER = "hot-water", _("24小时热水")
    WIFI = "wifi", _("Wi-Fi")
    PARKING = "parking", _("停车位")
    BREAKFAST = "breakfast", _("含早餐")
    HALAL = "halal", _("清真厨房")
    OXYGEN = "oxygen", _("供氧")
    ACCESSIBLE = "accessible", _("无障碍客房")
    PETS = "pets", _("可带宠物")
    MOBILE_PAY = "mobile-pay", _("微信/支付宝")


class Rule(models.TextChoices):
    YES = "yes", _("欢迎")
    ASK = "ask", _("请先咨询")
    NO = "no", _("不接待")


class Smoking(models.TextChoices):
    NO = "no", _("全部禁烟")
    OUTSIDE = "outside", _("仅限室外吸烟")
    YES = "yes", _("允许吸烟")


class Cancellation(models.TextChoices):
    """The three terms Airbnb and 途家 offer, with days before arrival, so visitors compare like with like."""

    FLEXIBLE = "flexible", _("宽松：入住前1天免费取消")
    MODERATE = "moderate", _("适中：入住前5天免费取消")
    STRICT = "strict", _("严格：入住前14天免费取消，之后不退")


class DayStatus(models.TextChoices):
    """A room type on one night. 可订 is the absence of a row, so a new room is bookable everywhere."""

    FREE = "free", _("可订")
    FULL = "full", _("满房")
    CLOSED = "closed", _("不营业")


class Season(models.TextChoices):
    PEAK = "peak", _("旺季")
    FESTIVAL = "festival", _("节庆")


class LicenceKind(models.TextChoices):
    """The licences LB/T 065-2019 and GB/T 41648-2022 expect a homestay to hold."""

    BUSINESS = "business", _("营业执照")
    SPECIAL_TRADE = "special_trade", _("特种行业许可证")
    FIRE = "fire", _("消防")
    HEALTH = "health", _("卫生")


class InquiryStatus(models.TextChoices):
    NEW = "new", _("新")
    REPLIED = "replied", _("已回复")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("已拒绝")


class HomestayPageQuerySet(PageQuerySet):
    def for_cards(self):
        """What a card, a map marker and the filters need, in a constant number of queries."""
        renditions = get_image_model().get_rendition_model().objects.filter(filter_spec__in=[*rendition_specs("card"), THUMB_SPEC])
        return self.select_related("image").prefetch_related(Prefetch("image__renditions", queryset=renditions, to_attr="prefetched_renditions"))


HomestayPageManager = PageManager.from_queryset(HomestayPageQuerySet)


class HomestayIndexPage(SectionIndexPage):
    """/homestays/: the filterable list and map of listings."""

    subpage_types = ["homestays.HomestayPage"]

    class Meta:
        verbose_name = _("民宿栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(registry.page_view(self, "context")(self, request))
        return context

    def serve(self, request, *args, **kwargs):
        return status_for(super().serve(request, *args, **kwargs))


def _editor_field(name: str, **kwargs) -> FieldPanel:
    return FieldPanel(name, permission=MANAGE_PERMISSION, **kwargs)


class HomestayPage(RoutablePageMixin, BasePage):
    serve_renditions = False  # homestay_context attaches every picture on the page in one query

    summary = models.CharField(_("一句话简介"), max_length=200, blank=True, help_text=_("显示在列表卡片和搜索结果里。"))
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("主图"))

    # Where
    county = models.CharField(_("县区"), max_length=20, choices=County.choices, db_index=True)
    township = models.CharField(_("乡镇"), max_length=60, blank=True)
    village = models.CharField(_("村"), max_length=60, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    location = GeoJSONField(_("位置"), geom_types=("Point",), null=True, blank=True, help_text=_("在地图上点一下民宿的位置。"))

    # Quality
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices, default=Grade.UNRATED, db_index=True, help_text=_("LB/T 065 旅游民宿等级"))
    brand_certified = models.BooleanField(_("河湟精品民宿认证"), default=False)
    brand_certificate_no = models.CharField(_("认证编号"), max_length=60, blank=True)

    # Stay
    amenities = ChoiceListField(_("设施与服务"), choices=Amenity.choices)
    meals = models.TextField(_("餐饮"), blank=True, help_text=_("例如：含早餐；可预订农家午餐、晚餐。"))
    specialities = models.TextField(_("特色美食与体验"), blank=True, help_text=_("例如：手抓羊肉、青稞酒、酸奶；采摘、花儿演唱。"))
    check_in_time = models.TimeField(_("入住时间"), default="14:00")
    check_out_time = models.TimeField(_("退房时间"), default="12:00")
    open_season = models.CharField(_("营业季节"), max_length=80, blank=True, default="全年", help_text=_("例如：全年，或 5月—10月"))
    languages = models.CharField(_("服务语言"), max_length=120, blank=True, default="普通话", help_text=_("例如：普通话、青海话、藏语、英语"))
    house_rules = models.TextField(_("入住须知"), blank=True)
    children = models.CharField(_("儿童"), max_length=10, choices=Rule.choices, default=Rule.YES)
    pets = models.CharField(_("宠物"), max_length=10, choices=Rule.choices, default=Rule.ASK)
    smoking = models.CharField(_("吸烟"), max_length=10, choices=Smoking.choices, default=Smoking.OUTSIDE)
    max_guests = models.PositiveSmallIntegerField(
        _("最多入住人数"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("整家民宿一次最多接待几位客人；不填则按各房间可住人数之和。"),
    )
    cancellation = models.CharField(_("取消政策"), max_length=10, choices=Cancellation.choices, default=Cancellation.MODERATE)
    cancellation_note = models.CharField(_("取消政策补充说明"), max_length=200, blank=True, help_text=_("例如：节庆期间预付定金不退。"))

    # Contact (public)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True, validators=[validate_phone], help_text=PHONE_HELP)
    wechat_id = models.CharField(_("微信号"), max_length=40, blank=True)

    # Registration: editors only; the public sees 已备案.
    business_licence_no = models.CharField(_("营业执照编号"), max_length=60, blank=True)
    special_trade_permit_no = models.CharField(_("特种行业许可证编号"), max_length=60, blank=True)

    description = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("详细介绍"))
    featured = models.BooleanField(_("首页推荐"), default=False, help_text=_("在首页“河湟精品民宿”栏目中展示。"))

    # Derived from the rooms on every save (see save()); never edited by hand.
    min_price = models.PositiveIntegerField(_("最低价"), null=True, blank=True, editable=False, db_index=True)
    max_price = models.PositiveIntegerField(_("最高价"), null=True, blank=True, editable=False)
    total_capacity = models.PositiveIntegerField(_("可住人数"), default=0, editable=False, db_index=True)

    objects = HomestayPageManager()

    parent_page_types = ["homestays.HomestayIndexPage"]
    subpage_types: list[str] = []

    content_panels = BasePage.content_panels + [
        HelpPanel(
            content=_("<p>填好后点页面底部的 <strong>“提交审核”</strong>，编辑审核通过后才会在网站上显示。只点“保存草稿”不会提交审核。</p>"),
            heading=_("怎么用"),
        ),
        FieldPanel("summary"),
        FieldPanel("image"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("county"), FieldPanel("township"), FieldPanel("village")]),
                FieldPanel("address"),
                # owners place the house on the map; the raw GeoJSON is for editors (高级)
                MapFieldPanel("location", raw_permission=MANAGE_PERMISSION),
            ],
            heading=_("位置"),
        ),
        InlinePanel("rooms", heading=_("房间与价格"), label=_("房间"), min_num=1),
        FieldPanel("amenities"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("check_in_time"), FieldPanel("check_out_time")]),
                FieldRowPanel([FieldPanel("open_season"), FieldPanel("languages")]),
                FieldPanel("meals"),
                FieldPanel("specialities"),
                FieldRowPanel([FieldPanel("children"), FieldPanel("pets"), FieldPanel("smoking")]),
                FieldRowPanel([FieldPanel("max_guests"), FieldPanel("cancellation")]),
                FieldPanel("cancellation_note"),
                FieldPanel("house_rules"),
            ],
            heading=_("入住信息"),
        ),
        InlinePanel(
            "seasons",
            heading=_("旺季与节庆日期"),
            label=_("时段"),
            help_text=_("这些日期按各房间的“旺季价”或“节庆价”收费；没填的日子按平日价，周五、周六晚按周末价。"),
        ),
        FieldRowPanel([FieldPanel("phone"), FieldPanel("wechat_id")], heading=_("联系方式")),
        MultipleChooserPanel("gallery_images", chooser_field_name="image", heading=_("相册"), label=_("照片")),
        FieldPanel("description"),
    ]
    # Editor-only fields are FieldPanels with a permission: Wagtail then leaves them out of an
    # owner's form altogether, so an owner can neither see nor post them (hiding a whole tab
    # would only hide it). Owners also never get the slug: the listing's URL is the editors' call.
    review_panels = [
        FieldRowPanel([_editor_field("grade"), _editor_field("featured")], heading=_("等级与推荐")),
        FieldRowPanel([_editor_field("brand_certified"), _editor_field("brand_certificate_no")], heading=_("河湟精品民宿")),
        FieldRowPanel(
            [_editor_field("business_licence_no"), _editor_field("special_trade_permit_no")],
            heading=_("证照（仅编辑可见，公众只看到“已备案”）"),
        ),
    ]
    promote_panels = [
        _editor_field("slug"),
        _editor_field("seo_title"),
        _editor_field("search_description"),
        _editor_field("share_image"),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("民宿信息")),
            ObjectList(review_panels, heading=_("审核")),
            ObjectList(promote_panels, heading=_("推广")),
            ObjectList(BasePage.settings_panels, heading=_("设置")),
        ]
    )

    search_fields = BasePage.search_fields + [
        index.SearchField("summary"),
        index.SearchField("village"),
        index.SearchField("township"),
        index.SearchField("specialities"),
        index.SearchField("description"),
        index.FilterField("county"),
        index.FilterField("grade"),
        index.FilterField("featured"),
    ]
    # Public fields only: never licence numbers, the owner or the WeChat ID (private contact).
    api_fields = [
        APIField("summary"),
        APIField("image", serializer=RequestImageRenditionField(HERO_SPEC)),
        APIField("county"),
        APIField("township"),
        APIField("village"),
        APIField("address"),
        APIField("location"),
        APIField("grade"),
        APIField("brand_certified"),
        APIField("registered", serializer=serializers.BooleanField(source="is_registered", read_only=True)),
        APIField("amenities", serializer=serializers.ListField(child=serializers.CharField(), read_only=True)),
        APIField("meals"),
        APIField("specialities"),
        APIField("check_in_time"),
        APIField("check_out_time"),
        APIField("open_season"),
        APIField("languages"),
        APIField("house_rules"),
        APIField("phone"),
        APIField("min_price"),
        APIField("max_price"),
        APIField("total_capacity"),
        APIField("rooms"),
        APIField("gallery_images"),
        APIField("description"),
        APIField("featured"),
    ]

    show_qr = True

    class Meta:
        verbose_name = _("民宿")
        verbose_name_plural = _("民宿")
        permissions = [("manage_homestays", _("管理民宿业主、证照与全部咨询"))]

    # ------------------------------------------------------------------ derived values

    def update_room_summary(self) -> None:
        """Copy the rooms' price range and total capacity onto the page (for SQL filters)."""
        prices = []
        capacity = 0
        for room in self.rooms.all():
            if room.price_per_night:
                prices.append(room.price_per_night)
            capacity += room.capacity or 0
        self.min_price = min(prices) if prices else None
        self.max_price = max(prices) if prices else None
        self.total_capacity = capacity

    def save(self, *args, **kwargs):
        # The rooms in memory are the ones about to be committed (a form, a revision being
        # published), so the summary always matches the rooms saved with this row.
        self.update_room_summary()
        return super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        errors = {}
        if self.brand_certified and not self.brand_certificate_no.strip():
            errors["brand_certificate_no"] = _("已认证的民宿需要填写认证编号。")
        if self.phone:
            try:
                self.phone = normalise_phone(self.phone)
            except ValueError:
                pass  # reported by the field's validator
        if errors:
            raise ValidationError(errors)

    # ------------------------------------------------------------------ display

    @property
    def is_registered(self) -> bool:
        """Both licences on file: what the public is told (已备案), never the numbers."""
        return bool(self.business_licence_no.strip() and self.special_trade_permit_no.strip())

    @property
    def guest_limit(self) -> int:
        """How many guests the house takes at once: the owner's limit, else every room's beds."""
        return self.max_guests or self.total_capacity

    @property
    def tel_href(self) -> str:
        return tel_href(self.phone)

    @property
    def place(self) -> str:
        return place_name(self.get_county_display(), self.township, self.village)

    @property
    def price_label(self) -> str:
        if self.min_price is None:
            return ""
        if self.max_price and self.max_price != self.min_price:
            return f"¥{self.min_price}–{self.max_price}"
        return f"¥{self.min_price}"

    @property
    def amenity_labels(self) -> list[str]:
        labels = dict(Amenity.choices)
        return [str(labels[code]) for code in self.amenities if code in labels]

    @property
    def card_image(self):
        return self.image or self.share_image

    @property
    def card_summary(self) -> str:
        return self.summary or self.search_description or ""

    @property
    def card_meta(self) -> str:
        parts = [str(self.get_county_display())]
        if self.grade != Grade.UNRATED:
            parts.append(str(self.get_grade_display()))
        if self.min_price is not None:
            parts.append(str(_("¥%(price)s 起/晚") % {"price": self.min_price}))
        return " · ".join(parts)

    def get_structured_data(self, request) -> list[dict]:
        data = {"@context": SCHEMA, "@type": "BedAndBreakfast", "name": self.title, "url": self.get_full_url(request)}
        if self.card_summary:
            data["description"] = self.card_summary
        data["address"] = {
            "@type": "PostalAddress",
            "addressRegion": "青海省",
            "addressLocality": "西宁市" + str(self.get_county_display()),
            "streetAddress": "".join(p for p in (self.township, self.village, self.address) if p),
            "addressCountry": "CN",
        }
        if self.location:
            lon, lat = self.location["coordinates"][:2]
            data["geo"] = {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
        if self.phone:
            data["telephone"] = self.phone
        if self.min_price is not None:
            data["priceRange"] = f"CNY {self.min_price}–{self.max_price}" if self.max_price != self.min_price else f"CNY {self.min_price}"
        if self.image_id:
            data["image"] = image_url(self.image, request, SHARE_SPEC)
        if self.amenities:
            data["amenityFeature"] = [{"@type": "LocationFeatureSpecification", "name": label, "value": True} for label in self.amenity_labels]
        data["checkinTime"] = self.check_in_time.strftime("%H:%M") if hasattr(self.check_in_time, "strftime") else str(self.check_in_time)
        data["checkoutTime"] = self.check_out_time.strftime("%H:%M") if hasattr(self.check_out_time, "strftime") else str(self.check_out_time)
        return super().get_structured_data(request) + [data]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(registry.page_view(self, "context")(self, request))
        return context

    # ------------------------------------------------------------------ inquiries

    @path("inquire/", name="inquire")
    def inquire(self, request):
        return registry.page_view(self, "inquire")(self, request)

    @path("inquire/sent/", name="inquiry_sent")
    def inquiry_sent(self, request):
        return registry.page_view(self, "inquiry_sent")(self, request)

    def inquire_url(self, request=None) -> str:
        return (self.get_url(request) or "/") + self.reverse_subpage("inquire").lstrip("/")

    # ------------------------------------------------------------------ availability calendar

    @path("availability.ics/", name="availability_ics")  # served at <listing>/availability.ics
    def availability_ics(self, request):
        return registry.page_view(self, "availability_ics")(self, request)

    def get_cached_paths(self):
        # Purged with the listing (portal.cache): the proxy bans exact paths, not sub-paths.
        return ["/", "availability.ics"]


class HomestayRoom(Orderable):
    page = ParentalKey(HomestayPage, on_delete=models.CASCADE, related_name="rooms")
    room_type = models.CharField(_("房型"), max_length=60, help_text=_("例如：标准间、大床房、家庭房、炕房"))
    beds = models.CharField(_("床位"), max_length=80, blank=True, help_text=_("例如：两张1.2米单人床"))
    capacity = models.PositiveSmallIntegerField(_("可住人数"), default=2, validators=[MinValueValidator(1), MaxValueValidator(20)])
    price_per_night = models.PositiveIntegerField(
        _("每晚价格（元）"), validators=[MinValueValidator(1), MaxValueValidator(100_000)], help_text=_("人民币，整数")
    )
    weekend_price = models.PositiveIntegerField(
        _("周末价（元）"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100_000)], help_text=_("周五、周六晚；不填按平日价")
    )
    peak_price = models.PositiveIntegerField(
        _("旺季价（元）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("“旺季”时段内每晚；不填按平日或周末价"),
    )
    festival_price = models.PositiveIntegerField(
        _("节庆价（元）"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100_000)], help_text=_("“节庆”时段内每晚；不填按旺季价")
    )
    photos = StreamField([("photo", ImageChooserBlock(label=_("照片")))], blank=True, verbose_name=_("房间照片"))

    panels = [
        FieldRowPanel([FieldPanel("room_type"), FieldPanel("beds")]),
        FieldRowPanel([FieldPanel("capacity"), FieldPanel("price_per_night")]),
        FieldRowPanel([FieldPanel("weekend_price"), FieldPanel("peak_price"), FieldPanel("festival_price")]),
        FieldPanel("photos"),
    ]
    api_fields = [
        APIField("room_type"),
        APIField("beds"),
        APIField("capacity"),
        APIField("price_per_night"),
        APIField("weekend_price"),
        APIField("peak_price"),
        APIField("festival_price"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("房间")
        verbose_name_plural = _("房间")

    def __str__(self):
        return f"{self.room_type} ¥{self.price_per_night}"

    def price_on(self, night, season: str | None = None) -> int:
        """The price of the night starting on `night`; `season` is the house's season that night
        (see HomestayPage.season_on). 节庆 falls back to 旺季, both to the weekday/weekend price."""
        if season == Season.FESTIVAL and self.festival_price:
            return self.festival_price
        if season in (Season.FESTIVAL, Season.PEAK) and self.peak_price:
            return self.peak_price
        if night.weekday() in (4, 5) and self.weekend_price:  # Friday and Saturday nights
            return self.weekend_price
        return self.price_per_night

    @property
    def photo_ids(self) -> list[int]:
        ids = []
        for block in self.photos.raw_data:
            value = block.get("value") if isinstance(block, dict) else None
            if isinstance(value, int):
                ids.append(value)
        return ids


class SeasonPeriod(Orderable):
    """A date range the house charges 旺季 or 节庆 prices: content, so it is reviewed like the rest."""

    page = ParentalKey(HomestayPage, on_delete=models.CASCADE, related_name="seasons")
    kind = models.CharField(_("类型"), max_length=10, choices=Season.choices, default=Season.PEAK)
    name = models.CharField(_("名称"), max_length=60, blank=True, help_text=_("例如：暑期、老爷山花儿会"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), help_text=_("含这一天的晚上"))

    panels = [FieldRowPanel([FieldPanel("kind"), FieldPanel("name")]), FieldRowPanel([FieldPanel("start"), FieldPanel("end")])]
    api_fields = [APIField("kind"), APIField("name"), APIField("start"), APIField("end")]

    class Meta(Orderable.Meta):
        verbose_name = _("旺季与节庆时段")
        verbose_name_plural = _("旺季与节庆时段")

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("结束日期不能早于开始日期。")})
        if self.start and self.end and (self.end - self.start).days > 366:
            raise ValidationError({"end": _("一个时段最长一年。")})


class RoomNight(models.Model):
    """A room type that is not bookable on one night (满房 or 不营业); no row means 可订.

    Not a page's inline row: availability changes daily and is not reviewed, so it never makes a
    revision or enters the workflow. Saving one still purges the listing (registered dependents),
    because the listing shows the next 90 days.
    """

    room = models.ForeignKey(HomestayRoom, on_delete=models.CASCADE, related_name="nights", verbose_name=_("房间"))
    date = models.DateField(_("日期"), db_index=True, help_text=_("这一天入住的晚上"))
    status = models.CharField(_("房态"), max_length=10, choices=[c for c in DayStatus.choices if c[0] != DayStatus.FREE])
    source = models.CharField(
        _("来源"), max_length=10, choices=[("owner", _("业主设置")), ("ical", _("外部日历")), ("inquiry", _("确认的咨询"))], default="owner"
    )
    inquiry = models.ForeignKey("Inquiry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("咨询"))
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("房态")
        verbose_name_plural = _("房态")
        constraints = [models.UniqueConstraint(fields=["room", "date"], name="homestays_roomnight_unique")]
        indexes = [models.Index(fields=["date", "room"])]

    def __str__(self):
        return f"{self.room} {self.date} {self.get_status_display()}"


class CalendarImport(models.Model):
    """An OTA's calendar (Airbnb, Booking, 途家…) whose booked dates mark a room type full.

    Kept out of the page: the URL is the owner's private link and pasting it is not content to review.
    """

    room = models.OneToOneField(HomestayRoom, on_delete=models.CASCADE, related_name="calendar_import", verbose_name=_("房间"))
    url = models.URLField(_("外部日历地址 (iCal)"), max_length=1000, help_text=_("在 Airbnb、Booking 或途家后台“导出日历”得到的以 .ics 结尾的链接"))
    fetched_at = models.DateTimeField(_("上次读取"), null=True, blank=True)
    ok_at = models.DateTimeField(_("上次成功"), null=True, blank=True)
    error = models.CharField(_("读取错误"), max_length=300, blank=True)
    error_notified = models.BooleanField(_("已通知业主"), default=False)
    nights = models.PositiveIntegerField(_("导入的晚数"), default=0)

    page_cache_ignore = True  # the nights it writes purge the listing, not this row

    class Meta:
        verbose_name = _("外部日历")
        verbose_name_plural = _("外部日历")

    def __str__(self):
        return f"{self.room}: {self.url}"


def licence_path(instance, filename: str) -> str:
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"licences/{instance.listing_id}/{uuid.uuid4().hex}.{ext}"


class Licence(models.Model):
    """One licence of a listing: the owner enters it, an editor verifies it, the public sees a badge
    until it expires. Not page content: verifying must not wait for (or create) a page revision."""

    listing = models.ForeignKey(HomestayPage, on_delete=models.CASCADE, related_name="licences", verbose_name=_("民宿"))
    kind = models.CharField(_("证照"), max_length=20, choices=LicenceKind.choices)
    number = models.CharField(_("编号"), max_length=60)
    expires = models.DateField(_("有效期至"), null=True, blank=True, help_text=_("长期有效的不填"))
    scan = models.FileField(_("扫描件"), upload_to=licence_path, storage=private_storage, blank=True, help_text=_("照片或 PDF，不公开，只给编辑核验用"))
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("核验人"))
    note = models.CharField(_("编辑备注"), max_length=200, blank=True)
    reminded_for = models.DateField(_("已提醒的到期日"), null=True, blank=True, editable=False)
    created = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("证照")
        verbose_name_plural = _("证照")
        constraints = [models.UniqueConstraint(fields=["listing", "kind"], name="homestays_licence_unique_kind")]
        ordering = ["listing_id", "kind"]

    def __str__(self):
        return f"{self.listing} · {self.get_kind_display()}"

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    def expired(self, today=None) -> bool:
        return self.expires is not None and self.expires < (today or timezone.localdate())

    def shows_badge(self, today=None) -> bool:
        return self.verified and not self.expired(today)


class HomestayGalleryImage(Orderable):
    page = ParentalKey(HomestayPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+", verbose_name=_("照片"))
    caption = models.CharField(_("说明"), max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]
    api_fields = [APIField("image", serializer=RequestImageRenditionField(GALLERY_SPEC)), APIField("caption")]


class Inquiry(models.Model):
    """A traveller's question to one listing. Saved before anything else happens (mail may fail);
    `notified` / `notify_attempts` let `send_pending_inquiry_notices` retry the owner's e-mail."""

    listing = models.ForeignKey(HomestayPage, on_delete=models.CASCADE, related_name="inquiries", verbose_name=_("民宿"))
    name = models.CharField(_("称呼"), max_length=60)
    phone = models.CharField(_("电话"), max_length=30)
    arrival = models.DateField(_("入住日期"))
    departure = models.DateField(_("离店日期"))
    guests = models.PositiveSmallIntegerField(_("人数"))
    message = models.TextField(_("留言"), blank=True, max_length=2000)
    consent = models.BooleanField(_("同意联系"), default=False)
    created = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    notified = models.BooleanField(_("已通知业主"), default=False, db_index=True)
    notify_attempts = models.PositiveSmallIntegerField(_("通知尝试次数"), default=0)
    last_notify_error = models.CharField(_("最近一次通知错误"), max_length=300, blank=True)
    # Issued with the form (see views.inquire): a second submit with the same token is the same
    # inquiry. Unique so that concurrent submits are told apart by the database itself; empty for
    # submissions from pages cached before tokens existed.
    form_token = models.UUIDField(_("表单令牌"), null=True, blank=True, unique=True, editable=False)
    room = models.ForeignKey(HomestayRoom, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("房型"))
    status = models.CharField(_("状态"), max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.NEW, db_index=True)
    replied_at = models.DateTimeField(_("首次回复时间"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("状态更新时间"), null=True, blank=True)
    owner_note = models.CharField(_("业主备注"), max_length=300, blank=True, help_text=_("只有业主和编辑看得到"))

    # An inquiry never shows on public pages: saving one must not purge the page cache.
    page_cache_ignore = True

    class Meta:
        ordering = ["-created"]
        verbose_name = _("住宿咨询")
        verbose_name_plural = _("住宿咨询")

    def __str__(self):
        return f"{self.name} · {self.arrival:%m-%d}–{self.departure:%m-%d} · {self.listing.title}"

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days

    @property
    def status_label(self) -> str:
        if self.status == InquiryStatus.NEW and self.created < timezone.now() - timezone.timedelta(hours=48):
            return str(_("新 · 超过48小时未回复"))
        return str(self.get_status_display())
