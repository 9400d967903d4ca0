"""The ground floor stands without any one subject app: the registry is the only thing between them.

For `products` and for `news`, a separate process runs the portal with that app left out of
INSTALLED_APPS: it migrates a fresh database, loads the demo, and visits every live page, the map,
search, the layer endpoints and the admin's editor of each page. Nothing may answer an error, and
the home page may offer only the sections that are installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.test import SimpleTestCase

from portal.registry import registry

BASE = Path(__file__).resolve().parents[1]

SETTINGS = """
from portal.settings.test import *  # noqa: F401,F403
INSTALLED_APPS = [a for a in INSTALLED_APPS if a != {app!r}]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {db!r}}}}}
MEDIA_ROOT = {media!r}
"""

VISIT = r"""
import json
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from wagtail.models import Page

call_command("migrate", verbosity=0)
call_command("load_demo", verbosity=0)
client = Client()
bad = []
paths = ["/", "/en/", "/map/", "/search/?q=塔尔寺", "/search/?q=民宿", "/sitemap.xml", "/api/v2/pages/"]
paths += [f"/api/geo/{name}.geojson" for name in ("routes", "stops", "homestays", "products", "stations")]
pages = list(Page.objects.live().public().filter(depth__gte=2).specific())
paths += [p.url for p in pages if p.url]
for path in paths:
    status = client.get(path).status_code
    if status >= 500 or (status != 200 and "/api/geo/" not in path):
        bad.append((path, status))
client.force_login(User.objects.filter(is_superuser=True).first())
for page in pages:
    status = client.get(f"/admin/pages/{page.pk}/edit/").status_code
    if status != 200:
        bad.append(("edit", page.url_path, status))
home = Page.objects.filter(depth=2).first().specific
offered = sorted({model._meta.app_label for model in type(home).allowed_subpage_models()})
print(json.dumps({"visited": len(paths) + len(pages), "bad": bad, "offered": offered}))
"""


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")),
    reason="runs on its own SQLite file whatever the database: once per CI run (the SQLite half) is enough",
)
class WithoutOneAppTests(SimpleTestCase):
    def run_without(self, app: str) -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "without_settings.py").write_text(SETTINGS.format(app=app, db=f"{tmp}/db.sqlite3", media=f"{tmp}/media"))
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "without_settings", "PYTHONPATH": f"{tmp}{os.pathsep}{BASE}"}
            env.pop("DATABASE_URL", None)  # its own SQLite file: the test's database is left alone
            done = subprocess.run([sys.executable, "-c", VISIT], cwd=BASE, env=env, capture_output=True, text=True, timeout=900)
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        return json.loads(done.stdout.strip().splitlines()[-1])

    def test_the_site_works_without_products_news_or_reports(self):
        for app in ("products", "news", "reports"):
            with self.subTest(app=app):
                result = self.run_without(app)
                self.assertEqual(result["bad"], [])
                self.assertGreater(result["visited"], 60)
                self.assertNotIn(app, result["offered"])
                self.assertIn("portal", result["offered"])


class RegistryTests(SimpleTestCase):
    """What the apps register is what the ground floor shows."""

    def test_the_home_page_offers_each_apps_section(self):
        from portal.models import HomePage

        self.assertIs(HomePage.subpage_types, registry.home_sections)
        self.assertEqual(
            [m._meta.label for m in HomePage.allowed_subpage_models()],
            [
                "portal.MapPage",
                "portal.StandardPage",
                "routes.RouteIndexPage",
                "homestays.HomestayIndexPage",
                "products.ProductIndexPage",
                "news.NewsIndexPage",
            ],
        )

    def test_search_types_kinds_and_block_choices_come_from_the_apps(self):
        from portal.blocks import CollectionBlock, MapTeaserBlock
        from portal.search.results import result_types

        self.assertEqual([t.key for t in result_types()], ["routes", "homestays", "products", "news"])
        self.assertEqual(registry.kind_labels()["homestay"], "民宿")
        self.assertEqual(registry.kind_glyphs()["heritage"], "寺")
        self.assertEqual(
            [c[0] for c in MapTeaserBlock().child_blocks["layers"].field.choices], ["routes", "stops", "homestays", "products", "stations", "alerts"]
        )
        collection = [c[0] for c in CollectionBlock().child_blocks["source"].field.choices if c[0]]
        self.assertEqual(sorted(collection), sorted(registry.collections))

    def test_a_stop_links_to_the_place_pages_the_apps_register(self):
        from routes.models import LinkedPageChooserPanel, RouteStop

        panel = LinkedPageChooserPanel("link_page").bind_to_model(RouteStop)
        widget = panel.get_form_options()["widgets"]["link_page"]
        self.assertEqual(registry.place_pages, ["homestays.HomestayPage", "products.ProductPage"])
        self.assertEqual({model._meta.label for model in widget.target_models}, set(registry.place_pages))

    def test_portal_names_no_subject_app(self):
        """Not in code, not in a string: only settings (INSTALLED_APPS) and migrations may. The demo's
        home page and section copies come from the apps' demo modules (registry.demo_sections)."""
        import re

        names = re.compile(r"""["'](?:routes|homestays|products|news|stops|stations)[."'/]""")
        found = []
        for path in (BASE / "portal").rglob("*"):
            if path.suffix not in (".py", ".html", ".js") or {"migrations", "settings", "vendor"} & set(path.parts):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if names.search(line):
                    found.append(f"{path.relative_to(BASE)}:{number}: {line.strip()[:120]}")
        self.assertEqual(found, [])
