"""Layout on a phone, in the demo site: the header fits 390 px (搜索 included) and is keyboard
usable, the brand mark is a drawing (not a glyph no font has), the homestay index shows its amenity
checkboxes and clusters its map with the shared map module, a route's numbered stops are never
under a cluster, and a printed route has no map heading without a map."""

from __future__ import annotations

import pytest

from tests.browser.support import guard_requests

pytestmark = pytest.mark.browser

READY_JS = "() => Promise.all(Object.values((window.PortalMap && PortalMap.maps) || {}).map(m => m.ready)).then(() => true)"


def open_page(new_context, portal, key, viewport="phone"):
    path = portal.path(key)
    page = new_context(viewport).new_page()
    foreign = []
    guard_requests(page, portal, foreign)
    response = page.goto(path)
    assert response.status == 200, f"{key} {path}: HTTP {response.status}"
    return page


def test_header_fits_a_phone_and_is_keyboard_usable(new_context, portal):
    page = open_page(new_context, portal, "portal.HomePage")
    width = page.evaluate("innerWidth")
    assert width == 390
    # every main-navigation link, 搜索 (the last) included, is inside the window and not covered
    links = page.evaluate(
        """() => [...document.querySelectorAll('.main-nav a')].map(a => {
          const r = a.getBoundingClientRect();
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          return {text: a.innerText.trim(), left: r.left, right: r.right, top: r.top, height: r.height, reachable: !!hit && a.contains(hit)};
        })"""
    )
    assert links and links[-1]["text"] == "搜索", links
    for link in links:
        assert link["left"] >= 0 and link["right"] <= width, f"{link['text']} is cut off at 390 px: {link}"
        assert link["reachable"] and link["height"] >= 44, f"{link['text']} is covered or too small: {link}"
    assert page.evaluate("document.querySelector('.main-nav').scrollWidth <= document.querySelector('.main-nav').clientWidth")
    # the brand mark is an SVG drawing, not a character that needs a font
    assert page.locator(".brand svg.brand-mark").count() == 1
    assert "⛰" not in page.inner_text("header")
    # Tab from the skip link through the header reaches 搜索, with a visible outline
    search = page.locator(".main-nav a", has_text="搜索")
    for _ in range(len(links) + 3):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.matches('.main-nav a.nav-search')"):
            break
    assert search.evaluate("a => a === document.activeElement"), "Tab never reaches 搜索 in the header"
    outline = search.evaluate("a => { const cs = getComputedStyle(a); return [cs.outlineStyle, parseFloat(cs.outlineWidth)]; }")
    assert outline[0] != "none" and outline[1] >= 2, f"搜索 has no visible focus outline: {outline}"


def test_homestay_index_amenities_are_visible_and_the_map_clusters(new_context, portal):
    page = open_page(new_context, portal, "homestays.HomestayIndexPage")
    summary = page.locator(".amenity-filter summary")
    summary.click()
    boxes = page.locator(".amenity-filter input[type=checkbox]")
    assert boxes.count() >= 5
    for i in range(boxes.count()):
        box = boxes.nth(i)
        assert box.is_visible(), f"amenity checkbox {i} is hidden"
        size = box.bounding_box()
        assert size["width"] >= 16 and size["height"] >= 16, f"amenity checkbox {i} is {size}"
        label = box.evaluate("b => (b.labels[0] && b.labels[0].innerText.trim()) || ''")
        assert label, f"amenity checkbox {i} has no label text"
    boxes.first.evaluate("b => b.labels[0].click()")  # tapping the label ticks the box
    assert boxes.first.is_checked()
    # the shared map module draws the map, and clusters the listings
    page.wait_for_function("() => window.PortalMap && PortalMap.maps['homestays-map'] && PortalMap.maps['homestays-map'].ready")
    page.evaluate(READY_JS)
    state = page.evaluate(
        "() => { const s = PortalMap.maps['homestays-map']; return {cluster: !!s.cluster, inClusters: s.cluster ? s.cluster.getLayers().length : 0}; }"
    )
    assert state["cluster"] and state["inClusters"] >= 2, f"the homestay map does not cluster its listings: {state}"
    assert page.locator("#homestays-map .marker-cluster").count() >= 1


def test_route_stops_are_never_under_a_cluster(new_context, portal):
    page = open_page(new_context, portal, "routes.RoutePage")
    page.wait_for_function("() => window.PortalMap && PortalMap.maps['route-map'] && PortalMap.maps['route-map'].ready")
    page.evaluate(READY_JS)
    result = page.evaluate(
        """() => {
          const s = PortalMap.maps['route-map'];
          const stops = [];
          s.inline.eachLayer(l => { if (l instanceof L.Marker) stops.push(l); });
          const clustered = stops.filter(m => s.cluster && s.cluster.hasLayer(m)).length;
          const z = el => parseInt(el.style.zIndex || '0', 10);
          const clusterZ = [...document.querySelectorAll('#route-map .marker-cluster')].map(z);
          const covered = stops.filter(m => {
            const el = m.getElement();
            if (!el) return false;
            const r = el.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return hit && hit.closest('.marker-cluster');
          }).map(m => m.feature.properties.number);
          return {stops: stops.length, clustered, minStopZ: Math.min(...stops.map(m => z(m.getElement()))), maxClusterZ: Math.max(-1e9, ...clusterZ), covered};
        }"""
    )
    assert result["stops"] >= 2 and result["clustered"] == 0, result
    assert result["minStopZ"] > result["maxClusterZ"], f"a cluster sits above a numbered stop: {result}"
    assert not result["covered"], f"clusters cover stops {result['covered']}"


@pytest.mark.parametrize("key", ["routes.RoutePage", "homestays.HomestayPage"])
def test_printed_page_has_no_heading_without_its_map(new_context, portal, key):
    page = open_page(new_context, portal, key, viewport="desktop")
    page.emulate_media(media="print")
    bare = page.evaluate(
        """() => [...document.querySelectorAll('main h2')].filter(h => {
          const section = h.closest('section');
          if (!h.offsetParent || !section) return false;
          const maps = [...section.querySelectorAll('.portal-map')];
          if (!maps.length || maps.some(m => getComputedStyle(m).display !== 'none')) return false;
          return !section.innerText.replace(h.innerText, '').trim();
        }).map(h => h.innerText.trim())"""
    )
    assert not bare, f"{key}: headings printed with their map hidden and nothing else: {bare}"
    if key == "routes.RoutePage":
        assert page.locator("#map-h").is_hidden(), "the route's 线路地图 heading prints without a map"
