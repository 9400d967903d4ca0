"""Cards and lists, measured in Chromium (issue 20, point 1): on every card of every listing — the home
page's sections, /homestays/, /news/, /products/ and search results — in Chinese and in English, at
390 px (a phone, touch) and 1280 px:

- the text column takes at least half the card's width, unless the picture stacks above the text
  (the bug: an empty <source> took the first grid column of each news item and squeezed the text);
- the picture is not larger than the card;
- the card is ONE link: the picture and a blank corner of the card hit the title's link (a real tap
  or click on a picture then opens the card's page), titles look like links (underlined);
- tabbing to each card draws a visible ring around the whole card;
- axe-core finds nothing serious or critical in the cards, and the page has no console error and no
  failed request to the portal.

A second test resizes each Chinese listing from 320 to 1440 px and keeps the first two rules.
Screenshots: artifacts/screenshots/cards-<listing>-<lang>-<width>.png (the whole page) and
…-focus.png (the first card, focused from the keyboard).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests.browser.support import EAGER_IMAGES_JS, Recorder, format_axe

pytestmark = pytest.mark.browser

# name -> target key of the listing page (tests/browser/targets.py), or a search query
LISTINGS = {
    "home": "portal.HomePage",
    "homestays": "homestays.HomestayIndexPage",
    "news": "news.NewsIndexPage",
    "products": "products.ProductIndexPage",
    "search-minsu": "?民宿",
    "search-taersi": "?塔尔寺",
}
WIDTHS = {"phone": 390, "desktop": 1280}
LANGS = ("zh", "en")

CARD = "main .card, main .news-item, main .search-result"
TITLE_LINK = ".card-title a, .news-item-title a, .search-title a"

MEASURE_JS = """([cardSel, linkSel]) => [...document.querySelectorAll(cardSel)].map((card, i) => {
  card.scrollIntoView({block: "center", behavior: "instant"});
  const box = el => { if (!el) return null; const r = el.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height, right: r.right, bottom: r.bottom}; };
  const links = card.querySelectorAll(linkSel);
  const link = links[0] || null;
  const pic = card.querySelector("img, .card-img--empty, .search-thumb-empty");
  const body = card.querySelector(".card-body, .news-item-body, .search-result-body");
  const c = box(card), p = box(pic), t = box(body);
  const hits = (x, y) => { const el = document.elementFromPoint(x, y); return !!(el && link && link.contains(el)); };
  const style = link && getComputedStyle(link);
  return {
    i, title: link ? link.innerText.trim().slice(0, 40) : null, href: link ? link.href : null, links: links.length,
    card: c, pic: p, body: t, img: !!(pic && pic.tagName === "IMG"), alt: pic && pic.tagName === "IMG" ? pic.getAttribute("alt") : null,
    picHits: p ? hits(p.x + p.w / 2, p.y + p.h / 2) : null,
    cornerHits: hits(c.right - 6, c.bottom - 6),
    underlined: !!style && style.textDecorationLine.includes("underline"),
  };
})"""

CARD_AXE_JS = """async cardSel => {
  const result = await axe.run(document.querySelectorAll(cardSel), {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 160), summary: (n.failureSummary || "").slice(0, 300)})),
  }));
}"""

FOCUS_RECORDER_JS = """([cardSel, linkSel]) => {
  window.__cardFocus = [];
  document.addEventListener("focusin", e => {
    const link = e.target.closest && e.target.closest(linkSel);
    const card = link && link.closest(cardSel.replace(/main /g, ""));
    if (!card) return;
    const cs = getComputedStyle(card), ls = getComputedStyle(link);
    const r = card.getBoundingClientRect();
    window.__cardFocus.push({
      title: link.innerText.trim().slice(0, 40), focusVisible: link.matches(":focus-visible"),
      card: [cs.outlineStyle, parseFloat(cs.outlineWidth) || 0, cs.outlineColor],
      link: [ls.outlineStyle, parseFloat(ls.outlineWidth) || 0, ls.boxShadow],
      box: {x: r.left, y: r.top, w: r.width, h: r.height},
    });
  });
}"""


def listing_path(portal, name: str, lang: str) -> str:
    target = LISTINGS[name]
    path = f"/search/?q={quote(target[1:])}" if target.startswith("?") else portal.path(target)
    return path if lang == "zh" else "/en" + path


@pytest.fixture(scope="session")
def card_context(new_context):
    made = {}

    def get(viewport: str):
        if viewport not in made:
            made[viewport] = new_context(viewport)
        return made[viewport]

    return get


def open_listing(context, portal, path: str, width: int):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
    recorder = Recorder(page, portal)
    # the first visit of a listing makes its pictures' renditions (AVIF is slow on a busy CI machine)
    response = page.goto(path, wait_until="load", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    assert response and response.status == 200, f"{path}: HTTP {response and response.status}\n{portal.log_tail()}"
    page.evaluate("() => document.fonts.ready.then(() => true)")
    return page, recorder


def layout_problems(cards: list) -> list[str]:
    """The two layout rules, for every card: text at least half the width or under the picture, and
    the picture inside the card."""
    problems = []
    for c in cards:
        name = f"card {c['i']} “{c['title']}”"
        card, pic, body = c["card"], c["pic"], c["body"]
        if body is None:
            problems.append(f"{name}: no text column")
            continue
        stacked = pic is not None and pic["bottom"] <= body["y"] + 1
        if not stacked and body["w"] < card["w"] / 2:
            problems.append(f"{name}: the text is {body['w']:.0f}px of a {card['w']:.0f}px card, beside the picture ({pic})")
        if body["right"] > card["right"] + 1 or body["x"] < card["x"] - 1:
            problems.append(f"{name}: the text sticks out of the card ({body} in {card})")
        if pic is not None:
            if pic["w"] > card["w"] + 1 or pic["h"] > card["h"] + 1:
                problems.append(f"{name}: the picture ({pic['w']:.0f}×{pic['h']:.0f}) is larger than the card ({card['w']:.0f}×{card['h']:.0f})")
            if pic["x"] < card["x"] - 1 or pic["right"] > card["right"] + 1 or pic["y"] < card["y"] - 1 or pic["bottom"] > card["bottom"] + 1:
                problems.append(f"{name}: the picture is outside the card ({pic} in {card})")
    return problems


@pytest.mark.parametrize("viewport", list(WIDTHS))
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(LISTINGS))
def test_cards_hold_and_are_one_link(card_context, portal, screenshots_dir, name, lang, viewport):
    path = listing_path(portal, name, lang)
    width = WIDTHS[viewport]
    label = f"{name} {path} at {width}px"
    page, recorder = open_listing(card_context(viewport), portal, path, width)
    try:
        cards = page.evaluate(MEASURE_JS, [CARD, TITLE_LINK])
        if not cards:
            if lang == "en":  # English listings fill as content is translated (issue 20, point 4)
                pytest.skip(f"{label}: no English cards on this listing yet")
            pytest.fail(f"{label}: the listing shows no cards")
        shot = screenshots_dir / f"cards-{name}-{lang}-{width}.png"
        page.evaluate(EAGER_IMAGES_JS)
        page.screenshot(path=str(shot), full_page=True, animations="disabled")

        # layout
        problems = layout_problems(cards)
        assert not problems, f"{label}: see {shot}\n" + "\n".join(problems)

        # one link per card, covering the picture and the card's blank corner; a title that looks like a link
        for c in cards:
            card_name = f"{label}: card {c['i']} “{c['title']}”"
            assert c["links"] == 1 and c["href"], f"{card_name}: {c['links']} title links"
            assert c["underlined"], f"{card_name}: the title does not look like a link (no underline)"
            if c["pic"] is not None:
                assert c["picHits"], f"{card_name}: tapping the picture does not hit the card's link"
            assert c["cornerHits"], f"{card_name}: tapping the card's bottom corner does not hit the card's link"
            if c["img"]:
                assert c["alt"] is not None, f"{card_name}: the picture has no alt attribute"

        # accessibility of the cards themselves (the whole pages are checked by test_pages.py)
        violations = page.evaluate(CARD_AXE_JS, CARD)
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not serious, f"{label}: axe-core found serious/critical violations in the cards:\n{format_axe(serious)}"

        # the keyboard: Tab from the top through every card; each one is ringed when its link has focus
        page.evaluate(FOCUS_RECORDER_JS, [CARD, TITLE_LINK])
        page.evaluate("() => { window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); }")
        for _ in range(400):
            page.keyboard.press("Tab")
            if page.evaluate("n => window.__cardFocus.length >= n", len(cards)):
                break
        focused = page.evaluate("() => window.__cardFocus")
        assert len(focused) >= len(cards), f"{label}: Tab reached {len(focused)} of {len(cards)} cards"
        first = focused[0]
        page.locator(TITLE_LINK).first.focus()  # the first card again, for its picture
        box = page.locator(CARD).first.bounding_box()
        page.screenshot(
            path=str(screenshots_dir / f"cards-{name}-{lang}-{width}-focus.png"),
            clip={"x": max(box["x"] - 8, 0), "y": max(box["y"] - 8, 0), "width": min(box["width"] + 16, width), "height": box["height"] + 16},
        )
        for f in focused:
            style, outline_width, colour = f["card"]
            assert f["focusVisible"], f"{label}: “{f['title']}” took focus from Tab without :focus-visible"
            ringed = style not in ("none", "hidden") and outline_width >= 2
            assert ringed, f"{label}: tabbing to “{f['title']}” draws no ring around its card (card outline {f['card']}, link {f['link']})"
        assert first["box"]["w"] > 0

        # a real tap (phone) or click (desktop) on the first card's picture opens the card's page
        target = next((c for c in cards if c["img"]), None)
        if target is not None:
            img = page.locator(CARD).nth(target["i"]).locator("img").first
            img.scroll_into_view_if_needed()
            pic = img.bounding_box()
            x, y = pic["x"] + pic["width"] / 2, pic["y"] + pic["height"] / 2
            with page.expect_navigation(wait_until="commit", timeout=120_000) as navigation:  # a first visit makes renditions
                if viewport == "phone":
                    page.touchscreen.tap(x, y)
                else:
                    page.mouse.click(x, y)
            response = navigation.value
            assert urlsplit(page.url).path == urlsplit(target["href"]).path, (
                f"{label}: tapping the picture of “{target['title']}” opened {page.url}, not {target['href']}"
            )
            assert response and response.status == 200, f"{label}: {page.url} answered {response and response.status}"
            page.wait_for_load_state("load", timeout=120_000)
        recorder.assert_clean(label)
    finally:
        page.close()


@pytest.mark.parametrize("name", list(LISTINGS))
def test_cards_hold_from_320_to_1440_px(card_context, portal, screenshots_dir, name):
    path = listing_path(portal, name, "zh")
    page, recorder = open_listing(card_context("desktop"), portal, path, 320)
    try:
        for width in (320, 480, 600, 768, 960, 1100, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            cards = page.evaluate(MEASURE_JS, [CARD, TITLE_LINK])
            assert cards, f"{name} {path}: no cards at {width}px"
            problems = layout_problems(cards)
            if problems:
                shot = screenshots_dir / f"cards-{name}-zh-{width}.png"
                page.screenshot(path=str(shot), full_page=True, animations="disabled")
                pytest.fail(f"{name} {path} at {width}px: see {shot}\n" + "\n".join(problems))
            scroll = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
            assert scroll <= 0, f"{name} {path} at {width}px: the page scrolls sideways by {scroll}px"
        recorder.assert_clean(f"{name} {path}")
    finally:
        page.close()
