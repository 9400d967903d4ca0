"""The English site as a visitor who reads no Chinese meets it (issue 20, point 4).

Starting at /en/, Chromium follows every same-origin link into /en/ (breadth first, to LINK_DEPTH
clicks, leaving out filter and page-number query strings, and at most PER_SECTION pages below each
section page) at phone (390 px) and desktop (1280 px) width, and on every page it reaches checks:

- no link leads off the English site to a Chinese page, except the language switcher and a page
  with no English copy yet, which must say "(中文)" and carry hreflang="zh-Hans";
- no card title is Chinese only (Chinese may stand beside the English name: "Kumbum Monastery 塔尔寺");
- no Latin and Chinese run together ("Huangzhong District拦隆口镇", "16 元/千克", "ID：");
- no console error and no same-origin request failing with a status of 400 or more.

/en/map/ also has its map layers and an opened popup checked: every feature the English map draws
links to an /en/ page. A screenshot of every page reached is saved under
artifacts/screenshots/english/ for people to look at.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.support import guard_requests, is_tile_failure

pytestmark = pytest.mark.browser

LINK_DEPTH = 2
# Every section page and up to this many pages below each (the demo has a dozen homestays, products
# and news items each: the first few cover every template, the others repeat them); bounds the run.
PER_SECTION = 4
WIDTHS = {"phone": 390, "desktop": 1280}
# Not pages: files and data the English pages may link (QR codes, feeds' sibling files, pictures).
NOT_PAGES = ("/static/", "/media/", "/api/", "/qr/", "/healthz")
# Files, not pages: feeds, calendars and tracks (routes offer GPX and KML downloads).
FILES = (".ics", "/rss/", "/atom/", "/gpx/", "/kml/", ".gpx", ".kml", ".png", ".svg")
CJK = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef"
MIXED = re.compile(rf"[A-Za-z0-9][{CJK}]|[{CJK}][A-Za-z]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
HAS_CJK = re.compile(rf"[{CJK}]")

# Everything the checks need from one rendered page, read in the browser in one call.
PAGE_JS = """() => {
  const inZh = el => !!el.closest('[lang="zh-Hans"], [lang="zh-hans"]');
  const links = [...document.querySelectorAll('a[href]')].map(a => {
    const parent = a.parentElement;
    const marker = (a.textContent.includes('(中文)')) || !!(parent && [...parent.querySelectorAll('.lang-fallback')].some(m => m.textContent.includes('(中文)')));
    return {href: a.href, text: a.textContent.trim().slice(0, 60), switcher: !!a.closest('.lang-switch'), hreflang: a.getAttribute('hreflang') || '', marked: marker, download: a.hasAttribute('download')};
  });
  const titles = [...document.querySelectorAll('.card-title, .news-item-title, .search-title')].map(t => ({
    text: t.textContent.replace(/\\s+/g, ' ').trim(), fallback: !!t.querySelector('.lang-fallback') || inZh(t.querySelector('a') || t),
  }));
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('script, style, template, [lang="zh-Hans"], [lang="zh-hans"], .leaflet-container').forEach(el => el.remove());
  const texts = [];
  const walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { const t = n.textContent.trim(); if (t) texts.push(t); }
  return {links, titles, texts, lang: document.documentElement.lang};
}"""

# The English map's layers, fetched as the map fetches them (its own config), and one popup opened.
MAP_JS = """async () => {
  const wrapper = document.querySelector('[data-portal-map]');
  const config = JSON.parse(wrapper.getAttribute('data-config'));
  const out = {api: config.api, features: []};
  for (const layer of config.layers) {
    const response = await fetch(config.api.replace('__layer__', layer.name));
    const data = await response.json();
    for (const f of data.features) out.features.push({layer: layer.name, name: f.properties.name || '', url: f.properties.url || ''});
  }
  return out;
}"""


def _page_path(url: str, origin: str) -> str | None:
    """The path to crawl for a link, or None when it leaves the site or is not a page."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin or parts.path.startswith(NOT_PAGES):
        return None
    return parts.path


def crawl(page, portal, viewport: str, folder) -> list:
    """[(path, record, console errors, failed requests)] of every English page within LINK_DEPTH."""
    errors, failed, foreign = [], [], []
    page.on("console", lambda m: m.type == "error" and not is_tile_failure(m, portal) and errors.append(f"{m.text} ({m.location.get('url', '')})"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and urlsplit(r.url).netloc == portal.host and failed.append(f"{r.status} {r.url}"))
    guard_requests(page, portal, foreign)
    queue, seen, visited = [("/en/", 0)], {"/en/"}, []
    below: dict[str, int] = {}
    while queue:
        path, depth = queue.pop(0)
        errors.clear()
        failed.clear()
        # a page's first visit makes its pictures' renditions: slow on a busy machine
        response = page.goto(path, wait_until="load", timeout=90_000)
        page.wait_for_load_state("networkidle", timeout=60_000)
        record = page.evaluate(PAGE_JS)
        record["status"] = response.status if response else None
        if path == "/en/map/":
            record["map"] = page.evaluate(MAP_JS)
            marker = page.locator(".leaflet-marker-icon:not(.marker-cluster)").first
            if marker.count():
                marker.click()
                popup = page.locator(".leaflet-popup a[href]").first
                popup.wait_for(timeout=5000)
                record["popup"] = popup.get_attribute("href")
        page.screenshot(path=str(folder / f"{path.strip('/').replace('/', '-') or 'home'}-{viewport}.png"), full_page=False)
        visited.append((path, record, list(errors), list(failed)))
        if depth < LINK_DEPTH:
            for link in record["links"]:
                target = _page_path(link["href"], portal.url)
                if not target or not target.startswith("/en/") or target in seen or link["download"] or target.endswith(FILES):
                    continue
                section = "/".join(target.split("/")[:3])  # "/en/homestays"
                if target.count("/") > 3:  # below a section page
                    if below.get(section, 0) >= PER_SECTION:
                        continue
                    below[section] = below.get(section, 0) + 1
                seen.add(target)
                queue.append((target, depth + 1))
    return visited


@pytest.fixture(scope="module")
def english_site(new_context, portal, screenshots_dir):
    """{viewport: the crawl at that width}, each page loaded once per width."""
    folder = screenshots_dir / "english"
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    for viewport, width in WIDTHS.items():
        page = new_context(viewport).new_page()
        page.set_viewport_size({"width": width, "height": 900})
        try:
            results[viewport] = crawl(page, portal, viewport, folder)
        finally:
            page.close()
    return results


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_crawl_reaches_every_kind_of_english_page(english_site, viewport):
    paths = [path for path, *_ in english_site[viewport]]
    for prefix in ("/en/routes/", "/en/homestays/", "/en/products/", "/en/news/", "/en/map/"):
        assert any(p.startswith(prefix) and p != prefix for p in paths) or prefix in paths, f"{prefix} not reached from /en/: {paths}"
    # detail pages of every kind, not only the section pages
    for prefix in ("/en/homestays/", "/en/products/", "/en/news/"):
        assert any(p.startswith(prefix) and len(p) > len(prefix) + 1 for p in paths), f"no {prefix}… detail page reached: {paths}"
    assert all(record["status"] == 200 for _p, record, *_ in english_site[viewport]), [
        (p, r["status"]) for p, r, *_ in english_site[viewport] if r["status"] != 200
    ]


@pytest.mark.parametrize("viewport", WIDTHS)
def test_no_link_leaves_the_english_site_unannounced(english_site, portal, viewport):
    bad = []
    for path, record, *_ in english_site[viewport]:
        assert record["lang"] == "en", f"{path}: <html lang={record['lang']!r}>"
        for link in record["links"]:
            target = _page_path(link["href"], portal.url)
            if target is None or target.startswith("/en/") or link["switcher"]:
                continue
            if link["hreflang"].lower() == "zh-hans" and link["marked"]:
                continue  # a page with no English copy yet, marked (中文)
            bad.append(f"{path}: {link['text']!r} → {target}")
    assert not bad, "links from English pages to Chinese pages:\n" + "\n".join(bad)


@pytest.mark.parametrize("viewport", WIDTHS)
def test_english_cards_are_not_chinese_only(english_site, viewport):
    bad = [
        f"{path}: {title['text']!r}"
        for path, record, *_ in english_site[viewport]
        for title in record["titles"]
        if HAS_CJK.search(title["text"]) and not LATIN_WORD.search(title["text"]) and not title["fallback"]
    ]
    assert not bad, "card titles in Chinese only on the English site:\n" + "\n".join(bad)


@pytest.mark.parametrize("viewport", WIDTHS)
def test_no_latin_and_chinese_run_together(english_site, viewport):
    bad = sorted({f"{path}: {text[:100]!r}" for path, record, *_ in english_site[viewport] for text in record["texts"] if MIXED.search(text)})
    assert not bad, "mixed strings (an untranslated part beside a translated one):\n" + "\n".join(bad)


@pytest.mark.parametrize("viewport", WIDTHS)
def test_english_pages_load_without_errors(english_site, viewport):
    problems = [f"{path}: {e}" for path, _r, errors, failed in english_site[viewport] for e in errors + failed]
    assert not problems, "console errors or failed requests:\n" + "\n".join(problems)


def test_english_map_layers_and_popups_lead_to_english_pages(english_site):
    record = next(r for path, r, *_ in english_site["desktop"] if path == "/en/map/")
    data = record["map"]
    assert "lang=en" in data["api"], data["api"]
    assert len(data["features"]) > 40, "the English map draws (almost) nothing"
    off = [f"{f['layer']}: {f['name']} → {f['url']}" for f in data["features"] if f["url"] and not urlsplit(f["url"]).path.startswith("/en/")]
    assert not off, "English map features linking Chinese pages:\n" + "\n".join(off)
    chinese_only = [f"{f['layer']}: {f['name']}" for f in data["features"] if HAS_CJK.search(f["name"]) and not LATIN_WORD.search(f["name"])]
    assert not chinese_only, "English map features named in Chinese only:\n" + "\n".join(chinese_only)
    assert urlsplit(record.get("popup") or "").path.startswith("/en/"), f"a popup on /en/map/ links {record.get('popup')!r}"
