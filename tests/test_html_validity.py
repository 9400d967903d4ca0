"""Every public page type, in both languages and in its empty, error and result states, passes the
Nu HTML Checker (the W3C validator's engine, npm `vnu-jar`, run with Java) with no error and no warning.

The pages are rendered by the test client from the demo content, written to one folder and checked in
one run of the checker: starting the JVM once per page would cost a minute.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.template import loader
from django.template.loader import render_to_string
from django.test import RequestFactory, SimpleTestCase, TestCase
from wagtail.models import Page

from homestays.models import HomestayPage
from products.models import ServiceStation
from routes.models import RoutePage
from tests.demo_db import load_demo

VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# (path, expected status) of the states a visitor can reach that no page model lists by itself
STATES = [
    ("/offline/", 200),  # 我的离线线路, also what the service worker shows offline
    ("/en/offline/", 200),
    ("/reports/new/", 200),  # 反馈问题, about no place in particular
    ("/reports/new/?about=/routes/diaogou/%23stop-2", 200),  # about a route's stop
    ("/en/reports/new/?about=/en/routes/diaogou/", 200),
    ("/alerts/", 200),  # the demo's alert on 日月山
    ("/en/alerts/", 200),
    ("/search/", 200),  # nothing asked yet
    ("/search/?q=民宿", 200),  # results of several kinds
    ("/search/?q=塔尔寺", 200),  # a place card and what is near it
    ("/search/?q=塔尔寺 民宿", 200),
    ("/search/?q=zzzqqqxxx", 200),  # no result
    ("/search/?q=民宿&type=nonsense", 200),
    ("/en/search/", 200),
    ("/en/search/?q=homestay", 200),
    ("/en/search/?q=Kumbum", 200),
    ("/en/search/?q=zzzqqqxxx", 200),
    ("/homestays/?county=huangzhong", 200),
    ("/homestays/?price_max=1", 200),  # filtered to nothing
    ("/homestays/?price_min=abc", 400),  # a bad filter value, explained on the page
    ("/homestays/?near=no-such-place", 400),
    ("/en/homestays/?price_max=1", 200),
    ("/en/homestays/?price_min=abc", 400),
    ("/products/?category=nonsense", 400),
    ("/products/stations/", 200),
    ("/products/stations/?county=nonsense", 400),
    ("/en/products/stations/", 200),
    ("/news/?show=upcoming", 200),
    ("/news/?page=999", 400),  # past the last page: the last page, with a note
    ("/news/?show=nonsense", 400),
    ("/en/news/?show=past", 200),
    ("/no-such-page/", 404),
    ("/en/no-such-page/", 404),
]


def java() -> str:
    found = shutil.which("java")
    assert found, "Java is needed for the Nu HTML Checker: `make test` installs it (scripts/install-browser-deps.sh)"
    assert VNU.exists(), f"{VNU} is missing: `make test` installs it with npm ci (package.json)"
    return found


@pytest.mark.slow
class HtmlValidityTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()

    def collect(self) -> dict[str, str]:
        return collect(self.client, self.assertEqual)

    def test_every_public_page_and_state_is_valid_html(self):
        problems, count = validate(self.collect())
        self.assertGreater(count, 120)
        self.assertEqual(problems, [], f"{len(problems)} problems in {count} documents")


def collect(client, assert_equal) -> dict[str, str]:
    """url -> HTML of every page and state to check."""
    wanted: list[tuple[str, int]] = []
    for page in Page.objects.live().public().filter(depth__gt=1).specific().order_by("path"):
        wanted.append((page.get_url(), 200))
    for route in RoutePage.objects.live().public():
        wanted.append((route.get_url() + route.reverse_subpage("print").lstrip("/"), 200))
    for station in ServiceStation.objects.select_related("locale"):
        prefix = "/en" if station.locale.language_code == "en" else ""
        wanted.append((f"{prefix}/products/stations/{station.pk}/", 200))
    wanted += STATES
    # every state of a report's status page (the demo has one received, one in progress, one resolved)
    from reports.models import Report

    for report in Report.objects.all():
        wanted += [(report.get_absolute_url(), 200), ("/en" + report.get_absolute_url(), 200)]
    pages = {}
    for url, status in wanted:
        response = client.get(url)
        assert_equal(response.status_code, status, url)
        pages[url] = response.content.decode()
    # A report form sent back with its errors shown, in both languages.
    for prefix in ("", "/en"):
        response = client.post(f"{prefix}/reports/new/", {"description": "x"})
        assert_equal(response.status_code, 400, f"POST {prefix}/reports/new/")
        pages[f"POST {prefix}/reports/new/"] = response.content.decode()
    # A form sent back with its errors shown: an empty inquiry to a homestay, in both languages.
    for language in ("zh-hans", "en"):
        url = HomestayPage.objects.live().public().filter(locale__language_code=language).first().inquire_url()
        response = client.post(url, {})
        assert_equal(response.status_code, 400, f"POST {url}")
        pages[f"POST {url}"] = response.content.decode()
    # The error pages served without the database or a page: as the handlers render them.
    for name in ("429.html", "500.html", "503.html"):
        pages[name] = loader.get_template(name).render({"STATIC_URL": settings.STATIC_URL})
    pages["lockout"] = render_to_string("portal/lockout.html", {"cooloff_minutes": 15}, request=RequestFactory().get("/admin/login/"))
    return pages


def validate(pages: dict[str, str]) -> tuple[list[str], int]:
    """The checker's errors and warnings, each with the URL it is about, for every document."""
    java_bin = java()
    folder = Path(tempfile.mkdtemp(prefix="vnu-"))
    try:
        names = {}
        for n, (url, html) in enumerate(pages.items()):
            path = folder / f"{n:03d}.html"
            path.write_text(html, encoding="utf-8")
            names[path.name] = url
        run = subprocess.run(
            [java_bin, "-Xss4m", "-jar", str(VNU), "--format", "json", "--exit-zero-always", str(folder)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        messages = json.loads(run.stderr or run.stdout)["messages"]
        problems = [
            f"{names.get(Path(m.get('url', '')).name, m.get('url'))}:{m.get('lastLine')}: {m.get('subType', m['type'])}: {m['message']} [{(m.get('extract') or '').strip()[:120]}]"
            for m in messages
            if m["type"] != "info" or m.get("subType") == "warning"
        ]
    finally:
        shutil.rmtree(folder, True)
    return problems, len(pages)


class CheckerTests(SimpleTestCase):
    def test_the_checker_reports_what_is_wrong(self):
        """The checker really runs and its findings reach the test: a broken page is not passed."""
        broken = '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><section><p><div>x</p></section><input role="combobox" type="search"></body></html>'
        problems, count = validate({"/broken/": broken})
        self.assertEqual(count, 1)
        self.assertTrue(any("/broken/" in p and "error" in p for p in problems), problems)
        self.assertTrue(any("warning" in p for p in problems), problems)
