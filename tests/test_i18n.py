"""Bilingual site: Chinese at /, English under /en/ (issue 12).

The interface strings (locale/en/LC_MESSAGES/django.po and its compiled .mo), the language switcher
and hreflang links, one copy per page in listings and on the maps, the admin staying Chinese, the
English QR codes, and the English demo content (`load_demo`).
"""

from __future__ import annotations

import ast
import gettext
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase
from django.utils import translation
from lxml import etree
from wagtail.models import Locale, Page

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory
from portal.demo import translate_page
from portal.factories import make_site
from portal.i18n import in_active_language
from routes.factories import RouteIndexPageFactory, RoutePageFactory, RouteStopFactory
from routes.models import RoutePage
from tests.demo_db import load_demo

BASE = Path(settings.BASE_DIR)
PO = BASE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = BASE / "locale" / "en" / "LC_MESSAGES" / "django.mo"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (or msgstr[n]) and flags."""
    entries, entry, key = [], {}, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry:
                entries.append(entry)
            entry, key = {}, None
            continue
        if line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        m = re.match(r"^(msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt)\s+(\".*\")$", line)
        if m:
            key = m.group(1)
            entry[key] = ast.literal_eval(m.group(2))
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
    return [e for e in entries if e.get("msgid")]


def template_strings() -> set[str]:
    """Every literal {% translate "…" %} string in the project's templates."""
    found = set()
    for path in BASE.glob("*/templates/**/*.html"):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')""", text):
            found.add(m.group(1) if m.group(1) is not None else m.group(2))
    return found


def python_strings() -> dict[str, str]:
    """Every literal Chinese string the project's Python code passes to gettext: {string: where}."""
    names = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
    found = {}
    for path in BASE.glob("*/**/*.py"):
        if {".venv", "node_modules", "tests", "migrations"} & set(path.relative_to(BASE).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and CJK.search(arg.value):
                    found.setdefault(arg.value, f"{path.relative_to(BASE)}:{node.lineno}")
    return found


class InterfaceStringsTests(TestCase):
    """The English catalogue: complete, compiled, and the admin untouched."""

    def test_every_chinese_string_has_an_english_translation(self):
        entries = read_po(PO)
        self.assertGreater(len(entries), 500)
        missing = []
        for e in entries:
            if not CJK.search(e["msgid"]) or "fuzzy" in e.get("flags", ()):
                if "fuzzy" in e.get("flags", ()):
                    missing.append(e["msgid"])
                continue
            translations = [v for k, v in e.items() if k.startswith("msgstr")]
            if not translations or not all(translations):
                missing.append(e["msgid"])
        self.assertEqual(missing, [], "untranslated or fuzzy Chinese strings in django.po")

    def test_translations_are_english(self):
        leftovers = []
        for e in read_po(PO):
            for k, v in e.items():
                # A few keep Chinese names or values beside the English (民宿审核, the workflow's name;
                # 县级服务中心, a value the station import accepts), but English must dominate.
                if k.startswith("msgstr") and v and len(CJK.findall(v)) * 2 > len(re.findall(r"[A-Za-z]", v)):
                    leftovers.append((e["msgid"], v))
        self.assertEqual(leftovers, [])

    def test_every_template_string_is_in_the_catalogue(self):
        msgids = {e["msgid"] for e in read_po(PO)}
        missing = sorted(s for s in template_strings() if s not in msgids)
        self.assertEqual(missing, [], "run: manage.py makemessages -l en, translate, compilemessages")

    def test_every_python_string_is_in_the_catalogue(self):
        msgids = {e["msgid"] for e in read_po(PO)}
        strings = python_strings()
        self.assertGreater(len(strings), 300)
        missing = sorted(f"{where} {text}" for text, where in strings.items() if text not in msgids)
        self.assertEqual(missing, [], "add them to locale/en/LC_MESSAGES/django.po, then manage.py compilemessages")

    def test_compiled_catalogue_matches_the_po_file(self):
        catalogue = gettext.GNUTranslations(MO.open("rb"))
        stale = []
        for e in read_po(PO):
            if "msgid_plural" in e or not e.get("msgstr") or "msgctxt" in e:
                continue
            if catalogue.gettext(e["msgid"]) != e["msgstr"]:
                stale.append(e["msgid"])
        self.assertEqual(stale, [], "django.mo is out of date: run manage.py compilemessages")
        self.assertEqual(catalogue.ngettext("%(n)s 晚", "%(n)s 晚", 1), "%(n)s night")
        self.assertEqual(catalogue.ngettext("%(n)s 晚", "%(n)s 晚", 3), "%(n)s nights")

    def test_python_and_template_strings_translate_in_english_only(self):
        with translation.override("en"):
            self.assertEqual(translation.gettext("跳到正文"), "Skip to content")
            self.assertEqual(str(RoutePage(theme="folk").theme_label), "Folk culture")
            self.assertEqual(RoutePage(best_months=[6, 7, 8, 9, 12]).best_months_display, "Jun–Sep, Dec")
        with translation.override("zh-hans"):
            self.assertEqual(translation.gettext("跳到正文"), "跳到正文")
            self.assertEqual(RoutePage(best_months=[6, 7, 8, 9, 12]).best_months_display, "6–9月、12月")

    def test_admin_stays_chinese_for_an_english_browser(self):
        make_site()
        login = self.client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
        self.assertTrue("<title>登录" in login, "the admin login page is not in Chinese")
        admin = get_user_model().objects.create_superuser("root", "root@example.com", "x-Pass-1234567")
        self.client.force_login(admin)
        html = self.client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
        self.assertRegex(html[:300], r'<html[^>]* lang="zh-hans"')
        self.assertTrue("<title>控制面板" in html, "the dashboard is not in Chinese")
        self.assertTrue("Skip to content" not in html)


class BilingualSiteTests(TestCase):
    """A small bilingual site: the routes translated, the homestays partly."""

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.en = Locale.objects.create(language_code="en")
        cls.routes = RouteIndexPageFactory(parent=cls.home)
        cls.route = RoutePageFactory(parent=cls.routes, title="湟中区西纳川休闲农业", slug="xinachuan")
        for n, name in enumerate(["青海藏文化馆", "塔尔寺", "多巴镇"]):
            RouteStopFactory(page=cls.route, name=name, sort_order=n, location={"type": "Point", "coordinates": [101.5 + n / 100, 36.5 + n / 100]})
        cls.route = RoutePage.objects.get(pk=cls.route.pk)
        cls.other_route = RoutePageFactory(parent=cls.routes, title="湟源县历史文化", slug="huangyuan")
        cls.homestays = HomestayIndexPageFactory(parent=cls.home)
        cls.homestay = HomestayPageFactory(parent=cls.homestays, title="卡阳花海小院", slug="kayang")
        cls.translated_homestay = HomestayPageFactory(parent=cls.homestays, title="窎沟花儿院", slug="diaogou-huaer")

        cls.en_home, _ = translate_page(cls.home, cls.en, title="Xining Rural Portal", intro="Rural Hehuang")
        cls.en_routes, _ = translate_page(cls.routes, cls.en, title="Routes")
        english_stops = ["Qinghai Tibetan Culture Museum", "Kumbum Monastery", "Duoba"]

        def fill(page):
            stops = list(page.stops.all())
            for stop, name in zip(stops, english_stops):
                stop.name = name
            page.stops = stops

        cls.en_route, created = translate_page(cls.route, cls.en, fill=fill, title="Xinachuan Leisure Agriculture Route", summary="Farms and a monastery.")
        assert created
        cls.en_homestays, _ = translate_page(cls.homestays, cls.en, title="Homestays")
        cls.en_homestay, _ = translate_page(cls.translated_homestay, cls.en, title="Diaogou Hua'er Courtyard")

    def get(self, url, **extra):
        response = self.client.get(url, **extra)
        self.assertEqual(response.status_code, 200, url)
        return response.content.decode()

    # -- pages and interface -------------------------------------------------------------
    def test_translate_page_makes_real_published_copies_once(self):
        self.assertEqual(self.en_route.locale, self.en)
        self.assertIsNone(self.en_route.alias_of_id)
        self.assertTrue(self.en_route.live)
        self.assertEqual(self.en_route.translation_key, self.route.translation_key)
        self.assertEqual([s.name for s in self.en_route.stops.all()], ["Qinghai Tibetan Culture Museum", "Kumbum Monastery", "Duoba"])
        self.assertEqual([s.name for s in RoutePage.objects.get(pk=self.route.pk).stops.all()], ["青海藏文化馆", "塔尔寺", "多巴镇"])
        again, created = translate_page(self.route, self.en, title="changed")
        self.assertFalse(created)
        self.assertEqual(again.title, "Xinachuan Leisure Agriculture Route")

    def test_english_pages_under_en_with_english_interface(self):
        self.assertEqual(self.en_route.url, "/en/routes/xinachuan/")
        html = self.get("/en/routes/xinachuan/")
        self.assertRegex(html, r'<html lang="en"[ >]')
        self.assertRegex(html, r"<h1[^>]*>Xinachuan Leisure Agriculture Route</h1>")
        self.assertIn("Skip to content", html)
        self.assertIn("Stops along the way", html)
        self.assertIn("Kumbum Monastery", html)
        self.assertNotIn("跳到正文", html)
        self.assertNotIn("沿途站点", html)
        zh = self.get("/routes/xinachuan/")
        self.assertIn('<html lang="zh-Hans" ', zh)
        self.assertIn("跳到正文", zh)
        self.assertIn("沿途站点", zh)
        self.assertNotIn("Kumbum Monastery", zh)
        self.assertIn("Xining Rural Portal", self.get("/en/"))

    def test_chinese_stays_the_default_whatever_the_browser_asks(self):
        html = self.get("/routes/xinachuan/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertIn('<html lang="zh-Hans" ', html)
        self.assertIn("湟中区西纳川休闲农业", html)

    def switcher(self, html) -> list[tuple[str, str, bool]]:
        nav = re.search(r'<nav class="lang-switch"[^>]*>(.*?)</nav>', html, re.S)
        self.assertIsNotNone(nav, "no language switcher")
        return [(m.group(1), m.group(2), "data-fallback" in m.group(0)) for m in re.finditer(r'<a href="([^"]*)"[^>]*hreflang="([^"]*)"[^>]*>', nav.group(1))]

    def test_switcher_leads_to_the_same_page_in_the_other_language(self):
        self.assertEqual(self.switcher(self.get("/routes/xinachuan/")), [("/en/routes/xinachuan/", "en", False)])
        self.assertEqual(self.switcher(self.get("/en/routes/xinachuan/")), [("/routes/xinachuan/", "zh-hans", False)])
        self.assertEqual(self.switcher(self.get("/")), [("/en/", "en", False)])
        self.assertEqual(self.switcher(self.get("/en/")), [("/", "zh-hans", False)])

    def test_switcher_falls_back_to_the_other_home_page(self):
        # 湟源县历史文化 and 卡阳花海小院 have no English copy yet.
        self.assertEqual(self.switcher(self.get("/routes/huangyuan/")), [("/en/", "en", True)])
        self.assertEqual(self.switcher(self.get("/homestays/kayang/")), [("/en/", "en", True)])
        # an unpublished translation is no translation
        self.en_homestay.unpublish()
        self.assertEqual(self.switcher(self.get("/homestays/diaogou-huaer/")), [("/en/", "en", True)])

    def test_switcher_on_views_outside_the_page_tree(self):
        self.assertEqual(self.switcher(self.get("/search/?q=%E5%A1%94")), [("/en/search/?q=%E5%A1%94", "en", False)])
        self.assertEqual(self.switcher(self.get("/en/search/?q=tar")), [("/search/?q=tar", "zh-hans", False)])

    def test_hreflang_alternates(self):
        html = self.get("/routes/xinachuan/")
        alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
        self.assertEqual(
            alternates,
            {"zh-Hans": self.route.get_full_url(), "en": self.en_route.get_full_url(), "x-default": self.route.get_full_url()},
        )
        self.assertEqual(alternates["en"], "http://localhost/en/routes/xinachuan/")
        self.assertEqual(dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', self.get("/en/routes/xinachuan/"))), alternates)
        untranslated = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', self.get("/routes/huangyuan/")))
        self.assertEqual(set(untranslated), {"zh-Hans", "x-default"})
        self.assertIn('<meta property="og:locale" content="en_US">', self.get("/en/routes/xinachuan/"))

    # -- one copy per page ---------------------------------------------------------------
    def layer(self, name, lang=""):
        response = self.client.get(f"/api/geo/{name}.geojson" + (f"?lang={lang}" if lang else ""))
        self.assertEqual(response.status_code, 200)
        return [f["properties"] for f in json.loads(response.content)["features"]]

    def test_layers_show_each_page_once_in_the_requested_language(self):
        zh = self.layer("routes")
        self.assertCountEqual([(p["name"], p["url"]) for p in zh], [("湟中区西纳川休闲农业", "/routes/xinachuan/"), ("湟源县历史文化", "/routes/huangyuan/")])
        en = self.layer("routes", "en")
        # 湟源县历史文化 has no English copy: it is not on the English map at all
        self.assertEqual([(p["name"], p["url"]) for p in en], [("Xinachuan Leisure Agriculture Route", "/en/routes/xinachuan/")])
        self.assertEqual([p["name"] for p in self.layer("stops") if p["route"] == "湟中区西纳川休闲农业"], ["青海藏文化馆", "塔尔寺", "多巴镇"])
        self.assertIn("Kumbum Monastery", [p["name"] for p in self.layer("stops", "en")])
        self.assertNotIn("Kumbum Monastery", [p["name"] for p in self.layer("stops")])
        self.assertCountEqual([p["name"] for p in self.layer("homestays")], ["卡阳花海小院", "窎沟花儿院"])
        self.assertCountEqual([p["name"] for p in self.layer("homestays", "en")], ["Diaogou Hua'er Courtyard"])
        self.assertEqual(self.client.get("/api/geo/routes.geojson?lang=xx").status_code, 200)  # unknown: Chinese

    def test_english_map_pages_ask_for_the_english_layers(self):
        html = self.get("/en/routes/xinachuan/")
        self.assertIn("/api/geo/__layer__.geojson?lang=en", html.replace("&quot;", '"'))
        self.assertNotIn("?lang=", self.get("/routes/xinachuan/").replace("&quot;", '"'))

    def test_index_listings_show_each_page_once(self):
        zh = self.get("/routes/")
        self.assertIn("湟中区西纳川休闲农业", zh)
        self.assertNotIn("Xinachuan Leisure Agriculture Route", zh)
        en = self.get("/en/routes/")
        self.assertIn("Xinachuan Leisure Agriculture Route", en)
        self.assertNotIn("湟中区西纳川休闲农业", en.split("<main", 1)[1])
        homestays_en = self.get("/en/homestays/").split("<main", 1)[1]
        self.assertNotIn("卡阳花海小院", homestays_en)  # not translated yet: not on the English site
        self.assertIn("Diaogou Hua&#x27;er Courtyard", homestays_en)
        self.assertNotIn("窎沟花儿院", homestays_en)
        homestays_zh = self.get("/homestays/").split("<main", 1)[1]
        self.assertIn("窎沟花儿院", homestays_zh)
        self.assertNotIn("Diaogou", homestays_zh)

    def test_in_active_language_query(self):
        qs = RoutePage.objects.live()
        with translation.override("zh-hans"):
            self.assertCountEqual(in_active_language(qs), [self.route, self.other_route])
        with translation.override("en"):
            self.assertCountEqual([p.pk for p in in_active_language(qs)], [self.en_route.pk])

    # -- QR codes ------------------------------------------------------------------------
    def test_qr_codes_of_english_pages_encode_the_english_url(self):
        import zxingcpp
        from PIL import Image

        for page, url in ((self.en_route, "http://localhost/en/routes/xinachuan/"), (self.route, "http://localhost/routes/xinachuan/")):
            response = self.client.get(f"/qr/{page.pk}.png")
            self.assertEqual(response["Content-Type"], "image/png")
            decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))]
            self.assertEqual(decoded, [url])
            self.assertEqual(decoded, [page.get_full_url()])
        html = self.get("/en/routes/xinachuan/")
        self.assertIn(f"/qr/{self.en_route.pk}.svg", html)
        self.assertIn("Scan to share", html)


@pytest.mark.slow  # a whole-demo crawl: the whole English demo, page by page
class EnglishDemoTests(TestCase):
    """`manage.py load_demo`: the English home page, sections, routes and stops, once."""

    @classmethod
    def setUpTestData(cls):
        load_demo()

    def test_english_copies_of_the_home_page_and_every_section(self):
        en = Locale.objects.get(language_code="en")
        home = Page.objects.get(depth=2, locale=Locale.get_default())
        en_home = home.get_translation(en)
        self.assertEqual(en_home.title, "Xining Rural Portal")
        sections = home.get_children().live()
        self.assertGreaterEqual(sections.count(), 5)
        for section in sections:
            copy = section.get_translation(en)
            self.assertTrue(copy.live, section.slug)
            self.assertIsNone(copy.alias_of_id, section.slug)
            self.assertIsNone(CJK.search(copy.title), copy.title)
            self.assertEqual(copy.url, f"/en/{section.slug}/")
            self.assertEqual(self.client.get(copy.url).status_code, 200, copy.url)

    def test_english_home_page(self):
        html = self.client.get("/en/").content.decode()
        self.assertIn('<html lang="en" ', html)
        self.assertIn("Discover rural Hehuang", html)
        for slug in ("xinachuan", "diaogou", "huangyuan"):
            self.assertIn(f'href="/en/routes/{slug}/"', html)

    def test_the_three_routes_and_their_stops_in_english(self):
        from routes.demo import ROUTES, ROUTES_EN, english_stop_name

        en = Locale.objects.get(language_code="en")
        listing = self.client.get("/en/routes/").content.decode()
        for spec in ROUTES:
            english = ROUTES_EN[spec["slug"]]
            page = RoutePage.objects.get(slug=spec["slug"], locale=en)
            self.assertEqual(page.url, f"/en/routes/{spec['slug']}/")
            self.assertEqual(page.title, english["title"])
            self.assertIn(english["title"], listing)
            stops = list(page.stops.all())
            # Proper names keep their Chinese beside the English ("Kumbum Monastery 塔尔寺").
            self.assertEqual([s.name for s in stops], [english_stop_name(en[0], zh[0]) for en, zh in zip(english["stops"], spec["stops"])])
            if spec["slug"] == "xinachuan":
                self.assertIn("Kumbum Monastery 塔尔寺", [s.name for s in stops])
            self.assertEqual(len(stops), len(spec["stops"]))
            for stop in stops:
                self.assertIsNone(CJK.search(stop.description), stop.name)
            html = self.client.get(page.url).content.decode()
            self.assertIn(english["title"], html)
            self.assertIn(english["stops"][0][0], html)
        self.assertIn("Xinachuan Leisure Agriculture Route, Huangzhong", listing)

    def test_readable_ascii_slugs(self):
        slugs = set(Page.objects.filter(depth__gt=2).values_list("slug", flat=True))
        bad = sorted(s for s in slugs if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", s))
        self.assertEqual(bad, [])

    def test_maps_show_each_route_once_per_language(self):
        zh = json.loads(self.client.get("/api/geo/routes.geojson").content)["features"]
        en = json.loads(self.client.get("/api/geo/routes.geojson?lang=en").content)["features"]
        self.assertEqual(len(zh), 3)
        self.assertEqual(len(en), 3)
        self.assertTrue(all(f["properties"]["url"].startswith("/en/routes/") for f in en))
        self.assertFalse(any(f["properties"]["url"].startswith("/en/") for f in zh))

    def test_sitemap_lists_every_public_page_in_both_languages_with_lastmod(self):
        tree = etree.fromstring(self.client.get("/sitemap.xml").content)
        urls = {u.findtext(f"{SITEMAP_NS}loc"): u.findtext(f"{SITEMAP_NS}lastmod") for u in tree.iter(f"{SITEMAP_NS}url")}
        pages = Page.objects.live().public().filter(depth__gt=1).specific()
        expected = {p.get_full_url() for p in pages}
        # The products index adds its station list and stations (tests/test_standards.py); they have no lastmod.
        self.assertEqual({u for u in urls if "/products/stations/" not in u}, expected)
        self.assertTrue(any("/en/routes/xinachuan/" in u for u in urls))
        self.assertEqual([u for u, lastmod in urls.items() if not lastmod and "/products/stations/" not in u], [])
        drafts = Page.objects.filter(live=False)
        self.assertTrue(drafts.exists())
        self.assertFalse({p.get_full_url() for p in drafts.specific()} & set(urls))

    def test_load_demo_again_adds_nothing(self):
        before = Page.objects.count(), Page.objects.filter(locale__language_code="en").count()
        call_command("load_demo", stdout=io.StringIO())
        self.assertEqual((Page.objects.count(), Page.objects.filter(locale__language_code="en").count()), before)
        self.assertEqual(self.client.get("/en/routes/").status_code, 200)


class EnglishListingsTests(TestCase):
    """Listings, collections and feeds of one language show only that language's pages (issue 20):
    a Chinese item appears on the English site once its English copy is published, never before."""

    @classmethod
    def setUpTestData(cls):
        from news.factories import NewsIndexPageFactory, NewsPageFactory
        from products.factories import ProducerFactory, ProductIndexPageFactory, ProductPageFactory, ServiceStationFactory

        cls.home = make_site()
        cls.en = Locale.objects.create(language_code="en")
        cls.news = NewsIndexPageFactory(parent=cls.home)
        cls.item = NewsPageFactory(parent=cls.news, title="老爷山花儿会开幕", slug="huaer")
        cls.homestays = HomestayIndexPageFactory(parent=cls.home)
        cls.homestay = HomestayPageFactory(parent=cls.homestays, title="卡阳花海小院", slug="kayang", featured=True)
        cls.other_homestay = HomestayPageFactory(parent=cls.homestays, title="窎沟花儿院", slug="diaogou", featured=True)
        cls.products = ProductIndexPageFactory(parent=cls.home)
        cls.station = ServiceStationFactory(name="桥头镇电商服务站")
        cls.producer = ProducerFactory(name="示例合作社")
        cls.product = ProductPageFactory(parent=cls.products, title="西纳川青稞面粉", slug="barley-flour", producer=cls.producer)

        cls.en_home, _ = translate_page(
            cls.home,
            cls.en,
            title="Xining Rural Portal",
            body=[
                ("collection", {"heading": "Latest news", "source": "latest_news", "limit": 3, "more_page": None}),
                ("featured", {"heading": "Stay", "pages": [cls.homestay, cls.other_homestay], "more_page": cls.homestays}),
            ],
        )
        cls.en_news, _ = translate_page(cls.news, cls.en, title="News")
        cls.en_homestays, _ = translate_page(cls.homestays, cls.en, title="Homestays")
        cls.en_other_homestay, _ = translate_page(cls.other_homestay, cls.en, title="Diaogou Hua'er Courtyard 窎沟花儿院")
        cls.en_products, _ = translate_page(cls.products, cls.en, title="Products")

    def get(self, url) -> str:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return response.content.decode()

    def translate_item(self):
        page, _ = translate_page(self.item, self.en, title="Laoye Mountain Hua'er Fair opens", lead="Singers answer each other across the mountain.")
        return page

    def test_a_chinese_news_item_stays_off_the_english_site_until_translated(self):
        for url in ("/en/", "/en/news/", "/en/news/feed/rss/", "/en/news/feed/atom/"):
            self.assertNotIn("老爷山花儿会开幕", self.get(url), url)
        self.assertIn("老爷山花儿会开幕", self.get("/news/"))
        self.assertIn("老爷山花儿会开幕", self.get("/news/feed/rss/"))
        self.translate_item()
        for url in ("/en/", "/en/news/", "/en/news/feed/rss/", "/en/news/feed/atom/"):
            html = self.get(url)
            self.assertIn("Laoye Mountain Hua", html, url)
            self.assertNotIn("老爷山花儿会开幕", html, url)
        for url in ("/", "/news/", "/news/feed/rss/"):
            self.assertNotIn("Laoye Mountain", self.get(url), url)

    def test_feeds_are_per_language(self):
        self.translate_item()
        rss = etree.fromstring(self.client.get("/en/news/feed/rss/").content)
        self.assertEqual(rss.findtext("channel/language"), "en")
        self.assertEqual(rss.findtext("channel/title"), "News · Xining Rural Portal")
        self.assertEqual([i.findtext("link") for i in rss.iter("item")], ["http://testserver/en/news/huaer/"])
        zh = etree.fromstring(self.client.get("/news/feed/rss/").content)
        self.assertEqual(zh.findtext("channel/language"), "zh-hans")
        self.assertEqual([i.findtext("title") for i in zh.iter("item")], ["老爷山花儿会开幕"])
        atom = self.get("/en/news/feed/atom/")
        self.assertIn('xml:lang="en"', atom)
        self.assertIn("http://testserver/en/news/huaer/", atom)
        self.assertNotIn("http://testserver/news/huaer/", atom)

    def test_homestay_and_product_listings_show_their_language_only(self):
        homestays = self.get("/en/homestays/").split("<main", 1)[1]
        self.assertIn("Diaogou Hua&#x27;er Courtyard", homestays)
        self.assertNotIn("卡阳花海小院", homestays)
        self.assertNotIn('href="/homestays/', homestays)
        products = self.get("/en/products/").split("<main", 1)[1]
        self.assertNotIn("西纳川青稞面粉", products)
        self.assertIn("西纳川青稞面粉", self.get("/products/"))
        translate_page(self.product, self.en, title="Xinachuan Highland Barley Flour 西纳川青稞面粉")
        products = self.get("/en/products/").split("<main", 1)[1]
        self.assertIn("Xinachuan Highland Barley Flour", products)
        self.assertIn('href="/en/products/barley-flour/"', products)
        self.assertNotIn("Xinachuan", self.get("/products/").split("<main", 1)[1])

    def test_hand_picked_links_lead_to_the_english_copy_or_say_chinese(self):
        html = self.get("/en/").split("<main", 1)[1]
        # translated: the English copy; not yet: the Chinese page, marked (中文) for screen readers and people
        self.assertIn('href="/en/homestays/diaogou/"', html)
        self.assertNotIn('href="/homestays/diaogou/"', html)
        self.assertRegex(
            html, r'<a href="/homestays/kayang/" hreflang="zh-Hans" lang="zh-Hans">卡阳花海小院</a> <span class="lang-fallback" lang="zh-Hans">\(中文\)</span>'
        )
        self.assertIn('href="/en/homestays/"', html)  # the "see all" link, picked as the Chinese index
        self.assertNotIn("(中文)", self.get("/").split("<main", 1)[1])

    def test_snippets_in_the_english_site(self):
        en_station = self.station.copy_for_translation(self.en)
        en_station.name = "Qiaotou Town E-commerce Service Station 桥头镇电商服务站"
        en_station.save()
        listing = self.get("/en/products/stations/").split("<main", 1)[1]
        self.assertIn("Qiaotou Town E-commerce Service Station", listing)
        self.assertNotIn(">桥头镇电商服务站<", listing)
        self.assertNotIn("Qiaotou", self.get("/products/stations/").split("<main", 1)[1])
        # a Chinese station's URL under /en/ goes to its English copy
        response = self.client.get(f"/en/products/stations/{self.station.pk}/")
        self.assertRedirects(response, f"/en/products/stations/{en_station.pk}/", status_code=301)
        with translation.override("en"):
            from products.layers import station_features

            self.assertEqual([f["properties"]["name"] for f in station_features()], [en_station.name])

    def test_places_and_prices_are_written_the_readers_way(self):
        from decimal import Decimal

        from portal.places import place_name
        from products.models import format_price

        with translation.override("en"):
            self.assertEqual(place_name("Huangzhong District", "Lanlongkou Town", "Kayang Village"), "Huangzhong District, Lanlongkou Town, Kayang Village")
            self.assertEqual(format_price(Decimal("16"), "/kg"), "¥16/kg")
            self.assertEqual(format_price(Decimal("480"), "and up"), "¥480 and up")
            self.assertEqual(format_price(Decimal("12.50"), ""), "¥12.5")
        with translation.override("zh-hans"):
            self.assertEqual(place_name("湟中区", "拦隆口镇", "卡阳村", "卡阳村"), "湟中区拦隆口镇卡阳村")
            self.assertEqual(format_price(Decimal("16"), "元/千克"), "16 元/千克")
            self.assertEqual(format_price(Decimal("16"), ""), "16 元")
