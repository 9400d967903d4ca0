"""The favicon, touch and app icons (issue 20, point 7), the web app manifests (issue 23, point 1),
and the alt text of card pictures.

Icons: browsers and WeChat fetch /favicon.ico and /apple-touch-icon.png from the site root on their
own, so those answer 200 with the right type and a long max-age, without rendering a page.
Manifests: one per language, each with what Chromium needs to offer the install; every icon they name
is served, at the size it declares, from 48 to 512 px and maskable at 512; pages link their
language's manifest.
Alt text: a card's picture says what its image shows (the image's description, or a news item's own
alt text), and stays decorative (alt="") when nobody has described it, never the image title.
"""

from __future__ import annotations

import io
import json
import re

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import TestCase
from django.urls import resolve
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale

from news.factories import NewsIndexPageFactory, NewsPageFactory
from portal.demo import translate_page
from portal.factories import make_site
from portal.icons import MAX_AGE, root_icon
from portal.images import card_alt_text, image_alt_text

MANIFESTS = ("site.webmanifest", "site.en.webmanifest")  # Chinese pages link the first, English ones the second
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


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


class ManifestTests(TestCase):
    """The two web app manifests (issue 23, point 1): what Chromium needs to offer the install, the
    icons launchers ask for, each manifest in its language, and each language's pages linking theirs."""

    REQUIRED = {"name", "short_name", "start_url", "scope", "id", "display", "theme_color", "icons", "lang"}
    ANY_SIZES = {48, 72, 96, 128, 144, 192, 256, 384, 512}

    def manifest(self, name: str) -> dict:
        response = self.client.get(static(f"portal/icons/{name}"))
        self.assertEqual(response.status_code, 200, name)
        self.assertEqual(response["Content-Type"], "application/manifest+json", name)
        return json.loads(b"".join(response.streaming_content) if response.streaming else response.content)

    def manifests(self):
        for name in MANIFESTS:
            with self.subTest(manifest=name):
                yield name, self.manifest(name)

    def test_both_manifests_have_what_an_installable_app_needs(self):
        for name, manifest in self.manifests():
            self.assertLessEqual(self.REQUIRED, set(manifest), name)
            self.assertTrue(manifest["name"] and manifest["description"])
            self.assertLessEqual(len(manifest["short_name"]), 12, manifest["short_name"])
            self.assertEqual(manifest["display"], "standalone")
            self.assertEqual(manifest["scope"], "/")
            self.assertEqual(manifest["theme_color"], "#1f6f5c")
            self.assertEqual(manifest["background_color"], "#f6f8f7")
            self.assertTrue(manifest["start_url"].startswith(manifest["scope"]))

    def test_each_manifest_speaks_its_language(self):
        zh, en = self.manifest("site.webmanifest"), self.manifest("site.en.webmanifest")
        self.assertEqual((zh["lang"], zh["name"], zh["start_url"], zh["id"]), ("zh-Hans", "西宁乡村文旅", "/", "/"))
        self.assertEqual((en["lang"], en["name"], en["start_url"], en["id"]), ("en", "Xining Rural Portal", "/en/", "/en/"))
        self.assertTrue(CJK.search(zh["short_name"]) and CJK.search(zh["description"]))
        self.assertFalse(CJK.search(json.dumps(en, ensure_ascii=False)), "Chinese left in the English manifest")
        self.assertEqual([(s["name"], s["url"]) for s in zh["shortcuts"]], [("我的离线线路", "/offline/")])
        self.assertEqual([(s["name"], s["url"]) for s in en["shortcuts"]], [("My offline routes", "/en/offline/")])

    def test_every_icon_named_exists_at_its_declared_size(self):
        for name, manifest in self.manifests():
            icons = manifest["icons"] + [icon for shortcut in manifest["shortcuts"] for icon in shortcut["icons"]]
            sizes = {"any": set(), "maskable": set()}
            for icon in icons:
                self.assertLessEqual({"src", "sizes", "type", "purpose"}, set(icon), icon)
                path = finders.find(f"portal/icons/{icon['src']}")
                self.assertIsNotNone(path, f"{icon['src']} is named by {name} but missing")
                self.assertEqual(self.client.get(static(f"portal/icons/{icon['src']}")).status_code, 200, icon["src"])
                if icon["type"] != "image/png":
                    self.assertEqual(icon["sizes"], "any", icon["src"])  # the SVG
                    continue
                width, height = (int(n) for n in icon["sizes"].split("x"))
                png = PILImage.open(path)
                self.assertEqual((png.format, png.size), ("PNG", (width, height)), icon["src"])
                if icon["purpose"] == "maskable":
                    self.assertNotIn("A", png.getbands(), f"{icon['src']}: a mask shows its transparent corners black")
                sizes[icon["purpose"]].add(width)
            self.assertLessEqual(self.ANY_SIZES, sizes["any"], name)
            self.assertGreaterEqual(max(sizes["maskable"], default=0), 512, name)
            for shortcut in manifest["shortcuts"]:
                self.assertIn("96x96", [icon["sizes"] for icon in shortcut["icons"]], shortcut["name"])

    def test_pages_link_the_icons_and_their_languages_manifest(self):
        home = make_site()
        translate_page(home, Locale.objects.create(language_code="en"), title="Xining Rural Portal")
        zh, en = self.client.get("/"), self.client.get("/en/")
        self.assertEqual((zh.status_code, en.status_code), (200, 200))
        zh, en = zh.content.decode(), en.content.decode()
        for rel, name in [
            ("icon", "favicon.ico"),
            ("icon", "icon-32.png"),
            ("icon", "icon.svg"),
            ("apple-touch-icon", "apple-touch-icon.png"),
        ]:
            self.assertIn(f'rel="{rel}" href="{static("portal/icons/" + name)}"', zh)
            self.assertIn(f'rel="{rel}" href="{static("portal/icons/" + name)}"', en)
            self.assertEqual(self.client.get(static("portal/icons/" + name)).status_code, 200, name)
        self.assertEqual(re.findall(r'rel="manifest" href="([^"]+)"', zh), [static("portal/icons/site.webmanifest")])
        self.assertEqual(re.findall(r'rel="manifest" href="([^"]+)"', en), [static("portal/icons/site.en.webmanifest")])


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
