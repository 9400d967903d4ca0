"""Route maps in Chromium (issue 20, points 3 and 8), on every route of the demo, in Chinese and in
English, at 390 px (a phone, touch) and 1280 px, with every foreign request aborted (no tiles):

- at the default zoom no two markers overlap: a route's numbered stops are fanned out where they
  would share a spot (西纳川's 塔尔寺 and 青海藏文化馆, 窎沟's 桥头镇 and 老爷山), and no stop is
  covered by a homestay, a product or a cluster bubble; every stop is inside the map;
- every stop can be tapped (clicked at 1280 px) where it is drawn, and the tap opens its own popup;
- cluster bubbles cannot be taken for stop numbers: square cards reading "3 处" / "3 places" with
  an accessible name, while stops stay round badges showing only their number;
- with tiles blocked the map shows the portal's own basemap: place names (in English on /en/, the
  Chinese beneath), clear of the markers, credited in the attribution;
- no console error and no failed request to the portal on any of these pages.

Screenshots: artifacts/screenshots/route-map-<route>-<lang>-<width>.png (the map, basemap shown) and
map-clusters-<lang>-<width>.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.support import Recorder, guard_requests

pytestmark = pytest.mark.browser

WIDTHS = {"phone": 390, "desktop": 1280}
LANGS = {"zh": "", "en": "@en"}
HAN = re.compile(r"[\u3400-\u9fff]")

# true once no marker is sliding (the clusters' CSS transitions)
MOVING_JS = """() => !document.querySelector('.leaflet-cluster-anim')
  && [...document.querySelectorAll('.leaflet-marker-icon')].every(el => !el.getAnimations().length)"""

READY_JS = """(id) => PortalMap.maps[id].ready.then(() => true)"""

# Every marker icon drawn on a map, as screen boxes: the page's stops (with number and name) and the
# rest (homestays, products, cluster bubbles).
MARKERS_JS = """(id) => {
  const s = PortalMap.maps[id];
  const box = el => { const r = el.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const stopEls = new Map();
  if (s.inline) s.inline.eachLayer(l => { if (l instanceof L.Marker && l.getElement()) stopEls.set(l.getElement(), l.feature.properties); });
  const markers = [...s.map.getContainer().querySelectorAll('.leaflet-marker-pane > .leaflet-marker-icon')].map(el => {
    const p = stopEls.get(el);
    return {stop: !!p, number: p ? String(p.number) : null, name: p ? p.name : (el.getAttribute('aria-label') || el.textContent.trim()), box: box(el)};
  });
  return {zoom: s.map.getZoom(), frame: box(s.map.getContainer()), markers};
}"""

# The point to tap on a stop (its badge's centre) and what the browser finds there.
STOP_AT_JS = """([id, number]) => {
  const s = PortalMap.maps[id];
  let found = null;
  s.inline.eachLayer(l => { if (l instanceof L.Marker && String(l.feature.properties.number) === number) found = l; });
  const el = found.getElement();
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  return {x, y, name: found.feature.properties.name, hitsItself: !!hit && el.contains(hit), hit: hit ? hit.className.baseVal ?? hit.className : null};
}"""

BADGES_JS = """() => {
  const clusters = [...document.querySelectorAll('.leaflet-marker-icon.marker-cluster')].map(el => {
    const card = el.querySelector('.portal-cluster-label');
    const cs = card ? getComputedStyle(card) : null;
    return {text: (card || el).innerText.replace(/\\s+/g, ' ').trim(), aria: el.getAttribute('aria-label') || el.textContent, card: !!card,
            radius: cs ? parseFloat(cs.borderTopLeftRadius) : null, width: card ? card.getBoundingClientRect().width : 0,
            background: cs ? cs.backgroundColor : null};
  });
  const stops = [...document.querySelectorAll('.leaflet-marker-icon.map-marker--number')].map(el => {
    const cs = getComputedStyle(el);
    return {text: el.textContent.trim(), radius: cs.borderTopLeftRadius, background: cs.backgroundColor};
  });
  return {clusters, stops};
}"""

LABELS_JS = """(id) => {
  const c = document.getElementById(id);
  const box = el => { const r = el.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const shown = [...c.querySelectorAll('.basemap-label:not(.basemap-label--hidden)')].map(el => {
    const text = el.querySelector('.basemap-text');
    const sub = text.querySelector('.basemap-sub');
    return {main: text.firstChild ? text.firstChild.textContent : '', sub: sub ? sub.textContent : '', box: box(text)};
  });
  const icons = [...c.querySelectorAll('.leaflet-marker-pane > .leaflet-marker-icon')].map(box);
  return {all: c.querySelectorAll('.basemap-label').length, shown, icons, frame: box(c),
          tilesOff: c.classList.contains('map-tiles-off'),
          attribution: (c.querySelector('.leaflet-control-attribution') || {}).textContent || ''};
}"""


def overlap(a: dict, b: dict) -> bool:
    return a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]


def inside(a: dict, frame: dict) -> bool:
    return a["l"] >= frame["l"] and a["r"] <= frame["r"] and a["t"] >= frame["t"] and a["b"] <= frame["b"]


@pytest.fixture(scope="module")
def map_context(new_context):
    made = {}

    def get(viewport: str):
        if viewport not in made:
            made[viewport] = new_context(viewport)
        return made[viewport]

    return get


@pytest.fixture(scope="module")
def route_paths(map_context, portal):
    """lang -> the paths of every route linked from that language's route index."""
    found = {}
    for lang, suffix in LANGS.items():
        index = portal.path(f"routes.RouteIndexPage{suffix}")
        page = map_context("desktop").new_page()
        guard_requests(page, portal, [])
        page.goto(index, wait_until="domcontentloaded", timeout=60_000)
        hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => new URL(a.href).pathname)")
        page.close()
        paths = sorted({h for h in hrefs if h.startswith(index) and h.count("/") == index.count("/") + 1})
        assert paths, f"no route linked from {index}"
        found[lang] = paths
    return found


def open_map(context, portal, path: str, width: int, map_id: str):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
    recorder = Recorder(page, portal)
    # generous time-outs: the machine may be busy; the map, not the pictures, is what is measured
    response = page.goto(path, wait_until="domcontentloaded", timeout=60_000)
    assert response and response.status == 200, f"{path}: HTTP {response and response.status}\n{portal.log_tail()}"
    page.wait_for_function(f"() => window.PortalMap && PortalMap.maps[{map_id!r}] && PortalMap.maps[{map_id!r}].ready", timeout=60_000)
    page.evaluate(READY_JS, map_id)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    return page, recorder


def wait_for_basemap(page, map_id: str) -> dict:
    """The tiles are aborted, so the map says so and draws the basemap (at most the 8 s timeout)."""
    try:
        page.wait_for_function(f"() => document.querySelectorAll('#{map_id} .basemap-label').length > 0", timeout=30_000)
    except PlaywrightTimeout:
        state = page.evaluate(LABELS_JS, map_id)
        note = page.evaluate(f"() => (document.querySelector('#{map_id}').closest('[data-portal-map]').querySelector('[data-map-note]') || {{}}).textContent")
        pytest.fail(f"{page.url}: no place name shown with the tiles blocked: {state['all']} labels, tiles off: {state['tilesOff']}, note: {note!r}")
    settle(page)
    return page.evaluate(LABELS_JS, map_id)


def settle(page) -> None:
    """Wait out the clusters' animation (markers slide for 0.3 s) and the label placement after it."""
    page.wait_for_function(MOVING_JS, timeout=30_000)
    page.wait_for_timeout(300)


def basemap_problems(labels: dict, lang: str) -> list[str]:
    problems = []
    if not labels["tilesOff"]:
        problems.append("the map does not say its tiles failed")
    if not labels["all"]:
        problems.append("no place names in the map")
    credit = "Names" if lang == "en" else "地名"
    if credit not in labels["attribution"]:
        problems.append(f"the basemap is not credited: {labels['attribution']!r}")
    for label in labels["shown"]:
        name = f"label {label['main']!r}"
        if lang == "en" and (HAN.search(label["main"]) or not HAN.search(label["sub"])):
            problems.append(f"{name}: on /en/ a name is English with the Chinese beneath ({label})")
        if lang == "zh" and (not HAN.search(label["main"]) or label["sub"]):
            problems.append(f"{name}: a Chinese page shows the Chinese name alone ({label})")
        if not inside(label["box"], labels["frame"]):
            problems.append(f"{name} runs off the map")
        if any(overlap(label["box"], icon) for icon in labels["icons"]):
            problems.append(f"{name} lies under a marker")
    for i, a in enumerate(labels["shown"]):
        for b in labels["shown"][i + 1 :]:
            if overlap(a["box"], b["box"]):
                problems.append(f"labels {a['main']!r} and {b['main']!r} overlap")
    return problems


def marker_problems(state: dict) -> list[str]:
    problems = []
    markers = state["markers"]
    stops = [m for m in markers if m["stop"]]
    if len(stops) < 2:
        problems.append(f"only {len(stops)} stops drawn")
    for m in stops:
        if not inside(m["box"], state["frame"]):
            problems.append(f"stop {m['number']} {m['name']} is not wholly inside the map: {m['box']} vs {state['frame']}")
    for i, a in enumerate(markers):
        for b in markers[i + 1 :]:
            if (a["stop"] or b["stop"]) and overlap(a["box"], b["box"]):
                what = lambda m: f"stop {m['number']} {m['name']}" if m["stop"] else f"marker {m['name']!r}"  # noqa: E731
                problems.append(f"{what(a)} and {what(b)} overlap at zoom {state['zoom']}: {a['box']} / {b['box']}")
    return problems


@pytest.mark.parametrize("viewport", list(WIDTHS))
@pytest.mark.parametrize("lang", list(LANGS))
def test_every_stop_is_apart_and_tappable_with_the_basemap_under_it(map_context, portal, route_paths, screenshots_dir, lang, viewport):
    width = WIDTHS[viewport]
    touch = viewport == "phone"
    names_shown = 0  # a crowded phone map may have room for none; the routes together must show some
    for path in route_paths[lang]:
        label = f"{path} at {width} px"
        page, recorder = open_map(map_context(viewport), portal, path, width, "route-map")
        try:
            page.locator("#route-map").scroll_into_view_if_needed()
            labels = wait_for_basemap(page, "route-map")
            slug = path.strip("/").split("/")[-1]
            shot = screenshots_dir / f"route-map-{slug}-{lang}-{width}.png"
            page.locator("#route-map").screenshot(path=str(shot), animations="disabled")

            recorder.assert_clean(label)  # a script error would leave the map half drawn
            state = page.evaluate(MARKERS_JS, "route-map")
            problems = marker_problems(state)
            assert not problems, f"{label}:\n" + "\n".join(problems) + f"\nscreenshot: {shot}"
            names_shown += len(labels["shown"])
            problems = basemap_problems(labels, lang)
            assert not problems, f"{label}: basemap:\n" + "\n".join(problems) + f"\nscreenshot: {shot}"

            # each stop, from the default view, by a tap (phone) or a click where its badge is drawn
            view = page.evaluate("() => { const m = PortalMap.maps['route-map'].map; const c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]; }")
            numbers = [m["number"] for m in state["markers"] if m["stop"]]
            for number in numbers:
                page.evaluate("(v) => PortalMap.maps['route-map'].map.setView([v[0], v[1]], v[2], {animate: false})", view)
                page.wait_for_function(MOVING_JS, timeout=30_000)
                at = page.evaluate(STOP_AT_JS, ["route-map", number])
                assert at["hitsItself"], f"{label}: stop {number} {at['name']} is covered by {at['hit']!r} where it is drawn"
                if touch:
                    page.touchscreen.tap(at["x"], at["y"])
                else:
                    page.mouse.click(at["x"], at["y"])
                popup = page.locator("#route-map .leaflet-popup-content")
                popup.wait_for(state="visible", timeout=5000)
                assert at["name"] in popup.inner_text(), f"{label}: tapping stop {number} opened {popup.inner_text()!r}, not {at['name']}"
                page.evaluate("() => PortalMap.maps['route-map'].map.closePopup()")
            recorder.assert_clean(label)
        finally:
            page.close()
    assert names_shown >= 3, f"the basemap showed only {names_shown} place names on {route_paths[lang]} at {width} px"


@pytest.mark.parametrize("viewport", list(WIDTHS))
@pytest.mark.parametrize("lang", list(LANGS))
def test_cluster_bubbles_cannot_be_taken_for_stop_numbers(map_context, portal, route_paths, screenshots_dir, lang, viewport):
    """On /map/ (clusters of every layer) and on a route (stops beside clustered homestays)."""
    width = WIDTHS[viewport]
    unit = "places" if lang == "en" else "处"
    seen_clusters = 0
    pages = [(portal.path(f"portal.MapPage{LANGS[lang]}"), "portal-map"), (route_paths[lang][0], "route-map")]
    for path, map_id in pages:
        page, recorder = open_map(map_context(viewport), portal, path, width, map_id)
        try:
            page.locator(f"#{map_id}").scroll_into_view_if_needed()
            wait_for_basemap(page, map_id)
            if map_id == "portal-map":
                shot = screenshots_dir / f"map-clusters-{lang}-{width}.png"
                page.locator(f"#{map_id}").screenshot(path=str(shot), animations="disabled")
            badges = page.evaluate(BADGES_JS)
            seen_clusters += len(badges["clusters"])
            stop_backgrounds = {s["background"] for s in badges["stops"]}
            for s in badges["stops"]:
                assert re.fullmatch(r"\d+", s["text"]) and s["radius"] == "50%", f"{path}: a stop badge is not a round number: {s}"
            for c in badges["clusters"]:
                m = re.fullmatch(rf"(\d+) {unit}", c["text"])
                assert c["card"] and m, f"{path}: a cluster bubble does not read 'N {unit}': {c}"
                assert m.group(1) in c["aria"] and (unit in c["aria"] or "地点" in c["aria"]), f"{path}: cluster without an accessible name: {c}"
                assert c["radius"] < c["width"] / 4, f"{path}: a cluster bubble is round like a stop badge: {c}"
                assert c["background"] not in stop_backgrounds, f"{path}: a cluster bubble has a stop's colour: {c}"
            recorder.assert_clean(f"{path} at {width} px")
        finally:
            page.close()
    assert seen_clusters, f"no cluster bubble on {[p for p, _ in pages]}: nothing was checked"
