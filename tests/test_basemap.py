"""The offline basemap (issue 20, point 8): the committed file is what scripts/build_basemap.py makes
from its table, every place is in Xining with a Chinese and an English name and a stated source,
the file stays small, and every map's configuration points at it in the page's language."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from django.template import Context, Template
from django.test import RequestFactory, TestCase
from django.utils import translation

from portal.factories import make_site
from tests.test_map import data_config

BASE_DIR = Path(__file__).resolve().parents[1]
BASEMAP = BASE_DIR / "portal" / "static" / "portal" / "basemap"


def load_script():
    spec = importlib.util.spec_from_file_location("build_basemap", BASE_DIR / "scripts" / "build_basemap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BasemapFileTests(TestCase):
    def test_committed_file_is_what_the_script_makes(self):
        script = load_script()
        self.assertEqual(script.main(["--check"]), 0, "run scripts/build_basemap.py and commit the result")
        self.assertEqual((BASEMAP / "xining-places.geojson").read_text(encoding="utf-8"), script.render())

    def test_places_are_in_xining_named_in_both_languages_with_a_source(self):
        data = json.loads((BASEMAP / "xining-places.geojson").read_text(encoding="utf-8"))
        self.assertEqual(data["type"], "FeatureCollection")
        names = set()
        for f in data["features"]:
            lon, lat = f["geometry"]["coordinates"]
            p = f["properties"]
            self.assertTrue(100.8 <= lon <= 102.2 and 36.2 <= lat <= 37.4, f"{p['name']} is outside Xining: {lon}, {lat}")
            self.assertRegex(p["name"], r"[\u4e00-\u9fff]")
            self.assertRegex(p["name_en"], r"^[A-Za-z][A-Za-z' -]+$")
            self.assertTrue(p["source"])
            self.assertIn(p["kind"], {"city", "county", "district", "town", "village", "sight"})
            names.add(p["name"])
        # the county-level divisions, the route towns and the sights a visitor looks for
        for name in ("湟中区", "大通县", "湟源县", "多巴镇", "桥头镇", "塔尔寺", "老爷山", "丹噶尔古城", "日月山"):
            self.assertIn(name, names)
        self.assertLess((BASEMAP / "xining-places.geojson").stat().st_size, 150_000)
        readme = (BASEMAP / "README.md").read_text(encoding="utf-8")
        for word in ("Source", "Licence", "scripts/build_basemap.py"):
            self.assertIn(word, readme)


class BasemapConfigTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_site()

    def config(self, language: str) -> dict:
        request = RequestFactory().get("/", HTTP_HOST="localhost")
        with translation.override(language):
            html = Template('{% include "portal/includes/map.html" with map_id="m" data_id="geo" %}').render(Context({"request": request}))
        return data_config(html)

    def test_every_map_knows_the_basemap_in_its_language(self):
        zh, en = self.config("zh-hans"), self.config("en")
        self.assertTrue(zh["basemap"]["url"].endswith("portal/basemap/xining-places.geojson"))
        self.assertEqual((zh["basemap"]["lang"], en["basemap"]["lang"]), ("zh", "en"))
        self.assertEqual(zh["basemap"]["attribution"], "地名：本站")
        self.assertEqual(en["basemap"]["attribution"], "Names: this site")
        # cluster bubbles count places, in words, so they are not read as stop numbers
        self.assertEqual((zh["i18n"]["clusterUnit"], en["i18n"]["clusterUnit"]), ("处", "places"))
        self.assertIn("%(count)s", en["i18n"]["clusterLabel"])
        self.assertNotRegex(en["i18n"]["clusterLabel"], r"[\u4e00-\u9fff]")
