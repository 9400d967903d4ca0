"""Issue 20, "near this sight", in the demo site at 390 and 1280 px, in Chinese and English.

A visitor searches 塔尔寺 (Kumbum on the English site) and gets the place first, then the homestays,
products and service stations near it with their distances, nearest first; opens /homestays/?near=
from there or from the filter form; and on /map/ asks "near me" (geolocation granted at 塔尔寺) and
"near the map centre", where homestays come first. Every page visited must log no console error
and no failed request to the portal; tiles are aborted as offline. Screenshots go to
artifacts/screenshots/near-*.png.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.support import guard_requests, is_tile_failure

pytestmark = pytest.mark.browser

WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}
TAER = {"latitude": 36.4901, "longitude": 101.5671}  # 塔尔寺, the demo stop (Wikidata)
KAYANG = (36.66, 101.42)  # 乡趣卡阳
# What each language's page says and asks.
LANGS = {
    "zh": {"prefix": "", "locale": "zh-CN", "query": "塔尔寺", "place": "塔尔寺", "near": "塔尔寺", "km": "公里"},
    "en": {"prefix": "/en", "locale": "en-GB", "query": "Kumbum", "place": "Kumbum", "near": "Kumbum", "km": "km"},
}
READY_JS = "() => Promise.all(Object.values((window.PortalMap && PortalMap.maps) || {}).map(m => m.ready)).then(() => true)"
NEAR_ITEMS_JS = """(group) => [...document.querySelectorAll(`[data-near-group="${group}"] .near-item`)].map(li => ({
  name: li.querySelector('.near-name').textContent.trim(), km: parseFloat(li.getAttribute('data-distance-km')), text: li.innerText}))"""


class Tab:
    """A page that records console errors, page errors and the portal's own failed requests."""

    def __init__(self, browser, portal, width: str, lang: str, **options):
        self.portal = portal
        self.context = browser.new_context(
            viewport=WIDTHS[width],
            is_mobile=width == "390",
            has_touch=width == "390",
            locale=LANGS[lang]["locale"],
            timezone_id="Asia/Shanghai",
            base_url=portal.url,
            service_workers="block",
            **options,
        )
        # generous: the first visit builds the layers, on a machine the rest of the suite keeps busy
        self.context.set_default_timeout(30_000)
        self.context.set_default_navigation_timeout(60_000)
        self.page = self.context.new_page()
        self.problems, self.foreign = [], []
        self.page.on("console", lambda m: m.type == "error" and not is_tile_failure(m, portal) and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        self.page.on(
            "response",
            lambda r: r.status >= 400 and r.url.startswith(portal.url) and self.problems.append(f"{r.status} {r.url}"),
        )
        guard_requests(self.page, portal, self.foreign)

    def goto(self, path: str, status: int = 200):
        response = self.page.goto(path)
        assert response and response.status == status, f"{path}: HTTP {response and response.status}\n{self.portal.log_tail()}"
        self.page.wait_for_load_state("networkidle")
        if status != 200:  # the page itself was expected to say so; anything else still counts
            expected = {f"{status} {response.url}", f"console: Failed to load resource: the server responded with a status of {status} (Bad Request)"}
            self.problems[:] = [p for p in self.problems if p not in expected]
        return response

    def shot(self, name: str):
        from tests.browser.conftest import SCREENSHOTS

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"near-{name}.png"), full_page=True, animations="disabled")

    def close(self):
        foreign = [url for kind, url in self.foreign if not (kind == "image" and url.split("/")[2] in self.portal.tile_hosts)]
        self.context.close()
        assert not self.problems, f"errors or failed requests: {self.problems}"
        assert not foreign, f"requests to other hosts: {foreign}"


@pytest.fixture
def tab(browser, portal):
    opened = []

    def make(width, lang, **options):
        opened.append(Tab(browser, portal, width, lang, **options))
        return opened[-1]

    yield make
    for t in opened:
        t.close()


def assert_nearest_first(items, what):
    assert items, f"no {what}"
    kms = [i["km"] for i in items]
    assert kms == sorted(kms), f"{what} are not nearest first: {items}"
    assert all(km <= 30 for km in kms), f"{what} beyond 30 km: {items}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_search_answers_with_the_place_first_then_what_is_near_it(tab, width, lang):
    words = LANGS[lang]
    t = tab(width, lang)
    t.goto(f"{words['prefix']}/search/?q={quote(words['query'])}")
    page = t.page
    answer = page.locator(".place-answer")
    assert answer.count() == 1, "no place answer for " + words["query"]
    assert words["place"] in answer.locator(".place-name").inner_text()
    # the place comes before every other result
    assert page.evaluate(
        "() => { const a = document.querySelector('.place-answer'), r = document.querySelector('.search-results, .search-empty');"
        " return !r || !!(a.compareDocumentPosition(r) & Node.DOCUMENT_POSITION_FOLLOWING); }"
    )
    card = answer.locator(".place-card").inner_text()
    assert "Xinachuan" in card or "西纳川" in card, card  # which route it is on
    assert answer.locator(".place-links a").count() == 2  # on its route, on the map
    assert "30" in answer.locator(".near-heading").inner_text()  # the radius is said
    groups = page.eval_on_selector_all("[data-near-group]", "els => els.map(e => e.getAttribute('data-near-group'))")
    assert groups[:1] == ["homestays"] and set(groups) >= {"homestays", "products", "stations"}, groups
    homestays = page.evaluate(NEAR_ITEMS_JS, "homestays")
    assert_nearest_first(homestays, "homestays")
    assert any("多巴" in h["name"] or "Duoba" in h["name"] for h in homestays), homestays  # 19 km away
    assert all(words["km"] in h["text"] for h in homestays), homestays
    assert_nearest_first(page.evaluate(NEAR_ITEMS_JS, "products"), "products")
    assert_nearest_first(page.evaluate(NEAR_ITEMS_JS, "stations"), "stations")
    # the items do not overflow their column
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    t.shot(f"search-{lang}-{width}")

    # the place and a kind: only that kind (塔尔寺 民宿 on either site)
    t.goto(f"{words['prefix']}/search/?q={quote('塔尔寺 民宿')}")
    assert page.locator(".place-answer").count() == 1
    assert page.eval_on_selector_all("[data-near-group]", "els => els.map(e => e.getAttribute('data-near-group'))") == ["homestays"]
    assert_nearest_first(page.evaluate(NEAR_ITEMS_JS, "homestays"), "homestays")
    # and on to the homestay list sorted from the place
    page.locator('[data-near-group="homestays"] .near-more a').click()
    page.wait_for_load_state("networkidle")
    assert "near=" in page.url
    assert page.locator("#id_near option:checked").inner_text().startswith(words["place"][:2])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_homestays_near_a_place(tab, width, lang):
    words = LANGS[lang]
    t = tab(width, lang)
    page = t.page
    t.goto(f"{words['prefix']}/homestays/?near={quote(words['near'])}")
    status = page.locator(".result-count").inner_text()
    assert words["place"] in status and "30" in status, status
    cards = page.eval_on_selector_all(
        ".homestay-card",
        "cs => cs.map(c => { const d = c.querySelector('[data-near-km]'); return {title: c.querySelector('.card-title').innerText.trim(), km: d ? parseFloat(d.getAttribute('data-near-km')) : null, text: d ? d.innerText : ''}; })",
    )
    if lang == "zh" or cards:  # the English site lists only translated homestays (none until they are translated)
        assert cards and all(c["km"] is not None for c in cards), cards
        assert [c["km"] for c in cards] == sorted(c["km"] for c in cards), cards
        assert all(c["km"] <= 30 for c in cards), cards
        assert all(words["km"] in c["text"] for c in cards), cards
    if lang == "zh":
        assert cards[0]["title"] == "多巴云杉民宿", cards  # 19 km, not the 35 km house of the route sort
    t.page.wait_for_function(READY_JS)
    t.shot(f"homestays-{lang}-{width}")

    # the filter form: pick another place and submit
    options = page.eval_on_selector_all("#id_near option", "os => os.map(o => o.value).filter(Boolean)")
    assert len(options) >= 10, options
    kayang = next(o for o in options if "卡阳" in o or "Kayang" in o)
    page.select_option("#id_near", kayang)
    page.locator(".homestay-filters button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "near=" in page.url
    assert kayang in page.locator(".result-count").inner_text()
    if lang == "zh":
        first = page.locator(".homestay-card .card-title").first.inner_text()
        assert first.strip() == "卡阳花海小院", first

    # an unknown place: said plainly, with every homestay listed
    t.goto(f"{words['prefix']}/homestays/?near={quote('火星基地')}", status=400)  # listed, explained, not cached
    assert "火星基地" in page.locator(".filter-notes").inner_text()
    assert page.locator("[data-near-km]").count() == 0
    if lang == "zh":
        assert page.locator(".homestay-card").count() >= 10


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_map_near_me_and_near_the_centre_put_homestays_first(tab, width, lang):
    words = LANGS[lang]
    t = tab(width, lang, geolocation=TAER, permissions=["geolocation"])
    page = t.page
    t.goto(f"{words['prefix']}/map/")
    page.wait_for_function(READY_JS)
    rule = page.locator("[data-near-rule]").inner_text()
    assert rule.strip(), "the ordering rule is not stated"
    page.select_option("[data-near-km]", "20")
    page.click("[data-near-me]")
    page.locator("[data-near-results] li.near-item").first.wait_for()
    groups = page.eval_on_selector_all("[data-near-results] li.near-group-title", "ls => ls.map(l => l.getAttribute('data-near-group'))")
    assert groups[0] == "homestays", groups
    items = page.eval_on_selector_all(
        "[data-near-results] li.near-item",
        "ls => ls.map(l => ({layer: l.getAttribute('data-layer'), km: parseFloat(l.getAttribute('data-distance-km')), text: l.innerText}))",
    )
    homestays = [i for i in items if i["layer"] == "homestays"]
    assert homestays and items[: len(homestays)] == homestays, items  # the homestays lead the list
    assert any("多巴" in h["text"] or "Duoba" in h["text"] for h in homestays), homestays  # 19 km from 塔尔寺
    for layer in dict.fromkeys(i["layer"] for i in items):
        kms = [i["km"] for i in items if i["layer"] == layer]
        assert kms == sorted(kms) and max(kms) <= 20, (layer, kms)
    assert all(words["km"] in i["text"] for i in items), items
    t.shot(f"map-near-me-{lang}-{width}")

    # near the map centre: move the map to 乡趣卡阳 and ask again
    page.evaluate(f"() => {{ location.hash = 'map=12/{KAYANG[0]}/{KAYANG[1]}'; }}")
    page.wait_for_timeout(300)
    page.select_option("[data-near-km]", "5")
    page.click("[data-near-centre]")
    page.wait_for_function("() => [...document.querySelectorAll('[data-near-results] li.near-item')].some(li => /卡阳花海小院|Kayang/.test(li.innerText))")
    first = page.locator("[data-near-results] li.near-item").first
    assert first.get_attribute("data-layer") == "homestays"
    assert "卡阳花海小院" in first.inner_text() or "Kayang" in first.inner_text()
    t.shot(f"map-near-centre-{lang}-{width}")
