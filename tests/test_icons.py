"""The favicon, touch and app icons (issue 20, point 7), and the alt text of card pictures.

Icons: browsers and WeChat fetch /favicon.ico and /apple-touch-icon.png from the site root on their
own, so those answer 200 with the right type and a long max-age, without rendering a page; the
manifest and every icon it names are served, at the sizes it declares; pages link them.
Alt text: a card's picture says what its image shows (the image's description, or a news item's own
alt text), and stays decorative (alt="") when nobody has described it, never the image title.
"""

from __future__ import annotations

import io
import json

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import TestCase
from django.urls import resolve
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from news.factories import NewsIndexPageFactory, NewsPageFactory
from portal.factories import make_site
from portal.icons import MAX_AGE, root_icon
from portal.images import card_alt_text, image_alt_text


def max_age(response) -> int:
    for part in response["Cache-Control"].split(","):
        key, _, value = part.strip().partition("=")
        if key == "max-age":
            return int(value)
    return 0


class RootIconTests(TestCase):
    def test_favicon_is_a_multi_size_ico_with_a_long_max_age(self):
        response = self.client.get("/favicon.ico")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/x-icon")
        self.assertGreaterEqual(max_age(response), 7 * 24 * 3600)
        self.assertIn("public", response["Cache-Control"])
        self.assertIs(resolve("/favicon.ico").func, root_icon)  # a file, not a page render
        ico = PILImage.open(io.BytesIO(response.content))
        self.assertEqual(ico.format, "ICO")
        self.assertEqual(ico.info["sizes"], {(16, 16), (32, 32), (48, 48)})

    def test_apple_touch_icons_are_opaque_180px_pngs(self):
        for path in ("/apple-touch-icon.png", "/apple-touch-icon-precomposed.png"):
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], "image/png")
                self.assertEqual(max_age(response), MAX_AGE)
                png = PILImage.open(io.BytesIO(response.content))
                self.assertEqual(png.size, (180, 180))
                self.assertNotIn("A", png.getbands(), "iOS draws a transparent touch icon on black")

    def test_head_and_post_are_told_apart(self):
        self.assertEqual(self.client.head("/favicon.ico").status_code, 200)
        self.assertEqual(self.client.post("/favicon.ico").status_code, 405)

    def test_the_manifest_names_the_site_and_its_icons_at_their_sizes(self):
        response = self.client.get(static("portal/icons/site.webmanifest"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/manifest+json")
        manifest = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
        self.assertEqual(manifest["name"], "西宁乡村文旅")
        self.assertTrue(manifest["short_name"].isascii() and len(manifest["short_name"]) <= 12, manifest["short_name"])
        self.assertEqual(manifest["start_url"], "/")
        purposes = {icon.get("purpose", "any") for icon in manifest["icons"]}
        self.assertEqual(purposes, {"any", "maskable"})
        declared = set()
        for icon in manifest["icons"]:
            path = finders.find(f"portal/icons/{icon['src']}")
            self.assertIsNotNone(path, f"{icon['src']} is named by the manifest but missing")
            if icon["type"] == "image/png":
                width, height = (int(n) for n in icon["sizes"].split("x"))
                self.assertEqual(PILImage.open(path).size, (width, height), icon["src"])
                declared.add(width)
        self.assertLessEqual({192, 512}, declared)

    def test_pages_link_the_icons_and_the_manifest(self):
        make_site()
        html = self.client.get("/").content.decode()
        for rel, name in [
            ("icon", "favicon.ico"),
            ("icon", "icon-32.png"),
            ("icon", "icon.svg"),
            ("apple-touch-icon", "apple-touch-icon.png"),
            ("manifest", "site.webmanifest"),
        ]:
            self.assertIn(f'rel="{rel}" href="{static("portal/icons/" + name)}"', html)
            self.assertEqual(self.client.get(static("portal/icons/" + name)).status_code, 200, name)


class CardAltTextTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.news = NewsIndexPageFactory(parent=cls.home)
        cls.described = Image.objects.create(title="站点 · 塔尔寺", description="塔尔寺的金顶和白塔", file=get_test_image_file())
        cls.undescribed = Image.objects.create(title="IMG_2041", file=get_test_image_file())
        cls.with_own_alt = NewsPageFactory(parent=cls.news, title="法会", image=cls.undescribed, image_alt="法会上的跳欠")
        cls.with_description = NewsPageFactory(parent=cls.news, title="金顶", image=cls.described)
        cls.undescribed_page = NewsPageFactory(parent=cls.news, title="无描述", image=cls.undescribed)

    def test_alt_text_comes_from_the_page_or_the_image_never_the_title(self):
        self.assertEqual(card_alt_text(self.with_own_alt), "法会上的跳欠")
        self.assertEqual(card_alt_text(self.with_description), "塔尔寺的金顶和白塔")
        self.assertEqual(card_alt_text(self.undescribed_page), "")
        self.assertEqual(image_alt_text(self.undescribed), "")
        self.assertEqual(image_alt_text(None), "")

    def test_the_news_list_passes_the_alt_text_through(self):
        html = self.client.get(self.news.url).content.decode()
        self.assertIn('alt="法会上的跳欠"', html)
        self.assertIn('alt="塔尔寺的金顶和白塔"', html)
        self.assertNotIn('alt="IMG_2041"', html)
        self.assertEqual(html.count('class="news-item-img"'), 3)
