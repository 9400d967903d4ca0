"""Every page type of the demo site, at phone and desktop size, in Debian's Chromium.

Targets come from targets.py (every page model, plus variants, routable sub-pages and search), so a
page type an app adds is checked as soon as the demo has one. Each page is loaded once per viewport
(support.visit_page records everything); each test below asserts one property of that record.
Screenshots land in artifacts/screenshots/<type>-<viewport>.png for people to look at.
"""

from __future__ import annotations

import pytest

from tests.browser.support import VIEWPORTS, context_has_touch, format_axe, has_visible_focus, visit_page
from tests.browser.targets import target_keys

pytestmark = pytest.mark.browser

PARAMS = [pytest.param(key, viewport, id=f"{key}-{viewport}") for key in target_keys() for viewport in VIEWPORTS]


@pytest.fixture(scope="session")
def visits(portal, viewport_context, screenshots_dir):
    """visits(key, viewport) -> Visit, loading each page once per session (a failure is kept too)."""
    done = {}

    def get(key, viewport):
        portal.path(key)  # skips when the demo has no such page
        if (key, viewport) not in done:
            try:
                done[key, viewport] = visit_page(viewport_context(viewport), portal, key, viewport, screenshots_dir)
            except Exception as exc:  # noqa: BLE001 - re-raised by every test of this page
                done[key, viewport] = exc
        result = done[key, viewport]
        if isinstance(result, Exception):
            raise result
        return result

    return get


@pytest.mark.parametrize(("key", "viewport"), PARAMS)
def test_page_loads(visits, portal, key, viewport):
    visit = visits(key, viewport)
    assert visit.status == 200, f"{visit.label}: HTTP {visit.status}\n{portal.log_tail()}"
    assert not visit.failed, f"{visit.label}: resources failed to load: {visit.failed}"
    assert visit.maps_ready, f"{visit.label}: a map's layers did not finish loading within 10 s"
    assert visit.screenshot and visit.screenshot.exists()


@pytest.mark.parametrize(("key", "viewport"), PARAMS)
def test_no_horizontal_scrolling(visits, key, viewport):
    visit = visits(key, viewport)
    assert visit.scroll_width <= visit.inner_width, (
        f"{visit.label}: the page is {visit.scroll_width}px wide in a {visit.inner_width}px window (sideways scrolling); see {visit.screenshot}"
    )


@pytest.mark.parametrize(("key", "viewport"), PARAMS)
def test_no_console_errors(visits, key, viewport):
    visit = visits(key, viewport)
    assert not visit.page_errors, f"{visit.label}: uncaught JavaScript errors: {visit.page_errors}"
    assert not visit.console_errors, f"{visit.label}: console errors: {visit.console_errors}"


@pytest.mark.parametrize(("key", "viewport"), PARAMS)
def test_no_request_to_other_hosts(visits, portal, key, viewport):
    """Google Fonts and public CDNs fail or crawl in China: only map tile images may leave the site."""
    visit = visits(key, viewport)
    foreign = [(kind, url) for kind, url in visit.foreign if not (kind == "image" and url.split("/")[2] in portal.tile_hosts)]
    assert not foreign, f"{visit.label}: requests to other hosts (allowed: images from {portal.tile_hosts}): {foreign}"


@pytest.mark.parametrize(("key", "viewport"), PARAMS)
def test_landmarks_and_skip_link(visits, key, viewport):
    visit = visits(key, viewport)
    marks = visit.landmarks
    assert marks["main"] == 1, f"{visit.label}: {marks['main']} <main> landmarks"
    for landmark in ("nav", "banner", "contentinfo"):
        assert marks[landmark] >= 1, f"{visit.label}: no {landmark} landmark ({marks})"
    assert marks["h1"] >= 1, f"{visit.label}: no <h1>"
    assert marks["title"] and marks["lang"], f"{visit.label}: <title> or <html lang> missing ({marks})"
    first = visit.tab_stops[0]
    assert first and first["href"] == "#main", f"{visit.label}: the first Tab stop is not the skip link: {first}"
    assert first["inViewport"], f"{visit.label}: the focused skip link is not visible: {first}"
    assert visit.skip_target == "main", f"{visit.label}: following the skip link focuses {visit.skip_target}, not <main>"


@pytest.mark.parametrize(("key", "viewport"), PARAMS)
def test_focus_is_visible(visits, key, viewport):
    visit = visits(key, viewport)
    stops = [s for s in visit.tab_stops + [visit.after_skip] if s]
    assert stops, f"{visit.label}: nothing takes keyboard focus"
    invisible = [s for s in stops if not has_visible_focus(s)]
    assert not invisible, f"{visit.label}: focused elements without a visible focus indicator (outline or box-shadow): {invisible}"


@pytest.mark.parametrize(("key", "viewport"), PARAMS)
def test_accessibility_axe(visits, key, viewport):
    visit = visits(key, viewport)
    serious = [v for v in visit.axe if v["impact"] in ("serious", "critical")]
    assert not serious, f"{visit.label}: axe-core found serious/critical violations:\n{format_axe(serious)}"


@pytest.mark.parametrize(("key", "viewport"), [p for p in PARAMS if context_has_touch(p.values[1])])
def test_maps_show_data_and_respond_to_touch(visits, key, viewport):
    visit = visits(key, viewport)
    if not visit.maps:
        pytest.skip(f"{visit.key} has no map")
    for m in visit.maps:
        assert m["width"] > 100 and m["height"] > 100, f"{visit.label}: map #{m['id']} is {m['width']}×{m['height']}px"
        assert m["markers"] + m["paths"] > 0, f"{visit.label}: map #{m['id']} shows no markers or lines (tiles are offline; data must still show)"
    if key == "portal.MapPage":
        assert all(m["zoomControl"] for m in visit.maps), f"{visit.label}: the map page has no zoom buttons"
    unlisted = visit.unlisted
    assert not unlisted, f"{visit.label}: places on the map that the page does not name in text (a list view is the map's text alternative): {unlisted}"
    for map_id, before, after in visit.taps:
        assert after > before, f"{visit.label}: tapping + on map #{map_id} left the zoom at {after}"


@pytest.mark.parametrize(("key", "viewport"), [p for p in PARAMS if context_has_touch(p.values[1])])
def test_tap_targets_are_big_enough(visits, key, viewport):
    visit = visits(key, viewport)
    small = visit.small_targets
    assert not small, f"{visit.label}: controls smaller than 44×44 px: {small}"
