"""The shared ground floor: the home page, the map page, site settings and the base page.

Subject apps build on `BasePage` so every page can be shared (Open Graph image), listed as a card
and shown on the map in the same way, without `portal` knowing the subject apps.
"""

from django.core.paginator import Paginator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from portal.blocks import BaseStreamBlock, HomeStreamBlock, collection_items
from portal.i18n import language_of
from portal.images import stream_chooser_ids
from portal.panels import TitleFieldPanel
from portal.perf import Frame
from portal.registry import registry
from portal.richtext import normalise_newlines
from portal.seo import SCHEMA, breadcrumb_list, hreflang, provider_organization
from portal.slugs import PinyinSlugPageForm, apply_pinyin_slug


class BasePage(Page):
    """Abstract parent of every portal page: a share image and what a card needs."""

    share_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("分享图片"),
        help_text=_("分享到微信或微博时显示，至少 300×300；不填则用页面的主图。"),
    )

    # portal.panels.TitleFieldPanel: no slug-sync controller when the user's form has no slug
    content_panels = [TitleFieldPanel("title")]
    base_form_class = PinyinSlugPageForm  # pinyin slugs for Chinese titles (portal.slugs)
    promote_panels = Page.promote_panels + [FieldPanel("share_image")]

    class Meta:
        abstract = True

    # Before Wagtail's own defaults and checks (a slug unique among the siblings): a Chinese title
    # gets a pinyin slug while the page was never published (portal.slugs), and line breaks are
    # stored as LF whatever the browser posted, so a re-save changes nothing (portal.richtext).
    def full_clean(self, *args, **kwargs):
        apply_pinyin_slug(self)
        normalise_newlines(self)
        super().full_clean(*args, **kwargs)

    def minimal_clean(self):
        apply_pinyin_slug(self)
        normalise_newlines(self)
        super().minimal_clean()

    # Subclasses override these two so cards, map popups and share previews agree.
    @property
    def card_image(self):
        return self.share_image

    @property
    def card_summary(self) -> str:
        return self.search_description or ""

    def get_share_image(self):
        return self.share_image or self.card_image

    # Detail pages (routes, homestays, products) offer a printable QR code of their URL.
    show_qr = False

    # Relations a card of this page reads (portal.cards prefetches them for a list of cards).
    card_prefetch: tuple[str, ...] = ()

    def pictured(self) -> list:
        """The objects whose pictures the page shows (itself, and e.g. the cards it lists): their
        image foreign keys are loaded with the pictures of its StreamFields, with all their
        renditions, in one query before it renders (portal.perf.Frame.prepare)."""
        return [self]

    @classmethod
    def serve_companions(cls, pk):
        """(condition, limit) for other pages of this model that the page lists (a producer's other
        products), so portal.perf fetches them in the page's own query instead of one more; the
        page finds them in `served_companions`. None: it lists none."""
        return None

    def get_view_restrictions(self):
        """None to check when routing found the page and its ancestors public (portal.perf: the
        frame's query marked them), else Wagtail's own lookup."""
        if getattr(self, "portal_public", False):
            from wagtail.models import PageViewRestriction

            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()

    def get_sitemap_urls(self, request=None):
        """Wagtail's sitemap entry, marked with the page's language and translation key so that
        portal.seo.PortalSitemap lists its copies as hreflang alternates. A page serving routes
        below its URL extends this list with `sitemap_url` entries."""
        return [{**url, **self._sitemap_marks(self.translation_key)} for url in super().get_sitemap_urls(request)]

    def sitemap_url(self, location: str, alternate_key: str, lastmod=None) -> dict:
        """A sitemap entry for a route of this page; `alternate_key` is shared by the same route of
        the page's copies in other languages (e.g. the translation key of the snippet it shows)."""
        return {"location": location, "lastmod": lastmod, **self._sitemap_marks(alternate_key)}

    def _sitemap_marks(self, alternate_key) -> dict:

        return {"language": hreflang(language_of(self)), "alternate_key": str(alternate_key)}

    def provider_organization(self, request) -> dict:
        return provider_organization(request, PortalSettings.for_request(request) if request is not None else None)

    def get_structured_data(self, request) -> list[dict]:
        """schema.org objects for this page (JSON-LD); detail pages extend this list.

        Every page carries its BreadcrumbList; base.html renders whatever this returns.
        """

        return [breadcrumb_list(self, request)] if self.depth > 2 else []


class HomePage(BasePage):
    intro = models.CharField(_("导语"), max_length=250, blank=True)
    body = StreamField(HomeStreamBlock(), blank=True, verbose_name=_("首页内容"))

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    # the portal's own pages and the apps' section index pages, as registered (portal.registry);
    # Wagtail reads the list when the admin first asks, after every app is ready
    subpage_types = registry.home_sections

    content_panels = BasePage.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]
    api_fields = [APIField("intro"), APIField("body")]

    class Meta:
        verbose_name = _("首页")

    def route(self, request, path_components):
        """Wagtail's routing, in one query for the whole way down from here (every URL of the site
        starts at the home page): the page frame, see portal.perf."""

        frame = Frame.build(self, path_components, () if path_components else stream_chooser_ids(self.body, "page"))
        if request is not None:
            request.portal_frame = frame
        if path_components:
            return frame.route(request, path_components)
        frame.page, frame.ancestors = self, [self]
        self.portal_public = self._portal_private is False and self.alias_of_id is None
        frame.prepare(self)
        return super().route(request, path_components)

    def pictured(self) -> list:
        """The page and its collections' cards: the collections are computed here, once per page
        instance (portal.blocks.collection_items), so every picture on the home page comes in one
        query."""

        items = []
        limit_block = self.body.stream_block.child_blocks["collection"].child_blocks["limit"]
        for raw in self.body.raw_data:
            if raw.get("type") != "collection" or not isinstance(raw.get("value"), dict):
                continue
            value = raw["value"]
            items.extend(collection_items(value.get("source"), value.get("limit") or limit_block.get_default(), self))
        return [self, *items]

    def get_structured_data(self, request) -> list[dict]:
        """The site itself: a schema.org WebSite with its search, in the page's language."""

        site = self.provider_organization(request)
        search = reverse("search")
        target = (request.build_absolute_uri(search) if request is not None else search) + "?q={search_term_string}"
        return super().get_structured_data(request) + [
            {
                "@context": SCHEMA,
                "@type": "WebSite",
                "name": site["name"],
                "url": site["url"],
                "inLanguage": "en" if (get_language() or "").startswith("en") else "zh-Hans",
                "publisher": site,
                "potentialAction": {"@type": "SearchAction", "target": target, "query-input": "required name=search_term_string"},
            }
        ]


class SectionIndexPage(BasePage):
    """A section under the home page (routes, homestays, products, news): one per language, with its
    intro, listing its children a page at a time. Its app offers it with `registry.register_home_section`."""

    intro = RichTextField(_("导语"), blank=True, features=["bold", "italic", "link"])
    per_page = 12

    max_count = 1
    parent_page_types = ["portal.HomePage"]

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]
    api_fields = [APIField("intro")]

    class Meta:
        abstract = True

    def paginate(self, request, items, per_page: int | None = None):
        """The page of `items` that ?page= asks for (Django's Page; the last one when out of range)."""
        return Paginator(items, per_page or self.per_page).get_page(request.GET.get("page"))


class MapPage(BasePage):
    """/map/: every layer on one map; the layers come from the registry, not from this model."""

    intro = RichTextField(_("导语"), blank=True, features=["bold", "italic", "link"])

    max_count = 1
    parent_page_types = ["portal.HomePage"]
    subpage_types: list[str] = []
    shows_all_layers = True  # portal.cache purges it whenever any layer changes

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = _("地图页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(registry.page_view(self, "context")(self, request))
        return context


class StandardPage(BasePage):
    """Plain pages such as 关于我们 About or 游客须知 Visitor advice."""

    intro = models.CharField(_("导语"), max_length=250, blank=True)
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("正文"))

    parent_page_types = ["portal.HomePage", "portal.StandardPage"]
    subpage_types = ["portal.StandardPage"]
    content_panels = BasePage.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = BasePage.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    api_fields = [APIField("intro"), APIField("body")]

    class Meta:
        verbose_name = _("普通页面")


TILE_PROVIDER_CHOICES = [
    ("", _("按部署设置")),
    ("osm", "OpenStreetMap"),
    ("tianditu", _("天地图")),
    ("gaode", _("高德（GCJ-02）")),
    ("custom", _("自建瓦片")),
]


@register_setting(icon="cog")
class PortalSettings(BaseSiteSetting):
    site_name = models.CharField(_("网站名称"), max_length=80, default="西宁乡村文旅门户")
    site_name_en = models.CharField(_("英文名称"), max_length=80, default="Xining Rural Portal")
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    footer_text = models.TextField(_("页脚文字"), blank=True)
    footer_text_en = models.TextField(_("英文页脚文字"), blank=True, help_text=_("英文网站（/en/）显示这段文字，代替页脚文字。"))
    icp_number = models.CharField(_("ICP备案号"), max_length=60, blank=True, help_text=_("例如：青ICP备12345678号-1；按规定显示在页脚。"))
    wechat_qr = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("微信公众号二维码"))
    weibo_url = models.URLField(_("微博链接"), blank=True)
    tile_provider = models.CharField(_("地图瓦片"), max_length=20, blank=True, choices=TILE_PROVIDER_CHOICES, help_text=_("覆盖部署时设置的地图瓦片来源。"))
    tile_url = models.CharField(_("自建瓦片地址"), max_length=300, blank=True, help_text="https://tiles.example.cn/{z}/{x}/{y}.png")
    tianditu_key = models.CharField(_("天地图密钥（tk）"), max_length=64, blank=True)

    panels = [
        MultiFieldPanel(
            [FieldPanel("site_name"), FieldPanel("site_name_en"), FieldPanel("footer_text"), FieldPanel("footer_text_en"), FieldPanel("icp_number")], _("网站")
        ),
        MultiFieldPanel([FieldPanel("contact_phone"), FieldPanel("contact_email"), FieldPanel("wechat_qr"), FieldPanel("weibo_url")], _("联系")),
        MultiFieldPanel([FieldPanel("tile_provider"), FieldPanel("tile_url"), FieldPanel("tianditu_key")], _("地图")),
    ]

    class Meta:
        verbose_name = _("门户设置")


class LayerFeature(models.Model):
    """One feature of a map layer in one language, exactly as /api/geo/<layer>.geojson serves it.

    The layers' stored form, kept like Wagtail's search index entries: building a layer runs its
    app's queries (pages, images, renditions, inline rows), reading it back is one query, so a map
    page or a "nearby" list costs one query for all the layers it draws even when the cache is
    empty — after a deploy, or after a publish purged the page cache for an unrelated edit.
    `portal.layers.invalidate()` deletes a layer's rows whenever its content changes (portal.cache,
    after the change commits), and the next read rebuilds it; for a layer whose features name their
    object, `portal.layers.refresh()` replaces that object's rows alone, so an edit costs the same
    however large the layer. Row `position` -1 marks a layer as built (an empty layer is built too)
    and carries its build time, version, size and extent.
    """

    page_cache_ignore = True  # a copy of what pages show, not content

    layer = models.CharField(max_length=40)
    language = models.CharField(max_length=16)
    position = models.IntegerField()
    feature = models.JSONField()
    # The object the feature shows, as its layer names it (Layer.keys_of): publishing one homestay
    # replaces its own rows instead of rebuilding the layer.
    key = models.CharField(max_length=64, blank=True, default="")
    # What a view needs without reading the JSON: the feature's bounds (WGS-84), the Web Mercator
    # pixel of a point at zoom 20 (portal.geo.world_pixel: the clustering grid of every zoom is a
    # whole division of it) and its kind, so the database filters a view and counts its clusters.
    west = models.FloatField(null=True)
    south = models.FloatField(null=True)
    east = models.FloatField(null=True)
    north = models.FloatField(null=True)
    px = models.IntegerField(null=True)
    py = models.IntegerField(null=True)
    kind = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["layer", "language", "position"], name="portal_layerfeature_unique_position")]
        indexes = [
            models.Index(fields=["layer", "language", "key"], name="portal_layerfeature_key"),
            models.Index(fields=["layer", "language", "west", "south"], name="portal_layerfeature_bounds"),
        ]
        verbose_name = "map layer feature"

    def __str__(self):
        return f"{self.layer}[{self.language}] #{self.position}"
