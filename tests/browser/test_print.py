"""Route and homestay pages printed (or saved as PDF, as visitors do before a trip with no signal):
navigation, footer, forms and buttons are left out and the content is all there. The PDFs are kept with
the screenshots."""

from __future__ import annotations

import pytest
from django.apps import apps

from tests.browser.support import guard_requests

pytestmark = pytest.mark.browser

PRINTED = ["routes.RoutePage", "routes.RoutePage:print", "homestays.HomestayPage"]

CHROME_JS = """() => {
  const shown = el => { const cs = getComputedStyle(el); const r = el.getBoundingClientRect();
    return cs.display !== "none" && cs.visibility !== "hidden" && r.width > 0 && r.height > 0; };
  // the header's site name may stay (a printout should say where it came from); navigation may not
  const selectors = ['nav', 'footer[role="contentinfo"], body > footer', '.skip-link', '.lang-switch', 'header button'];
  // and nothing that only works on a screen: forms and buttons (links may stay: "call 1389…" is useful on paper)
  const controls = [...document.querySelectorAll('main form, main button')].filter(shown)
    .map(el => el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") + ` "${(el.innerText || "").trim().slice(0, 20)}"`);
  return controls.concat(selectors.flatMap(s => [...document.querySelectorAll(s)].filter(el => !el.closest("main") && shown(el)).map(el => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : ""))));
}"""


@pytest.mark.parametrize("key", PRINTED)
def test_print_stylesheet_hides_site_chrome_and_keeps_content(new_context, portal, screenshots_dir, key):
    try:
        apps.get_model(key.split(":")[0])
    except LookupError:
        pytest.skip(f"{key.split(':')[0]} is not built yet")
    path = portal.path(key)
    page = new_context("desktop").new_page()
    foreign = []
    guard_requests(page, portal, foreign)
    response = page.goto(path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")

    visible_chrome = page.evaluate(CHROME_JS)
    assert not visible_chrome, f"{key} {path}: printed with {visible_chrome}"
    assert page.locator("main h1").first.is_visible(), f"{key} {path}: the title is not printed"
    text = page.locator("main").inner_text()
    assert len(text) > 200, f"{key} {path}: little content printed ({len(text)} characters)"

    name = key.replace(".", "-").replace(":", "-")
    page.screenshot(path=str(screenshots_dir / f"{name}-print.png"), full_page=True)
    page.pdf(path=str(screenshots_dir / f"{name}.pdf"), format="A4", print_background=True)
    page.close()
