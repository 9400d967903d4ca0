"""The one shared StreamBlock (after bakerydemo's base/blocks.py) and the home page's blocks.

Every body field in the portal uses BaseStreamBlock so editors meet the same tools everywhere.
Images carry alt text that is required: the portal is read by screen readers too.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock as WagtailImageChooserBlock

from portal.cards import specific_cards
from portal.i18n import localized_ids
from portal.images import attach_images, load_images
from portal.perf import in_order, memoised, preloaded_objects
from portal.registry import collection_choices, layer_choices, registry


class ImageChooserBlock(WagtailImageChooserBlock):
    """Wagtail's image chooser, whose images come with all their renditions in one query
    (portal.images.load_images), or with none when the page already loaded them before
    rendering (portal.perf.preloaded). Stored exactly as Wagtail's, so migrations name that one."""

    def bulk_to_python(self, values):
        known = preloaded_objects("images")
        images = {pk: known[pk] for pk in values if pk in known}
        images.update(load_images(pk for pk in values if pk not in images))
        return in_order(values, images)

    def deconstruct(self):
        return ("wagtail.images.blocks.ImageChooserBlock", *super().deconstruct()[1:])


class PageChooserBlock(blocks.PageChooserBlock):
    """Wagtail's page chooser, taking the pages the page frame already holds (portal.perf.preloaded:
    the home page's sections) instead of fetching them again. Stored exactly as Wagtail's."""

    def bulk_to_python(self, values):
        from wagtail.models import Page

        model = self.model_class
        pages = {}
        for pk in values:
            row = preloaded_objects("pages").get(pk)
            if row is None:
                continue
            if model is Page:
                pages[pk] = row
            elif row.specific_class is not None and issubclass(row.specific_class, model):
                pages[pk] = row.specific_deferred
        missing = [pk for pk in values if pk is not None and pk not in pages]
        if missing:
            pages.update(model.objects.in_bulk(missing))
        return in_order(values, pages)

    def deconstruct(self):
        return ("wagtail.blocks.PageChooserBlock", *super().deconstruct()[1:])


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    alt = blocks.CharBlock(label=_("替代文字"), max_length=200, help_text=_("为看不到图片的读者描述图片内容。"))
    caption = blocks.CharBlock(label=_("说明"), required=False, max_length=250)
    attribution = blocks.CharBlock(label=_("来源"), required=False, max_length=120)

    class Meta:
        icon = "image"
        template = "portal/blocks/image_block.html"


class GalleryBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), required=False, max_length=120)
    images = blocks.ListBlock(ImageBlock(), label=_("图片"), min_num=1)

    class Meta:
        icon = "image"
        template = "portal/blocks/gallery_block.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("引文"))
    attribute_name = blocks.CharBlock(label=_("出处"), required=False, max_length=120)

    class Meta:
        icon = "openquote"
        template = "portal/blocks/quote_block.html"


class MapPointBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("名称"), max_length=120)
    latitude = blocks.FloatBlock(label=_("纬度"), min_value=-90, max_value=90, help_text=_("WGS-84, e.g. 36.4901 for 塔尔寺"))
    longitude = blocks.FloatBlock(label=_("经度"), min_value=-180, max_value=180, help_text=_("WGS-84, e.g. 101.5671 for 塔尔寺"))
    zoom = blocks.IntegerBlock(label=_("缩放"), default=13, min_value=3, max_value=18)

    class Meta:
        icon = "site"
        template = "portal/blocks/map_point_block.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("视频链接"), help_text=_("视频页面的链接，例如央视频、哔哩哔哩或优酷。"))
    caption = blocks.CharBlock(label=_("说明"), required=False, max_length=250)

    class Meta:
        icon = "media"
        template = "portal/blocks/video_block.html"


class BaseStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("小标题"), form_classname="title", icon="title", template="portal/blocks/heading_block.html")
    paragraph = blocks.RichTextBlock(label=_("正文"), icon="pilcrow", features=["bold", "italic", "link", "ol", "ul", "h3", "h4"])
    image = ImageBlock()
    gallery = GalleryBlock()
    quote = QuoteBlock()
    video = VideoBlock()
    map_point = MapPointBlock()


# ---------------------------------------------------------------------------------------------
# Home page blocks: editors compose the home page; the data-driven sections are filled by the
# subject apps through portal.registry collections.


class HeroBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), max_length=80)
    subtitle = blocks.TextBlock(label=_("副标题"), required=False, max_length=240)
    image = ImageChooserBlock(label=_("背景图"), required=False)
    image_alt = blocks.CharBlock(label=_("替代文字"), required=False, max_length=200)
    link_page = PageChooserBlock(label=_("按钮链接"), required=False)
    link_text = blocks.CharBlock(label=_("按钮文字"), required=False, max_length=40)

    class Meta:
        icon = "image"
        template = "portal/blocks/hero_block.html"


class FeaturedPagesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("标题"), max_length=80)
    pages = blocks.ListBlock(PageChooserBlock(), label=_("页面"), min_num=1)
    more_page = PageChooserBlock(label=_("“查看全部”链接 'See all' link"), required=False)

    class Meta:
        icon = "list-ul"
        template = "portal/blocks/featured_pages_block.html"

    def get_context(self, value, parent_context=None):
        from wagtail.models import Page

        context = super().get_context(value, parent_context)
        # Picked on the Chinese page and copied with it: the English page shows the English copies.
        ids, fallback = localized_ids(page.pk for page in value["pages"] if page is not None)
        items = specific_cards(Page.objects.filter(pk__in=ids), order=ids)
        for item in items:
            item.lang_fallback = item.pk in fallback
        context["items"] = items
        return context


class CollectionBlock(blocks.StructBlock):
    """A section the portal fills itself (e.g. upcoming festivals), so it never goes stale."""

    heading = blocks.CharBlock(label=_("标题"), max_length=80)
    source = blocks.ChoiceBlock(label=_("内容"), choices=collection_choices)
    limit = blocks.IntegerBlock(label=_("数量"), default=3, min_value=1, max_value=12)
    more_page = PageChooserBlock(label=_("“查看全部”链接 'See all' link"), required=False)

    class Meta:
        icon = "list-ul"
        template = "portal/blocks/collection_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        items = collection_items(value["source"], value["limit"], (parent_context or {}).get("page"))
        attach_images(items)  # no query when the home page gathered them (HomePage.pictured)
        context["items"] = items
        return context


def collection_items(source: str, limit: int, page=None) -> list:
    """A collection's pages from the app that registered it, once per request: the home page asks
    before it renders (to fetch every picture on it in one query), the block again as it renders."""
    provider = registry.collections.get(source)
    if provider is None:
        return []
    return memoised(page, ("collection", source, limit), lambda: list(provider[1](limit)))


class MapTeaserBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("标题"), max_length=80)
    text = blocks.TextBlock(label=_("说明"), required=False)
    map_page = PageChooserBlock(label=_("地图页"), page_type="portal.MapPage", required=False)
    layers = blocks.MultipleChoiceBlock(
        label=_("图层"),
        required=False,
        choices=layer_choices,
    )

    class Meta:
        icon = "site"
        template = "portal/blocks/map_teaser_block.html"


class HomeStreamBlock(blocks.StreamBlock):
    hero = HeroBlock()
    featured = FeaturedPagesBlock()
    collection = CollectionBlock()
    map_teaser = MapTeaserBlock()
    paragraph = blocks.RichTextBlock(label=_("正文"), features=["bold", "italic", "link"])
