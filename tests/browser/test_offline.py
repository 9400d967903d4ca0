"""Offline route packs in Chromium, the way a visitor uses them before a trip into the valleys.

A server of its own (tests/browser/conftest.serve_demo) with the `custom` tile provider pointing at
a tile server on 127.0.0.1 (tests/tile_server.py), since packs copy tiles only from a deployment's
own tile server. One phone-size context with the service worker allowed; the tests run in order,
as a visitor would: install, download, go offline, walk, come back online to an edited route,
update, delete, and find a withdrawn route's pack gone.
"""

from __future__ import annotations

import math

import pytest

from tests.browser.conftest import CHROMIUM_ARGS, serve_demo
from tests.browser.support import VIEWPORTS
from tests.transactional import shared_playwright

ROUTE = "/routes/xinachuan/"
ROUTE_EN = "/en/routes/xinachuan/"
WITHDRAWN = "/routes/huangyuan/"
NO_TILES = "/routes/diaogou/"

CACHE_BYTES_JS = """async (name) => {
  const cache = await caches.open(name);
  let bytes = 0, count = 0;
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    bytes += (await response.arrayBuffer()).byteLength;
    count += 1;
  }
  return {bytes, count};
}"""

PACK_META_JS = """async (key) => {
  const index = await caches.open("portal-packs");
  const r = await index.match("/offline/packs/" + key + ".json");
  return r ? r.json() : null;
}"""


@pytest.fixture(scope="module")
def site(chromium_path, tmp_path_factory, tiles):
    with serve_demo(tmp_path_factory, "offline", {"PORTAL_TILE_PROVIDER": "custom", "PORTAL_TILE_URL": tiles.url}) as served:
        yield served


@pytest.fixture(scope="module")
def context(chromium_path, site, tmp_path_factory):
    # A persistent profile, as a visitor's browser is: Chromium does not offer installing from an
    # incognito-like throw-away context.
    context = shared_playwright().chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("offline-profile")),
        executable_path=chromium_path,
        args=CHROMIUM_ARGS,
        headless=True,
        **VIEWPORTS["phone"],
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        base_url=site.url,
        service_workers="allow",
    )
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture(scope="module")
def page(context):
    page = context.pages[0] if context.pages else context.new_page()
    yield page
    page.close()


def worker_ready(page) -> str:
    return page.evaluate("navigator.serviceWorker.ready.then(r => r.active && r.scope)")


def download_pack(page, both_languages=False, shots=None) -> dict:
    """Tap 下载离线包, read the size it announces, confirm, wait until saved; the pack's record."""
    panel = page.locator("[data-offline-pack]")
    panel.get_by_role("button", name="下载离线包").click()
    if both_languages:
        panel.locator("[data-pack-both]").check()
        panel.get_by_role("button", name="取消").click()
        panel.get_by_role("button", name="下载离线包").click()
    panel.get_by_role("button", name="开始下载").wait_for()
    announced = panel.locator("[data-pack-status]").inner_text()
    estimate = int(panel.get_attribute("data-pack-estimate"))
    if shots:
        panel.screenshot(path=str(shots / "offline-pack-confirm-phone.png"))
    panel.get_by_role("button", name="开始下载").click()
    page.wait_for_selector("[data-offline-pack][data-pack-state=saved]", timeout=60_000)
    if shots:
        panel.screenshot(path=str(shots / "offline-pack-saved-phone.png"))
    meta = page.evaluate(PACK_META_JS, panel.get_attribute("data-pack-key"))
    return {"announced": announced, "estimate": estimate, "meta": meta}


def haversine_km(a, b) -> float:
    lat1, lat2 = math.radians(a[1]), math.radians(b[1])
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b[0] - a[0]) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_installable_with_a_worker_and_both_manifests(page, context):
    page.goto("/")
    assert worker_ready(page).endswith("/")
    session = context.new_cdp_session(page)
    errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["lang"].startswith("zh") and manifest["start_url"] == "/" and manifest["scope"] == "/"
    sizes = page.evaluate(
        """async (icons) => Promise.all(icons.map(async (icon) => {
             const blob = await (await fetch(new URL(icon.src, document.querySelector('link[rel=manifest]').href))).blob();
             if (icon.type === 'image/svg+xml') return [icon.sizes, 'any'];
             const bitmap = await createImageBitmap(blob);
             return [icon.sizes, bitmap.width + 'x' + bitmap.height];
           }))""",
        manifest["icons"],
    )
    assert all(declared == real or declared == "any" for declared, real in sizes), sizes
    assert any("maskable" in icon.get("purpose", "") and icon["sizes"] == "512x512" for icon in manifest["icons"])
    page.goto("/en/")
    english = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert english["lang"] == "en" and english["start_url"].startswith("/en/")


def test_a_downloaded_route_works_offline(page, context, tiles, site, screenshots_dir):
    page.goto(ROUTE)
    worker_ready(page)
    pack = download_pack(page, both_languages=True, shots=screenshots_dir)
    meta = pack["meta"]
    assert "MB" in pack["announced"] and meta["tiles"] > 50, pack

    # the size announced before downloading is the size stored, within 20%
    stored = page.evaluate(CACHE_BYTES_JS, meta["cache"])
    assert stored["bytes"] == meta["bytes"]
    assert abs(pack["estimate"] - stored["bytes"]) <= 0.2 * stored["bytes"], (pack["estimate"], stored)

    route_geo = page.evaluate("JSON.parse(document.getElementById('route-geo').textContent)")
    stops = [f["properties"] for f in route_geo["features"] if "number" in f["properties"]]
    line = next(f["geometry"] for f in route_geo["features"] if f["properties"].get("kind") == "route")
    requests_before = len(tiles.requests)

    context.set_offline(True)
    try:
        page.goto(ROUTE + "?from=singlemessage&isappinstalled=0")  # as a WeChat share opens it
        assert page.locator("h1").inner_text().startswith("湟中区西纳川")
        page.wait_for_selector(".leaflet-overlay-pane path")
        assert page.locator(".stop-marker, .leaflet-marker-icon").count() >= len(stops)
        page.wait_for_function("() => document.querySelectorAll('#route-map .leaflet-tile-loaded').length > 0")
        assert len(tiles.requests) == requests_before  # the tiles came from the pack
        for n in range(page.locator("img.stop-img").count()):
            page.locator("img.stop-img").nth(n).scroll_into_view_if_needed()
        page.wait_for_function("() => [...document.querySelectorAll('img.stop-img')].every(img => img.complete && img.naturalWidth > 0)")
        assert page.locator("svg.elevation-profile, .route-profile svg, [class*=profile] svg").count() >= 1
        calls = page.locator(".route-side a[href^='tel:']")
        assert calls.count() >= 1
        page.screenshot(path=str(screenshots_dir / "offline-route-phone.png"), full_page=False)

        # where am I: on the line between the first two stops
        coords = line["coordinates"] if line["type"] == "LineString" else [c for part in line["coordinates"] for c in part]
        along = [0.0]
        for a, b in zip(coords, coords[1:]):
            along.append(along[-1] + haversine_km(a, b))
        first, second = sorted(stops, key=lambda s: s["along_km"])[:2]
        k = next(i for i, km in enumerate(along) if first["along_km"] + 0.3 < km < second["along_km"] - 0.3)
        context.grant_permissions(["geolocation"])
        context.set_geolocation({"longitude": coords[k][0], "latitude": coords[k][1], "accuracy": 10})
        box = page.locator("[data-route-position]")
        box.get_by_role("button", name="显示我的位置").click()
        page.wait_for_selector("[data-route-position][data-next-stop]")
        assert box.get_attribute("data-next-stop") == str(second["number"])
        assert abs(float(box.get_attribute("data-next-km")) - (second["along_km"] - along[k])) < 0.2
        assert abs(float(box.get_attribute("data-end-km")) - (along[-1] - along[k])) < 0.2
        assert float(box.get_attribute("data-off-km")) < 0.05
        if len(coords[k]) > 2:
            assert abs(int(box.get_attribute("data-altitude-m")) - coords[k][2]) < 30
        assert second["name"] in box.locator("[data-position-out]").inner_text()
        page.wait_for_selector("#route-map path.route-you")
        page.screenshot(path=str(screenshots_dir / "offline-route-position-phone.png"), full_page=False)

        # another size or format of a stop's picture than the one kept: answered with the kept one
        alias = next(iter(meta["aliases"]))
        assert page.evaluate("(url) => fetch(url).then(r => r.ok && r.headers.get('content-type'))", alias).startswith("image/")

        # the rest of the pack: the English page, the print view, the GPX
        page.goto(ROUTE_EN)
        assert "Xinachuan" in page.locator("h1").inner_text() or page.locator("html").get_attribute("lang") == "en"
        page.goto(ROUTE + "print/")
        assert page.locator("h1").count() == 1
        gpx = page.evaluate(f"fetch('{ROUTE}gpx/').then(r => r.text())")
        assert "<gpx" in gpx

        # an address that was not downloaded: the offline page, listing what was
        page.goto("/homestays/")
        assert page.locator("[data-offline-notice]").is_visible()
        assert page.locator("[data-pack-rows] li").count() == 1
        page.screenshot(path=str(screenshots_dir / "offline-page-phone.png"), full_page=True)
    finally:
        context.set_offline(False)


def test_without_the_tile_server_the_pack_draws_the_shipped_basemap(page, context, tiles):
    page.goto(NO_TILES)
    worker_ready(page)
    tiles.down = True
    try:
        pack = download_pack(page)
    finally:
        tiles.down = False
    assert "简易地名底图" in pack["announced"] and pack["meta"]["tiles"] == 0, pack
    context.set_offline(True)
    try:
        page.goto(NO_TILES)
        page.wait_for_selector("#route-map .basemap-label:not(.basemap-label--hidden)", state="attached")  # zero-size anchors
        assert "map-tiles-off" in page.locator("#route-map").get_attribute("class")
        page.wait_for_selector("#route-map .leaflet-overlay-pane path")
    finally:
        context.set_offline(False)
    page.goto("/offline/")
    page.locator(f"[data-pack-key={pack['meta']['key']}]").get_by_role("button", name="删除").click()
    page.wait_for_selector(f"[data-pack-key={pack['meta']['key']}]", state="detached")


def test_an_edited_route_offers_its_update_and_a_pack_can_be_deleted(page, site, screenshots_dir):
    page.goto("/offline/")
    row = page.locator("[data-pack-rows] li", has_text="西纳川")
    page.wait_for_selector("[data-pack-rows] li[data-pack-state=current]")
    old = page.evaluate(PACK_META_JS, row.get_attribute("data-pack-key"))

    site.manage(
        "shell",
        "-c",
        "from routes.models import RoutePage; p = RoutePage.objects.get(slug='xinachuan', locale__language_code='zh-hans'); "
        "p.summary = p.summary + ' 新增观景台。'; p.save_revision().publish()",
    )
    page.goto(ROUTE)
    page.wait_for_selector("[data-offline-pack][data-pack-state=outdated]")
    assert "有更新" in page.locator("[data-pack-status]").inner_text()

    page.goto("/offline/")
    page.wait_for_selector("[data-pack-rows] li[data-pack-state=outdated]")
    assert "有更新" in row.inner_text()
    page.screenshot(path=str(screenshots_dir / "offline-page-update-phone.png"), full_page=True)
    row.get_by_role("button", name="更新离线包").click()
    page.wait_for_selector("[data-pack-rows] li[data-pack-state=current]", timeout=60_000)
    new = page.evaluate(PACK_META_JS, old["key"])
    assert new["version"] != old["version"]
    names = page.evaluate("caches.keys()")
    assert new["cache"] in names and old["cache"] not in names  # the old version went once the new one was complete

    row.get_by_role("button", name="删除").click()
    page.wait_for_selector("[data-pack-empty]:not([hidden])")
    assert page.evaluate(PACK_META_JS, old["key"]) is None
    assert not [n for n in page.evaluate("caches.keys()") if n.startswith("portal-pack-")]


def test_a_withdrawn_route_loses_its_pack(page, site):
    page.goto(WITHDRAWN)
    worker_ready(page)
    pack = download_pack(page)
    site.manage(
        "shell",
        "-c",
        "from routes.models import RoutePage; [p.unpublish() for p in RoutePage.objects.filter(slug='huangyuan', locale__language_code='zh-hans')]",
    )
    page.goto(WITHDRAWN)
    assert page.url.split("?")[0].endswith("/offline/")
    assert "已下线" in page.locator("[data-offline-notice]").inner_text()
    assert page.evaluate(PACK_META_JS, pack["meta"]["key"]) is None
    assert pack["meta"]["cache"] not in page.evaluate("caches.keys()")
