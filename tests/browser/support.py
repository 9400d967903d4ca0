"""Helpers shared by the browser tests: open a page the way a visitor's phone would, and record
everything the checks need in one pass (each page is loaded once per viewport; the tests then
assert on the record, so a failure names the page, the viewport and the check)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
    "desktop": {"viewport": {"width": 1366, "height": 900}, "device_scale_factor": 1},
}

# Tab stops whose focus indicator is checked: the skip link, the header and the first in <main>.
TAB_STOPS = 5

FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  // a card's title link draws its focus ring around the whole card (portal.css): the nearest ancestor with an outline
  let ring = null;
  for (let up = el.parentElement; up && up !== document.body && !ring; up = up.parentElement) {
    const ucs = getComputedStyle(up);
    if (ucs.outlineStyle !== "none" && parseFloat(ucs.outlineWidth) > 0) ring = up.tagName.toLowerCase() + (typeof up.className === "string" && up.className ? "." + up.className.trim().split(/\\s+/).join(".") : "");
  }
  return {
    tag: el.tagName.toLowerCase(), id: el.id, cls: el.className && el.className.baseVal === undefined ? el.className : "",
    href: el.getAttribute("href"), text: (el.innerText || el.getAttribute("aria-label") || el.value || "").trim().slice(0, 40),
    outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth) || 0, outlineColor: cs.outlineColor, boxShadow: cs.boxShadow,
    inViewport: r.width >= 1 && r.height >= 1 && r.bottom > 0 && r.right > 0 && r.left < innerWidth && r.top < innerHeight,
    insideMain: !!el.closest("main"), ring,
  };
}"""

LANDMARKS_JS = """() => {
  const n = s => document.querySelectorAll(s).length;
  return {
    main: n('main, [role="main"]'),
    nav: n('nav, [role="navigation"]'),
    banner: n('body > header, [role="banner"]'),
    contentinfo: n('body > footer, [role="contentinfo"]'),
    h1: n('h1'),
    lang: document.documentElement.lang,
    title: document.title.trim(),
  };
}"""

AXE_RUN_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 160), summary: (n.failureSummary || "").slice(0, 300)})),
  }));
}"""

# Things people tap, other than links inside running text (WCAG 2.5.8 exempts those): at least
# 44×44 CSS px on phones, as the portal's design rules ask. A checkbox or radio counts with its label.
SMALL_TARGETS_JS = """() => {
  const selector = 'button, [role="button"], input:not([type="hidden"]), select, textarea, a.button, nav a, header a, .leaflet-bar a';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest('.leaflet-marker-pane, [hidden], [aria-hidden="true"]') || el.tabIndex < 0) continue;
    const target = ['checkbox', 'radio'].includes(el.type) ? (el.closest('label') || (el.labels && el.labels[0]) || el) : el;
    const r = target.getBoundingClientRect();
    const cs = getComputedStyle(target);
    if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden') continue;
    if (r.width < 44 || r.height < 44) {
      small.push(`${target.tagName.toLowerCase()}${target.className && typeof target.className === 'string' ? '.' + target.className.trim().split(/\\s+/).join('.') : ''} "${(target.innerText || target.value || target.getAttribute('aria-label') || '').trim().slice(0, 20)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return small;
}"""

# A map's text alternative: every place of the page's own map data (the FeatureCollection the
# template renders with json_script) is named in the page's text outside the map — a list view,
# the stops, the origins — so people who cannot use the map lose nothing. Context layers loaded
# from /api/geo (every homestay in the region on a route's map) are not the page's content. A
# composite name ("陶家寨村 · 草莓") counts when each part is written; on a paginated list the
# other places are on the other pages.
UNLISTED_JS = """() => {
  if (document.querySelector('a[rel="next"], a[rel="prev"]')) return [];
  const names = new Set();
  for (const wrapper of document.querySelectorAll("[data-portal-map]")) {
    let config = {};
    try { config = JSON.parse(wrapper.getAttribute("data-config") || "{}"); } catch (e) { continue; }
    const script = config.data && document.getElementById(config.data);
    if (!script) continue;
    const data = JSON.parse(script.textContent);
    for (const f of data.features || []) if (f.properties && f.properties.name) names.add(String(f.properties.name).trim());
  }
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll(".leaflet-container, script, template").forEach(el => el.remove());
  const text = copy.textContent.replace(/\\s+/g, " ");
  return [...names].filter(name => !name.split(" · ").every(part => text.includes(part.replace(/\\s+/g, " "))));
}"""

EAGER_IMAGES_JS = """() => {
  const images = [...document.querySelectorAll('img[loading="lazy"]')];
  images.forEach(img => { img.loading = "eager"; });
  const done = images.map(img => img.complete ? null : new Promise(resolve => { img.addEventListener("load", resolve); img.addEventListener("error", resolve); }));
  const timeout = new Promise(resolve => setTimeout(resolve, 5000));
  return Promise.race([Promise.all(done), timeout]).then(() => true);
}"""

MAPS_READY_JS = """() => {
  if (!window.PortalMap || !PortalMap.maps) return true;
  const ready = Object.values(PortalMap.maps).map(m => m.ready).filter(Boolean);
  const timeout = new Promise(resolve => setTimeout(() => resolve(false), 10000));
  return Promise.race([Promise.all(ready).then(() => true), timeout]);
}"""

MAPS_JS = """() => [...document.querySelectorAll('.leaflet-container')].map(el => {
  const state = window.PortalMap && PortalMap.maps ? PortalMap.maps[el.id] : null;
  return {
    id: el.id,
    width: el.clientWidth, height: el.clientHeight,
    markers: el.querySelectorAll('.leaflet-marker-pane > *').length,
    paths: el.querySelectorAll('.leaflet-overlay-pane path').length,
    zoomControl: !!el.querySelector('.leaflet-control-zoom-in'),
    zoom: state && state.map ? state.map.getZoom() : null,
  };
})"""


@dataclass
class Visit:
    key: str
    viewport: str
    path: str
    status: int | None = None
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    foreign: list = field(default_factory=list)  # (resource type, url) of requests to other hosts (all aborted)
    failed: list = field(default_factory=list)  # our own sub-resources answering >= 400
    maps_ready: bool = True
    scroll_width: int = 0
    inner_width: int = 0
    landmarks: dict = field(default_factory=dict)
    axe: list = field(default_factory=list)
    tab_stops: list = field(default_factory=list)
    skip_target: str | None = None  # where focus lands when the skip link is followed
    after_skip: dict | None = None  # the Tab stop after that
    maps: list = field(default_factory=list)
    small_targets: list = field(default_factory=list)
    unlisted: list = field(default_factory=list)  # names drawn on a map but not written anywhere else
    taps: list = field(default_factory=list)  # (map id, zoom before, zoom after tapping "+")
    screenshot: Path | None = None

    @property
    def label(self) -> str:
        return f"{self.key} {self.path} at {self.viewport} size"


def guard_requests(page, portal, record: list) -> None:
    """Let requests to the portal through; abort every other one (as without internet), recording it."""

    def handle(route):
        request = route.request
        if urlsplit(request.url).netloc == portal.host or request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            record.append((request.resource_type, request.url))
            route.abort()

    page.route("**/*", handle)


def is_tile_failure(message, portal) -> bool:
    """Chromium logs every aborted tile as 'Failed to load resource'; that is expected offline."""
    url = (message.location or {}).get("url", "")
    return "Failed to load resource" in message.text and urlsplit(url).hostname in portal.tile_hosts


class Recorder:
    """Console errors, uncaught errors and failed same-origin requests of one tab (foreign requests are
    aborted, as offline: the tiles fail, which is expected)."""

    def __init__(self, page, portal):
        self.portal, self.errors, self.failed, self.foreign = portal, [], [], []
        page.on("console", lambda m: m.type == "error" and not is_tile_failure(m, portal) and self.errors.append(f"{m.text} ({m.location.get('url', '')})"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: r.status >= 400 and urlsplit(r.url).netloc == portal.host and self.failed.append(f"{r.status} {r.url}"))
        guard_requests(page, portal, self.foreign)

    def assert_clean(self, label: str):
        assert not self.errors, f"{label}: console errors: {self.errors}"
        assert not self.failed, f"{label}: failed requests to the portal: {self.failed}"


def visit_page(context, portal, key: str, viewport: str, screenshots: Path) -> Visit:
    visit = Visit(key=key, viewport=viewport, path=portal.pages[key])
    page = context.new_page()
    try:
        page.on("console", lambda m: m.type == "error" and not is_tile_failure(m, portal) and visit.console_errors.append(f"{m.text} ({m.location})"))
        page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
        page.on("response", lambda r: r.status >= 400 and not r.request.is_navigation_request() and visit.failed.append(f"{r.status} {r.url}"))
        guard_requests(page, portal, visit.foreign)

        response = page.goto(visit.path, wait_until="load")
        visit.status = response.status if response else None
        page.wait_for_load_state("networkidle")
        visit.maps_ready = page.evaluate(MAPS_READY_JS)
        page.evaluate("() => document.fonts.ready.then(() => true)")

        visit.scroll_width, visit.inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        visit.landmarks = page.evaluate(LANDMARKS_JS)
        visit.maps = page.evaluate(MAPS_JS)
        visit.small_targets = page.evaluate(SMALL_TARGETS_JS)
        visit.unlisted = page.evaluate(UNLISTED_JS)
        visit.axe = page.evaluate(AXE_RUN_JS)

        page.evaluate(EAGER_IMAGES_JS)  # a full-page screenshot shows the pictures below the fold too
        visit.screenshot = screenshots / f"{key.replace('.', '-').replace(':', '-')}-{viewport}.png"
        page.screenshot(path=str(visit.screenshot), full_page=True, animations="disabled")

        # keyboard: the first tab stops from the top, then the skip link's jump into <main>
        for _ in range(TAB_STOPS):
            page.keyboard.press("Tab")
            visit.tab_stops.append(page.evaluate(FOCUS_JS))
        skip = page.locator('a.skip-link, a[href="#main"]').first
        if skip.count():
            skip.focus()
            page.keyboard.press("Enter")
            visit.skip_target = page.evaluate(
                "() => document.activeElement && (document.activeElement.closest('main') ? 'main' : document.activeElement.tagName.toLowerCase())"
            )
            page.keyboard.press("Tab")
            visit.after_skip = page.evaluate(FOCUS_JS)

        # touch: tap each map's "+" and see the map zoom in
        if context_has_touch(viewport):
            for m in visit.maps:
                if m["zoomControl"] and m["zoom"] is not None and m["id"]:
                    before = m["zoom"]
                    page.locator(f"#{m['id']} .leaflet-control-zoom-in").tap()
                    try:
                        page.wait_for_function(f"() => PortalMap.maps[{m['id']!r}].map.getZoom() > {before}", timeout=5000)
                    except Exception:  # noqa: BLE001 - recorded; the test says what happened
                        pass
                    visit.taps.append((m["id"], before, page.evaluate(f"() => PortalMap.maps[{m['id']!r}].map.getZoom()")))
    finally:
        page.close()
    return visit


def context_has_touch(viewport: str) -> bool:
    return bool(VIEWPORTS[viewport].get("has_touch"))


def has_visible_focus(stop: dict) -> bool:
    outline = stop["outlineStyle"] != "none" and stop["outlineWidth"] > 0
    return outline or stop["boxShadow"] not in ("none", "") or bool(stop.get("ring"))


def format_axe(violations: list) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target']}  {node['html']}")
            if node["summary"]:
                lines.append("      " + node["summary"].replace("\n", "\n      "))
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def admin_login(page, base_url: str, username: str, password: str) -> None:
    """Sign in to the Wagtail admin as `username` (the demo runs without two-factor sign-in)."""
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").first.click()
    assert "/admin/login/" not in page.url, f"{username} could not log in: {page.locator('.messages, .error-message, .help-critical').all_inner_texts()}"
