"""Issue 20, point 6, in a real browser: pictures that show their subject, each with alt text.

At 390 and 1280 CSS px, in Chinese and English, the home page, a route page, /products/ and
/news/: every picture of the page (outside the map's own tiles) has a non-empty alt, and the
cards of one listing do not all show the same picture (compared by the bytes each card loads,
not only by URL). An editor finds the "待替换的演示图片" report; an owner does not get in.
Each visit fails on a console error or a failed same-origin request, and saves a screenshot
(artifacts/screenshots/pictures-*.png).
"""

from __future__ import annotations

import hashlib

import pytest

from tests.browser.support import EAGER_IMAGES_JS, guard_requests, is_tile_failure

pytestmark = pytest.mark.browser

WIDTHS = {
    390: {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
    1280: {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1},
}
PAGES = ["portal.HomePage", "routes.RoutePage", "products.ProductIndexPage", "news.NewsIndexPage"]
LISTINGS = {"portal.HomePage", "products.ProductIndexPage", "news.NewsIndexPage"}
REPORT = "/admin/reports/demo-pictures/"
PASSWORD = "changeme"

# Every <img> of the page but the map's tiles and markers (Leaflet's own, decorative by design),
# with the file the browser chose (currentSrc) and whether it is a card's picture.
IMAGES_JS = """() => [...document.images].filter(img => !img.closest('.leaflet-container')).map(img => ({
  alt: (img.getAttribute('alt') || '').trim(),
  hasAlt: img.hasAttribute('alt'),
  src: img.currentSrc || img.src,
  card: !!img.closest('[class*="card"]:not(.cards):not(.mini-cards), .news-item'),
  loaded: img.complete && img.naturalWidth > 0,
  html: img.outerHTML.slice(0, 160),
}))"""


class Recorder:
    """A tab that records console errors, failed same-origin responses and foreign requests."""

    def __init__(self, context, portal):
        self.page = context.new_page()
        self.portal = portal
        self.console, self.failed, self.foreign = [], [], []
        self.page.on("console", lambda m: m.type == "error" and not is_tile_failure(m, portal) and self.console.append(f"{m.text} ({m.location})"))
        self.page.on("pageerror", lambda e: self.console.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and portal.host in r.url and self.failed.append(f"{r.status} {r.url}"))
        guard_requests(self.page, portal, self.foreign)

    def goto(self, path: str):
        # The first visit of a page makes its renditions (AVIF and WebP at two sizes per picture),
        # which on a fresh demo can take longer than a click should.
        response = self.page.goto(path, wait_until="load", timeout=180_000)
        assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}\n{self.portal.log_tail()}"
        self.page.wait_for_load_state("networkidle")
        return response

    def assert_clean(self, label: str):
        assert not self.console, f"{label}: console errors {self.console}"
        assert not self.failed, f"{label}: failed same-origin requests {self.failed}"


@pytest.fixture(scope="module")
def contexts(browser, portal):
    made = {}

    def get(width: int, language: str):
        if (width, language) not in made:
            made[(width, language)] = browser.new_context(
                **WIDTHS[width], locale="zh-CN" if language == "zh" else "en-GB", timezone_id="Asia/Shanghai", base_url=portal.url, service_workers="block"
            )
            made[(width, language)].set_default_timeout(15_000)
        return made[(width, language)]

    yield get
    for context in made.values():
        context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("key", PAGES)
def test_every_picture_has_alt_text_and_cards_show_different_pictures(contexts, portal, screenshots_dir, key, width, language):
    target = key if language == "zh" else f"{key}@en"
    path = portal.path(target)
    tab = Recorder(contexts(width, language), portal)
    try:
        tab.goto(path)
        tab.page.evaluate(EAGER_IMAGES_JS)  # load the pictures below the fold too
        tab.page.wait_for_load_state("networkidle")
        shot = screenshots_dir / f"pictures-{target.replace('.', '-').replace('@', '-')}-{width}.png"
        tab.page.screenshot(path=str(shot), full_page=True, animations="disabled")
        images = tab.page.evaluate(IMAGES_JS)
        label = f"{path} at {width} px"

        assert images, f"{label}: no pictures at all"
        missing = [img["html"] for img in images if not img["alt"]]
        assert not missing, f"{label}: pictures without alt text:\n" + "\n".join(missing)
        broken = [img["src"] for img in images if not img["loaded"]]
        assert not broken, f"{label}: pictures that did not load: {broken}"

        if key in LISTINGS:
            cards = [img for img in images if img["card"]]
            assert len(cards) >= 3, f"{label}: expected a listing of cards with pictures, found {len(cards)}"
            srcs = [img["src"] for img in cards]
            assert len(set(srcs)) > 1, f"{label}: every card shows the same file {srcs[0]}"
            digests = {}
            for src in set(srcs):
                body = tab.page.request.get(src).body()
                digests.setdefault(hashlib.sha256(body).hexdigest(), []).append(src)
            # one item may appear in two sections of the home page; most cards must differ
            assert len(digests) * 2 >= len(set(srcs)), f"{label}: cards repeat pictures: {[v for v in digests.values() if len(v) > 1]}"
            if language == "en":
                assert any(img["alt"].isascii() for img in cards), f"{label}: no English alt text on the cards: {[img['alt'] for img in cards][:5]}"
        tab.assert_clean(label)
    finally:
        tab.page.close()


def login(tab: Recorder, username: str):
    tab.goto("/admin/login/")
    tab.page.fill("#id_username", username)
    tab.page.fill("#id_password", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.locator("form button[type=submit], form input[type=submit]").first.click()
    assert "/admin/login/" not in tab.page.url, f"{username} could not log in"


def test_editor_finds_the_demo_pictures_report_and_an_owner_does_not(browser, portal, screenshots_dir):
    context = browser.new_context(**WIDTHS[1280], locale="zh-CN", base_url=portal.url, service_workers="block")
    try:
        editor = Recorder(context, portal)
        login(editor, "editor")
        editor.goto(REPORT)
        editor.page.screenshot(path=str(screenshots_dir / "pictures-report-editor-1280.png"), full_page=True, animations="disabled")
        assert "待替换的演示图片" in editor.page.title() or editor.page.get_by_text("待替换的演示图片").count()
        rows = editor.page.locator("table tbody tr")
        assert rows.count() >= 5, f"the report lists {rows.count()} pages"
        edit_links = editor.page.locator('table tbody a[href*="/admin/pages/"][href$="/edit/"]')
        image_links = editor.page.locator('table tbody a[href*="/admin/images/"]')
        assert edit_links.count() >= 5 and image_links.count() >= 5
        # follow one: the page editor opens
        with editor.page.expect_navigation():
            edit_links.first.click()
        assert "/edit/" in editor.page.url
        editor.assert_clean("the report, as the editor")
        editor.page.close()
    finally:
        context.close()

    context = browser.new_context(**WIDTHS[390], locale="zh-CN", base_url=portal.url, service_workers="block")
    try:
        owner = Recorder(context, portal)
        login(owner, "owner1")
        response = owner.page.goto(REPORT)
        assert "/admin/reports/demo-pictures/" not in owner.page.url or (response and response.status == 403), "the owner got into the report"
        assert owner.page.locator('a[href="/admin/reports/demo-pictures/"]').count() == 0
        owner.page.close()
    finally:
        context.close()
