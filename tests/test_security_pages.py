"""Every public page of the demo site, crawled: nothing the strict CSP would block.

The public policy is script-src 'self' and style-src 'self' (tests/test_security.py), so an inline
<script>, an onclick= attribute, a style= attribute, a <style> element or a javascript: URL would
silently break in browsers. The crawl starts from every live page and follows links (filters,
pagination, routable sub-pages, the English site), so new page types and templates are covered
without editing this file.
"""

import re
from html import unescape
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import TestCase, override_settings
from wagtail.models import Page

from tests.demo_db import load_demo

SKIP_PREFIXES = ("/admin/", "/static/", "/media/", "/documents/", "/i18n/", "/django-admin/")
EXTRA_URLS = ["/", "/en/", "/search/?q=塔尔寺", "/search/?q=民宿", "/no-such-page/", "/en/no-such-page/"]
MAX_VARIANTS_PER_PATH = 4  # query-string variants (filters, pages) followed per path

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
EVENT_ATTR = re.compile(r"<[a-zA-Z][^>]*\s(on[a-z]+)\s*=", re.S)
STYLE_ATTR = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S)
HREF = re.compile(r"""\shref\s*=\s*["']([^"']+)["']""")
SRC = re.compile(r"""<(?:script|img|iframe|source|video|audio)\b[^>]*\ssrc\s*=\s*["']([^"']+)["']""", re.I)
STYLESHEET = re.compile(r"""<link\b[^>]*rel=["']stylesheet["'][^>]*>""", re.I)
JSON_TYPES = ("application/json", "application/ld+json")


def attr(attrs: str, name: str) -> str | None:
    m = re.search(rf"""\s{name}\s*=\s*["']([^"']*)["']""", " " + attrs, re.I)
    return m.group(1) if m else None


def csp_problems(html: str) -> list[str]:
    """What in `html` a script-src 'self'; style-src 'self' policy would block, or loads from elsewhere."""
    problems = []
    for attrs, body in SCRIPT.findall(html):
        kind = (attr(attrs, "type") or "").lower()
        if attr(attrs, "src") is None and kind not in JSON_TYPES and body.strip():
            problems.append(f"inline script: {body.strip()[:80]!r}")
    problems += [f"event handler attribute {m}" for m in EVENT_ATTR.findall(html)]
    if STYLE_ATTR.search(html):
        problems.append(f"style attribute near {html[STYLE_ATTR.search(html).start() :][:100]!r}")
    if re.search(r"<style\b", html, re.I):
        problems.append("<style> element")
    if re.search(r"""=\s*["']\s*javascript:""", html, re.I):
        problems.append("javascript: URL")
    for url in SRC.findall(html) + [attr(tag, "href") or "" for tag in STYLESHEET.findall(html)]:
        url = unescape(url)
        if url.startswith(("//", "http://", "https://")) and urlsplit(url).hostname not in ("testserver", "localhost"):
            problems.append(f"resource from another host: {url}")
    return problems


def links(base: str, html: str) -> list[str]:
    found = []
    for href in HREF.findall(html):
        url = urljoin(base, unescape(href))
        parts = urlsplit(url)
        if parts.scheme and parts.hostname not in ("testserver", "localhost"):
            continue
        if parts.path.startswith(SKIP_PREFIXES):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(client, start_urls, limit=600):
    """Yield (url, response) for the site reachable from start_urls, breadth first."""
    queue = list(dict.fromkeys(start_urls))
    seen, variants = set(), {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        path = url.split("?", 1)[0]
        if url in seen:
            continue
        if "?" in url:
            if variants.get(path, 0) >= MAX_VARIANTS_PER_PATH:
                continue
            variants[path] = variants.get(path, 0) + 1
        seen.add(url)
        response = client.get(url)
        yield url, response
        if "html" in response.get("Content-Type", "") and not response.streaming:
            queue += [u for u in links(url, response.content.decode()) if u not in seen]


def query_params(html: str, path: str) -> set[str]:
    """Names of GET parameters a page offers: its GET forms' fields and its own links' queries."""
    names = set()
    for form in re.findall(r"<form\b([^>]*)>(.*?)</form>", html, re.S | re.I):
        if (attr(form[0], "method") or "get").lower() == "get":
            names |= set(re.findall(r"""\sname\s*=\s*["']([^"']+)["']""", form[1]))
    for href in HREF.findall(html):
        parts = urlsplit(unescape(href))
        if parts.query and (not parts.path or parts.path == path):
            names |= {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return names - {"csrfmiddlewaretoken"}


@override_settings(PORTAL_RATE_LIMITS={})
@pytest.mark.slow
class PublicPagesCspTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()
        cls.page_urls = {}
        for page in Page.objects.live().public().specific().filter(depth__gt=1):
            cls.page_urls.setdefault(type(page).__name__, page.url)

    def test_demo_has_the_page_types(self):
        self.assertGreaterEqual(len(self.page_urls), 6, self.page_urls)

    def test_no_page_needs_inline_code_or_foreign_assets(self):
        start = EXTRA_URLS + list(self.page_urls.values()) + [p.url for p in Page.objects.live().public().filter(depth__gt=1)]
        visited, failures = 0, {}
        for url, response in crawl(self.client, start):
            visited += 1
            self.assertLess(response.status_code, 500, url)
            if "html" not in response.get("Content-Type", ""):
                continue
            problems = csp_problems(response.content.decode())
            if problems:
                failures[url] = problems
            csp = response.get("Content-Security-Policy", "")
            self.assertIn("script-src 'self';", csp + ";", url)
        self.assertFalse(failures, failures)
        self.assertGreater(visited, 20)

    def test_editors_userbar_is_csp_clean_too(self):
        editor = User.objects.get(username="editor")
        self.client.force_login(editor)
        for name, url in self.page_urls.items():
            with self.subTest(page_type=name):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(csp_problems(response.content.decode()), [])


class CspProblemsTests(TestCase):
    """The scanner itself: each kind of inline code is caught, allowed forms are not."""

    def test_detects_what_csp_blocks(self):
        self.assertTrue(csp_problems("<script>alert(1)</script>"))
        self.assertTrue(csp_problems('<script type="text/javascript">x()</script>'))
        self.assertTrue(csp_problems('<a href="#" onclick="x()">a</a>'))
        self.assertTrue(csp_problems('<div style="color:red">a</div>'))
        self.assertTrue(csp_problems("<style>p{}</style>"))
        self.assertTrue(csp_problems('<a href="javascript:void(0)">a</a>'))
        self.assertTrue(csp_problems('<script src="https://cdn.example.com/x.js"></script>'))
        self.assertTrue(csp_problems('<link rel="stylesheet" href="https://fonts.googleapis.com/css">'))

    def test_allows_our_own_files_and_json_data(self):
        html = (
            '<script src="/static/portal/js/map.js" defer></script>'
            '<script id="geo" type="application/json">{"a": 1}</script>'
            '<script type="application/ld+json">{"@context": "https://schema.org"}</script>'
            '<link rel="stylesheet" href="/static/portal/css/portal.css">'
            '<img src="/media/images/x.jpg" alt=""><a href="https://beian.miit.gov.cn/">备案</a>'
            "<p>data-style and stylesheet are words</p>"
        )
        self.assertEqual(csp_problems(html), [])
