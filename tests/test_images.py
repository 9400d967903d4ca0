"""Issue 10, "images as responsive renditions": the presets (portal.images), the
{% responsive_image %} tag, and that pages showing pictures prefetched every rendition they show
(a rendition that is not prefetched costs a query per picture)."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import engines
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory, room
from homestays.models import HomestayGalleryImage, HomestayPage
from news.factories import NewsIndexPageFactory, NewsPageFactory
from news.models import NewsPage
from portal.factories import make_site
from portal.images import AVIF, PRESETS, formats, load_images, picture, prefetch_presets, rendition_specs, stream_image_ids
from products.factories import ProducerFactory, ProductIndexPageFactory, ProductPageFactory
from products.models import ProductGalleryImage, ProductPage
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory
from routes.models import RoutePage

Image = get_image_model()


class Tags(HTMLParser):
    """The start tags of a piece of HTML, as (tag, {attribute: value})."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def all(self, name: str) -> list[dict]:
        return [attrs for tag, attrs in self.tags if tag == name]

    def one(self, name: str) -> dict:
        found = self.all(name)
        assert len(found) == 1, (name, self.tags)
        return found[0]


def widths(srcset: str) -> list[int]:
    return [int(part.split()[1].rstrip("w")) for part in srcset.split(",")]


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load portal_images %}" + source).render(context)


def photo(title="照片", size=(2400, 1800)):
    return Image.objects.create(title=title, file=get_test_image_file(size=size))


def image_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "wagtailimages_" in q["sql"]]


# --- presets ------------------------------------------------------------------------------------


def test_rendition_specs_are_every_format_of_every_step_once():
    specs = rendition_specs("card", "stop", "product_card")  # the same renditions, other `sizes`
    assert specs == [f"fill-{step}|format-{fmt}" for fmt in formats() for step in ("480x320", "960x640")]
    with override_settings(PORTAL_PICTURE_FORMATS=["avif", "webp"]):
        assert rendition_specs("card")[0].endswith("format-avif" if AVIF else "format-webp")
    assert rendition_specs("hero")[-3:] == ["fill-1200x600|format-webp", "fill-640x320|format-webp", "fill-960x480|format-webp"]


def test_unknown_preset_says_which_there_are():
    with pytest.raises(KeyError, match="card"):
        rendition_specs("kard")


def test_every_preset_falls_back_to_one_of_its_steps_and_has_sizes():
    for name, preset in PRESETS.items():
        assert preset.base in preset.steps, name
        assert preset.sizes, name
        assert all(spec.endswith(("format-avif", "format-webp")) for spec in preset.specs()), name


def test_avif_follows_pillow():
    from PIL import features

    assert AVIF == features.check("avif")
    with override_settings(PORTAL_PICTURE_FORMATS=["avif", "webp"]):
        assert formats() == (("avif", "webp") if AVIF else ("webp",))
    assert formats() == ("webp",)  # the test settings: AVIF encoding is the suite's slowest step


# --- the tag ------------------------------------------------------------------------------------


@override_settings(PORTAL_PICTURE_FORMATS=["avif", "webp"])  # the production formats
class ResponsiveImageTagTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.photo = photo()

    def test_card_picture_has_avif_source_and_webp_img_at_the_preset_widths(self):
        tags = Tags(render('{% responsive_image img "card" alt="" class="card-img" %}', img=self.photo))
        self.assertEqual(tags.tags[0][0], "picture")
        sources = tags.all("source")
        img = tags.one("img")
        if AVIF:
            self.assertEqual([s["type"] for s in sources], ["image/avif"])
            self.assertEqual(widths(sources[0]["srcset"]), [480, 960])
            self.assertTrue(all(".avif " in part for part in sources[0]["srcset"].split(",")))
            self.assertEqual(sources[0]["sizes"], PRESETS["card"].sizes)
        # the <img> is the WebP: src, srcset and the size it takes before it loads
        self.assertTrue(img["src"].endswith(".webp"))
        self.assertEqual(widths(img["srcset"]), [480, 960])
        self.assertTrue(all(".webp " in part for part in img["srcset"].split(",")))
        self.assertEqual((img["width"], img["height"]), ("480", "320"))
        self.assertEqual(img["alt"], "")
        self.assertEqual(img["class"], "card-img")
        self.assertEqual(img["loading"], "lazy")
        self.assertEqual(img["decoding"], "async")
        self.assertEqual(img["sizes"], PRESETS["card"].sizes)
        self.assertNotIn("fetchpriority", img)

    def test_eager_hero_is_fetched_first(self):
        tags = Tags(render('{% responsive_image img "hero" alt="田野" class="hero-img" eager=True %}', img=self.photo))
        img = tags.one("img")
        self.assertEqual(img["fetchpriority"], "high")
        self.assertNotIn("loading", img)
        self.assertEqual((img["width"], img["height"], img["alt"]), ("1200", "600", "田野"))
        self.assertIn("fill-1200x600", img["src"])
        self.assertEqual(widths(img["srcset"]), [640, 960, 1200])
        if AVIF:
            self.assertEqual(widths(tags.one("source")["srcset"]), [640, 960, 1200])

    def test_width_and_max_presets_keep_the_old_sizes(self):
        figure = Tags(render('{% responsive_image img "figure" alt="" %}', img=self.photo)).one("img")
        self.assertEqual((figure["width"], figure["height"]), ("800", "600"))  # width-800 of 4:3
        logo = Tags(render('{% responsive_image img "logo" alt="合作社" %}', img=self.photo)).one("img")
        self.assertEqual((logo["width"], logo["height"]), ("160", "120"))  # max-160x160 of 4:3

    def test_sizes_can_be_given(self):
        img = Tags(render('{% responsive_image img "card" alt="" sizes="50vw" %}', img=self.photo)).one("img")
        self.assertEqual(img["sizes"], "50vw")

    def test_no_image_renders_nothing(self):
        self.assertEqual(render('{% responsive_image img "card" alt="" %}', img=None), "")
        html = render('{% responsive_image img "card" as pic %}{% if pic %}{{ pic }}{% else %}<div class="empty"></div>{% endif %}', img=None)
        self.assertEqual(html, '<div class="empty"></div>')

    def test_missing_original_renders_nothing(self):
        gone = photo("丢失")
        os.remove(gone.file.path)
        with self.assertLogs("portal.images", "WARNING"):
            self.assertEqual(render('{% responsive_image img "card" alt="" %}', img=gone), "")

    def test_small_original_lists_each_width_once(self):
        small = photo("小图", size=(300, 200))  # never upscaled: both card steps are 300 wide
        tags = Tags(render('{% responsive_image img "card" alt="" %}', img=small))
        for srcset in [tags.one("img").get("srcset", "")] + [s["srcset"] for s in tags.all("source")]:
            self.assertNotIn(" 300w", srcset)  # one candidate: a plain URL, no duplicate descriptors
        self.assertEqual((tags.one("img")["width"], tags.one("img")["height"]), ("300", "200"))

    def test_alt_is_escaped(self):
        html = render('{% responsive_image img "thumb" alt=alt %}', img=self.photo, alt='"><script>')
        self.assertNotIn("<script>", html)
        self.assertEqual(Tags(html).one("img")["alt"], '"><script>')


# --- prefetching --------------------------------------------------------------------------------


class PrefetchTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.photos = [photo(f"照片{i}", size=(1200, 900)) for i in range(4)]
        for image in cls.photos:
            picture(image, "card")  # the renditions exist, as on a running site

    def test_prefetch_presets_completes_a_list_in_one_query(self):
        images = list(Image.objects.filter(pk__in=[p.pk for p in self.photos]))
        with self.assertNumQueries(1):
            prefetch_presets(images, "card")
        with self.assertNumQueries(0):
            html = "".join(picture(image, "card") for image in images)
        self.assertEqual(html.count("<picture>"), 4)
        with self.assertNumQueries(0):
            prefetch_presets(images, "card")  # already complete: nothing to do

    def test_a_prefetch_that_left_specs_out_costs_a_query_not_new_files(self):
        """Wagtail takes prefetched renditions as all there are and would encode the missing ones
        again (and throw them away on finding them in the database)."""
        image = Image.objects.prefetch_renditions("fill-480x320|format-webp").get(pk=self.photos[0].pk)

        def create_renditions(*filters):
            assert not filters, f"made again: {filters}"  # Wagtail calls it with none to make, too
            return {}

        with mock.patch.object(Image, "create_renditions", side_effect=create_renditions):
            with self.assertNumQueries(1):
                html = picture(image, "card")
        self.assertIn("fill-960x640", html)

    def test_renditions_made_on_first_render_are_reused_by_the_same_object(self):
        fresh = photo("新图", size=(1200, 900))
        image = Image.objects.prefetch_renditions(*rendition_specs("card")).get(pk=fresh.pk)
        picture(image, "card")  # makes them
        with self.assertNumQueries(0):
            picture(image, "card")

    def test_load_images_brings_images_and_renditions_in_one_query(self):
        ids = [p.pk for p in self.photos]
        with self.assertNumQueries(1):
            images = load_images([*ids, None, ids[0]])
        self.assertEqual(set(images), set(ids))
        with self.assertNumQueries(0):
            html = "".join(picture(images[pk], "card") for pk in ids)
        self.assertEqual(html.count("<picture>"), 4)

    def test_load_images_fetches_a_never_shown_image_too(self):
        fresh = photo("未展示", size=(1200, 900))
        with self.assertNumQueries(2):  # the renditions (none for it), then the image itself
            images = load_images([self.photos[0].pk, fresh.pk])
        self.assertEqual(images[fresh.pk].title, "未展示")
        self.assertIn("<picture>", picture(images[fresh.pk], "card"))  # made on first render

    def test_image_choosers_take_pictures_the_page_loaded(self):
        """A StreamField's image chooser brings its images with their renditions in one query, and
        none for pictures the page already loaded before rendering (portal.perf.preloaded)."""
        from portal.blocks import ImageChooserBlock
        from portal.perf import preloaded

        block = ImageChooserBlock()
        ids = [self.photos[0].pk, None, self.photos[1].pk, self.photos[0].pk]
        with self.assertNumQueries(1):
            images = block.bulk_to_python(ids)
        self.assertEqual([image.pk if image else None for image in images], ids)
        self.assertIsNot(images[0], images[3])  # a distinct instance per repeat, as Wagtail's
        with self.assertNumQueries(0):
            self.assertIn("<picture>", picture(images[2], "card"))
        loaded = load_images(ids)
        with preloaded(images=loaded), self.assertNumQueries(0):
            self.assertIs(block.bulk_to_python([self.photos[1].pk])[0], loaded[self.photos[1].pk])

    def test_stream_image_ids_reads_every_image_block(self):
        page = NewsPageFactory.build(body=[])
        page.body = [
            ("image", {"image": self.photos[0], "alt": "a"}),
            ("gallery", {"title": "", "images": [{"image": self.photos[1], "alt": "b"}, {"image": self.photos[2], "alt": "c"}]}),
            ("paragraph", "<p>文字</p>"),
        ]
        raw = type(page).body.field.get_prep_value(page.body)
        page.body = type(page).body.field.to_python(raw)  # raw data again, as a page loaded from the database
        with self.assertNumQueries(0):
            self.assertEqual(stream_image_ids(page.body), [p.pk for p in self.photos[:3]])


def build_site(n: int = 4):
    """Indexes with n pages each, every page with a picture of its own, and full detail pages."""
    home = make_site()
    homestays = HomestayIndexPageFactory(parent=home)
    products = ProductIndexPageFactory(parent=home)
    routes = RouteIndexPageFactory(parent=home)
    news = NewsIndexPageFactory(parent=home)
    producer = ProducerFactory(logo=photo("标志", size=(400, 400)))
    rooms = [room()]
    rooms[0].photos = [("photo", photo("房间")), ("photo", photo("房间2"))]
    for i in range(n):
        HomestayPageFactory(parent=homestays, slug=f"homestay-{i}", image=photo(f"民宿{i}"), featured=True, **({"rooms": rooms} if i == 0 else {}))
        ProductPageFactory(parent=products, slug=f"product-{i}", image=photo(f"产品{i}"), producer=producer, featured=True)
        route = RoutePageFactory(parent=routes, slug=f"route-{i}", hero_image=photo(f"线路{i}"))
        NewsPageFactory(parent=news, slug=f"news-{i}", image=photo(f"资讯{i}"))
    for i in range(3):
        RouteStopFactory(page=route, sort_order=i, image=photo(f"站点{i}"))
    homestay = HomestayPage.objects.get(slug="homestay-0")
    for i in range(3):
        HomestayGalleryImage.objects.create(page=homestay, image=photo(f"相册{i}"), sort_order=i)
    product = ProductPage.objects.get(slug="product-0")
    for i in range(3):
        ProductGalleryImage.objects.create(page=product, image=photo(f"图集{i}"), sort_order=i)
    return home


PAGES = {
    "homestays": "/homestays/",
    "homestay": "/homestays/homestay-0/",
    "products": "/products/",
    "product": "/products/product-0/",
    "routes": "/routes/",
    "route": f"/routes/route-{3}/",
    "news": "/news/",
    "news_item": "/news/news-0/",
}


class PagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = build_site(4)

    def cold(self, url: str):
        self.client.get(url)  # renditions are made once, as on a running site
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return response.content.decode(), image_queries(ctx.captured_queries)

    def test_pages_show_pictures_in_the_configured_formats(self):
        for name, url in PAGES.items():
            with self.subTest(page=name):
                html, _ = self.cold(url)
                self.assertIn("<picture>", html)
                self.assertNotIn('type="image/avif"', html)  # the test settings make WebP only
                pictures = Tags(html).all("img")
                shown = [img for img in pictures if img.get("srcset") or img.get("src", "").endswith(".webp")]
                self.assertTrue(shown)
                for img in shown:
                    self.assertIn("width", img)
                    self.assertIn("height", img)
                    self.assertIn("alt", img)

    def test_index_cards_are_lazy(self):
        html, _ = self.cold("/homestays/")
        cards = [img for img in Tags(html).all("img") if img.get("class") == "card-img"]
        self.assertEqual(len(cards), 4)
        self.assertTrue(all(img["loading"] == "lazy" for img in cards))

    def test_heroes_are_eager(self):
        for url, css in (("/homestays/homestay-0/", None), ("/products/product-0/", None), ("/routes/route-3/", "route-hero-img"), ("/news/news-0/", None)):
            with self.subTest(url=url):
                html, _ = self.cold(url)
                first = next(img for img in Tags(html).all("img") if img.get("srcset"))
                self.assertEqual(first.get("fetchpriority"), "high")
                self.assertNotIn("loading", first)
                if css:
                    self.assertEqual(first["class"], css)

    def test_no_rendition_query_per_picture(self):
        """Listings, galleries, rooms and stops come with their renditions, in one query per list;
        only the page's own picture (which nothing lists) may be looked up by itself."""
        own = {
            "homestay": HomestayPage.objects.get(slug="homestay-0").image_id,
            "product": ProductPage.objects.get(slug="product-0").image_id,
            "route": RoutePage.objects.get(slug="route-3").hero_image_id,
            "news_item": NewsPage.objects.get(slug="news-0").image_id,
        }
        for name, url in PAGES.items():
            with self.subTest(page=name):
                _, queries = self.cold(url)
                one_by_one = {int(pk) for q in queries if "wagtailimages_rendition" in q for pk in re.findall(r'"image_id" = (\d+)', q)}
                self.assertLessEqual(one_by_one, {own[name]} if name in own else set(), "\n".join(queries))


class HomeCollectionTests(TestCase):
    """Home-page sections are filled by each app's provider, prefetching what it needs for itself;
    the section completes the cards' renditions in one query, however many cards."""

    @classmethod
    def setUpTestData(cls):
        cls.home = build_site(4)

    def rendition_queries(self, limit: int) -> int:
        sources = ("routes", "featured_homestays", "featured_products", "latest_news")
        self.home.body = [("collection", {"heading": s, "source": s, "limit": limit, "more_page": None}) for s in sources]
        self.home.save_revision().publish()
        self.client.get("/")
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get("/")
        html = response.content.decode()
        self.assertEqual(html.count('class="card-img"'), limit * len(sources))
        return len([q for q in image_queries(ctx.captured_queries) if "wagtailimages_rendition" in q])

    def test_cards_cost_the_same_for_one_or_four(self):
        self.assertEqual(self.rendition_queries(1), self.rendition_queries(4))
