"""The admin in Chinese, as a homestay owner and an editor meet it, at 390 px and at 1366 px.

Each test walks the admin pages its user works in and records, on every page: console errors,
uncaught exceptions, same-origin requests answering ≥ 400, requests to other hosts, and English
left on screen — a list of strings owners actually met (tests/test_admin_zh.py checks the whole
catalog) and a heuristic: a visible text of two or more English words with no Chinese, or a
"中文 English" label, outside code, input values and user content (titles, guests' names).
On the listing editor it also checks the main button (提交审核), that an owner gets the map and
no GeoJSON, and that the map scrolls under the sticky header instead of over it.

These tests change content (submissions, approvals, a published news item), so they run with the
journeys, after the read-only page checks. Screenshots: artifacts/screenshots/admin-zh-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.support import guard_requests, is_tile_failure

pytestmark = [pytest.mark.browser, pytest.mark.journey]

PASSWORD = "changeme"  # the demo accounts' password (portal/demo.py)
# docs/guide-owner.md and docs/guide-editor.md show these, so they are as current as the last run.
GUIDE_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images" / "guide"

# Strings people met in the admin before it was Chinese; none may come back (text, sr-only text,
# placeholders, titles, aria-labels).
KNOWN_ENGLISH = [
    "Images",
    "created in",
    "Search all pages",
    "Save your changes before leaving",
    "1-0 of 0",
    "editor guide",
    "Editor Guide",
    "What's new",
    "Submit to",
    "Submit for moderation",
    "How this works",
    "Click the map",
    "GeoJSON（可直接编辑 editable）",
    "minutes ago",
    "Zoom in",
    "Zoom out",
    "Edited by",
    "Date updated",
    "Anyone can edit",
    "has been approved",
    "has been updated",
]

# Visible texts that are English: (text, where). User content (page titles in links, guests'
# names, the English translations' titles) and machine text (code, input values) do not count.
ENGLISH_JS = r"""(known) => {
  const skip = 'script, style, template, noscript, code, pre, kbd, textarea, select, [contenteditable], .leaflet-container, td a, [data-w-breadcrumbs-target] a, .w-header__title, .title-wrapper, .w-title-ellipsis, .homestays-owner-panel td:first-child, .messages';
  const found = [];
  const han = /[\u3400-\u9fff]/;
  const words = /[A-Za-z]{2,}[,.;:!?]?\s+[A-Za-z]{2,}/;  // "Wi-Fi" is one word
  const bilingual = /^[\u3400-\u9fff][^A-Za-z]*[\u3400-\u9fff）。]\s*[A-Z][a-z]+(\s+[A-Za-z]+)*\.?$/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    const text = node.textContent.replace(/\s+/g, ' ').trim();
    if (!el || !text) continue;
    const srOnly = !!el.closest('.w-sr-only, .visuallyhidden');
    if (!srOnly && !el.checkVisibility({visibilityProperty: true, opacityProperty: false})) continue;
    if (srOnly && el.closest('[hidden], [aria-hidden="true"]')) continue;
    for (const s of known) if (text.includes(s)) found.push(`known "${s}": ${text.slice(0, 100)}`);
    if (el.closest(skip)) continue;
    if ((words.test(text) && !han.test(text)) || bilingual.test(text)) found.push(`english: ${text.slice(0, 100)}`);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
    if (!el.checkVisibility()) continue;
    for (const attr of ['placeholder', 'title', 'aria-label']) {
      const v = el.getAttribute(attr);
      if (!v) continue;
      for (const s of known) if (v.includes(s)) found.push(`known "${s}" in @${attr}: ${v.slice(0, 100)}`);
      if (!el.closest('.leaflet-container a[href^="http"]') && words.test(v) && !han.test(v) && !el.closest('td a')) found.push(`english @${attr}: ${v.slice(0, 100)}`);
    }
  }
  return [...new Set(found)];
}"""

# Whether the map paints over the sticky admin header: scroll the map's marker under the header
# and ask what is painted on top there.
MAP_UNDER_CHROME_JS = r"""async (where) => {
  const map = document.querySelector('.map-widget .leaflet-container');
  if (!map) return {error: 'no map'};
  const bar = where === 'header' ? document.querySelector('header.w-slim-header') : document.querySelector('footer.footer');
  if (!bar) return {error: 'no ' + where};
  // what Leaflet paints above its container: the marker (z-index 600) or the zoom buttons (1000)
  const mark = map.querySelector('.leaflet-marker-icon') || map.querySelector('.leaflet-control-zoom');
  if (!mark) return {error: 'nothing drawn on the map'};
  // the admin scrolls an inner container (main.content-wrapper), not the window, and smoothly:
  // move it at once so that the marker sits on the bar's inner edge
  let box = map.parentElement;
  while (box && !(/(auto|scroll)/.test(getComputedStyle(box).overflowY) && box.scrollHeight > box.clientHeight)) box = box.parentElement;
  const scroller = box || document.scrollingElement;
  const edge = where === 'header' ? bar.getBoundingClientRect().bottom - 8 : bar.getBoundingClientRect().top + 8;
  const r0 = mark.getBoundingClientRect();
  scroller.scrollBy({top: (r0.top + r0.height / 2) - edge, behavior: 'instant'});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const b = bar.getBoundingClientRect();
  const r = mark.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const overlaps = y > b.top && y < b.bottom && x > b.left && x < b.right && getComputedStyle(bar).position !== 'static';
  // Leaflet lets clicks through much of what it paints: make all of it hit-testable, so that
  // elementFromPoint returns whatever is painted on top at that point
  const probe = document.createElement('style');
  probe.textContent = '.leaflet-container, .leaflet-container * { pointer-events: auto !important; }';
  document.head.appendChild(probe);
  const hit = document.elementFromPoint(x, y);
  probe.remove();
  const onTop = !hit ? null : hit.closest('.leaflet-container') ? 'map' : bar.contains(hit) ? where : hit.tagName.toLowerCase() + '.' + String(hit.className).slice(0, 40);
  return {where, overlaps, onTop, bar: [Math.round(b.top), Math.round(b.bottom)], mark: [Math.round(x), Math.round(y)]};
}"""


class Admin:
    """A logged-in admin user in one browser context, recording what the checks need per page."""

    def __init__(self, new_context, portal, username: str, viewport: str, screenshots):
        self.portal, self.username, self.viewport, self.screenshots = portal, username, viewport, screenshots
        self.page = new_context(viewport).new_page()
        self.problems: list[str] = []
        self.foreign: list = []
        self.shots: list = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"{self.where()}: uncaught {e}"))
        self.page.on("response", self._response)
        guard_requests(self.page, portal, self.foreign)
        self.goto("/admin/login/", check=False)
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        with self.page.expect_navigation():
            self.page.locator("form button[type=submit]").first.click()
        assert "/admin/login/" not in self.page.url, f"{username} could not log in"

    def where(self) -> str:
        return f"{self.username}@{self.viewport} {re.sub(r'^https?://[^/]+', '', self.page.url)}"

    def _console(self, message):
        if message.type == "error" and not is_tile_failure(message, self.portal):
            self.problems.append(f"{self.where()}: console error {message.text[:300]}")

    def _response(self, response):
        if response.status >= 400 and self.portal.host in response.url:
            self.problems.append(f"{self.where()}: {response.status} {response.url}")

    def goto(self, path: str, check: bool = True, guide: str = ""):
        response = self.page.goto(path)
        assert response and response.status == 200, f"{path}: HTTP {response and response.status}\n{self.portal.log_tail()}"
        self.page.wait_for_load_state("networkidle")
        if check:
            self.check(path, guide)
        return response

    def check(self, label: str, guide: str = ""):
        """English on screen, and a screenshot to look at."""
        for found in self.page.evaluate(ENGLISH_JS, KNOWN_ENGLISH):
            self.problems.append(f"{self.where()}: {found}")
        name = re.sub(r"[^a-z0-9]+", "-", f"admin-zh-{self.username}-{self.viewport}-{label}".lower()).strip("-")
        path = self.screenshots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True, animations="disabled")
        self.shots.append(path)
        if guide:  # the picture the owner's or editor's guide in docs/ shows for this step
            GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(GUIDE_IMAGES / f"{guide}.jpg"), type="jpeg", quality=70, animations="disabled")

    def messages(self) -> str:
        return " ".join(self.page.locator(".messages").all_inner_texts())

    def assert_clean(self):
        foreign = [(kind, url) for kind, url in self.foreign if not (kind == "image" and url.split("/")[2] in self.portal.tile_hosts)]
        assert not foreign, f"requests to other hosts: {foreign}"
        assert not self.problems, "\n".join(self.problems)


def edit_listing(owner: Admin, listing_id: int, guide: str = ""):
    """The owner's listing editor: main button, map without GeoJSON, map under the chrome."""
    owner.goto(f"/admin/pages/{listing_id}/edit/", guide=guide)
    page = owner.page
    main = page.locator("footer .w-dropdown-button > button[type=submit]").first
    assert main.is_visible(), "no main button in the editor's footer"
    assert main.inner_text().strip() == "提交审核", f"the main button is {main.inner_text().strip()!r}"
    assert main.get_attribute("name") == "action-submit"
    page.locator(".map-widget .leaflet-container").first.wait_for()
    assert page.locator("textarea[name=location]").count() == 1
    assert not page.locator("textarea[name=location]").is_visible(), "the owner sees the raw GeoJSON"
    assert page.locator("[data-map-widget-raw]").count() == 0, "the owner is offered the raw GeoJSON"
    layout = page.evaluate(MAP_UNDER_CHROME_JS, "header")
    assert "error" not in layout, layout
    owner.check("map-under-header")
    if layout["overlaps"]:
        assert layout["onTop"] == "header", f"the map draws over the admin header: {layout}"
    else:  # the header only sticks from the small breakpoint up: at 390 px it scrolls away
        assert owner.viewport == "phone", f"the map never reached the sticky header, so nothing was checked: {layout}"
    return main


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_owner_and_editor_work_in_chinese(new_context, portal, screenshots_dir, viewport):
    owner_name = {"phone": "owner2", "desktop": "owner1"}[viewport]
    listing = portal.listings.get(owner_name)
    assert listing, f"the demo gives {owner_name} no live listing"

    # --- the owner: dashboard, listing, photos, inquiries, guide; then submits a change
    owner = Admin(new_context, portal, owner_name, viewport, screenshots_dir)
    # the owner's guide (docs/guide-owner.md) shows a phone, the editor's guide a desktop
    own, ed = viewport == "phone", viewport == "desktop"
    owner.goto("/admin/", guide=own and "owner-1-dashboard")
    owner.goto("/admin/images/", guide=own and "owner-4-images")
    owner.goto("/admin/homestay_inquiries/", guide=own and "owner-6-inquiries")
    owner.goto("/admin/guide/")
    main = edit_listing(owner, listing["id"], guide=own and "owner-2-editor")
    owner.page.fill("#id_summary", f"{listing['title']}：春天的花海就在窗外（{viewport}）")
    with owner.page.expect_navigation():
        main.click()
    owner.page.wait_for_load_state("networkidle")
    assert "提交审核" in owner.messages() or "审核" in owner.messages(), f"no confirmation after submitting: {owner.messages()!r}"
    owner.check("submitted", guide=own and "owner-3-submitted")

    # --- the editor: dashboard, then sends the change back with a comment
    editor = Admin(new_context, portal, "editor", viewport, screenshots_dir)
    editor.goto("/admin/", guide=ed and "editor-1-dashboard")
    editor.goto(f"/admin/pages/{listing['id']}/edit/")
    page = editor.page
    reject = page.locator('footer button[data-workflow-action-name="reject"]').first
    if not reject.is_visible():
        page.locator('footer [data-w-dropdown-target="toggle"]').first.click()
    reject.click()
    dialog = page.locator(".modal.in form").first  # Wagtail's "request changes" dialog
    dialog.locator("textarea[name=comment]").fill("简介请写得具体一些。")
    if ed:
        editor.check("reject-dialog", guide="editor-3-request-changes")
    with page.expect_navigation():
        dialog.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    said = editor.messages()
    assert "已退回" in said and listing["title"] in said, f"rejecting said {said!r}"
    editor.check("rejected")

    # --- the owner changes a price only and resubmits
    owner.goto(f"/admin/pages/{listing['id']}/edit/", guide=own and "owner-5-sent-back")
    price = owner.page.locator("input[name$='-price_per_night']").first
    price.fill(str(int(price.input_value() or 100) + 10))
    resubmit = owner.page.locator('footer .w-dropdown-button > button[name="action-submit"]').first
    assert "重新提交审核" in resubmit.inner_text()
    with owner.page.expect_navigation():
        resubmit.click()
    owner.page.wait_for_load_state("networkidle")

    # --- the editor compares (only the rooms changed) and approves
    editor.goto(f"/admin/pages/{listing['id']}/revisions/compare/live...latest/", guide=ed and "editor-2-compare")
    changed = [t.strip().rstrip(":：") for t in page.locator("table th, .comparison__field-label, dt").all_inner_texts()]
    text = page.locator("main").inner_text()
    assert "房间与价格" in text, f"the price change is not in the comparison: {text[:500]}"
    for unchanged in ("入住须知", "详细介绍", "特色美食与体验"):
        assert unchanged not in changed and f"{unchanged}:" not in text, f"{unchanged} shown as changed after a price-only edit"
    editor.goto(f"/admin/pages/{listing['id']}/edit/")
    approve = page.locator('footer button[data-workflow-action-name="approve"]:not([data-workflow-action-modal-url])').first
    if not approve.is_visible():
        page.locator('footer [data-w-dropdown-target="toggle"]').first.click()
    with page.expect_navigation():
        approve.click()
    page.wait_for_load_state("networkidle")
    said = editor.messages()
    assert "已批准" in said and listing["title"] in said, f"approving said {said!r}"
    editor.check("approved", guide=ed and "editor-4-approved")

    owner.assert_clean()
    editor.assert_clean()


@pytest.mark.parametrize(
    ("viewport", "title", "slug"),
    [("phone", "群加森林徒步节 2028", "qunjia-senlin-tubu-jie-2028"), ("desktop", "卡阳花海音乐节 2027", "kayang-huahai-yinyuejie-2027")],
)
def test_editor_publishes_news_with_a_chinese_title_under_a_pinyin_url(new_context, portal, screenshots_dir, viewport, title, slug):
    index_id = portal.ids.get("news.NewsIndexPage")
    assert index_id, "the demo has no news index"
    editor = Admin(new_context, portal, "editor", viewport, screenshots_dir)
    editor.goto(f"/admin/pages/add/news/newspage/{index_id}/")
    page = editor.page
    page.fill("#id_title", title)
    page.fill("#id_lead", "花海边的周末音乐会。（自动化浏览器测试）")
    if viewport == "desktop":
        editor.check("news-filled", guide="editor-5-news")
    publish = page.locator('footer button[name="action-publish"]').first
    if not publish.is_visible():
        page.locator('footer [data-w-dropdown-target="toggle"]').first.click()
    with page.expect_navigation():
        publish.click()
    page.wait_for_load_state("networkidle")
    assert "/pages/add/" not in page.url, f"publishing failed: {page.locator('.error-message, .w-field__errors').all_inner_texts()}"
    editor.check("news-published")
    news_path = portal.path("news.NewsIndexPage")
    response = page.goto(f"{news_path}{slug}/")
    assert response and response.status == 200, f"{news_path}{slug}/ is not the new item's address"
    assert title in page.locator("h1").first.inner_text()
    editor.assert_clean()
