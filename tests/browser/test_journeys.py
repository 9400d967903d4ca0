"""End to end, through the real UI: a visitor on a phone, a homestay owner on a phone, an editor at a desk.

These tests change content (an inquiry, an approved edit, a published news item), so they run after
the read-only page checks (conftest.py orders them last). A step whose feature is not in the code
yet skips, saying so, only after checking that the model or URL really does not exist, so it runs
by itself once the feature lands.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.apps import apps

from portal.registry import registry
from tests.browser.support import admin_login, guard_requests

pytestmark = [pytest.mark.browser, pytest.mark.journey]

PASSWORD = "changeme"  # the demo accounts' password (portal/demo.py)


def require_model(label: str, what: str):
    try:
        return apps.get_model(label)
    except LookupError:
        pytest.skip(f"{label} is not built yet: {what}")


def require_subpage(model, name: str, what: str):
    if name not in {pattern.name for pattern in model.get_subpage_urls()}:
        pytest.skip(f"{model._meta.label} has no {name!r} sub-page yet: {what}")


class Tab:
    """A browser tab that records what the page checks record (errors, foreign requests)."""

    def __init__(self, context, portal):
        self.portal = portal
        self.page = context.new_page()
        self.errors, self.foreign = [], []
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}"))
        guard_requests(self.page, portal, self.foreign)

    def goto(self, path: str):
        response = self.page.goto(path)
        assert response and response.status == 200, f"{path}: HTTP {response and response.status}\n{self.portal.log_tail()}"
        return response

    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def assert_clean(self):
        assert not self.errors, f"JavaScript errors: {self.errors}"
        foreign = [(kind, url) for kind, url in self.foreign if not (kind == "image" and url.split("/")[2] in self.portal.tile_hosts)]
        assert not foreign, f"requests to other hosts: {foreign}"


def login(tab: Tab, username: str):
    admin_login(tab.page, "", username, PASSWORD)


def admin_action(tab: Tab, selector: str):
    """Click a page editor footer action; the non-default ones sit in the "more actions" dropdown."""
    page = tab.page
    button = page.locator(f"footer {selector}, .footer {selector}, form {selector}").first
    if not button.is_visible():
        page.locator('.w-dropdown-button [data-w-dropdown-target="toggle"]').first.click()
    button.wait_for(state="visible")
    with page.expect_navigation():
        button.click()


def admin_errors(tab: Tab) -> list[str]:
    return tab.page.locator(".messages .error, .error-message, .help-critical, .w-field__errors").all_inner_texts()


def anonymous_page_text(new_context, portal, path: str, viewport: str = "phone") -> str:
    """What a visitor with no cookies sees (the anonymous page cache included)."""
    tab = Tab(new_context(viewport), portal)
    tab.goto(path)
    text = tab.page.locator("main").inner_text()
    tab.page.context.close()
    return text


# ------------------------------------------------------------------------------------- visitor


def test_visitor_opens_route_toggles_layer_opens_homestay_and_sends_inquiry(new_context, portal):
    context = new_context("phone")
    tab = Tab(context, portal)
    page = tab.page

    # 1. from the home page to a route
    route_index = portal.path("routes.RouteIndexPage")
    tab.goto(portal.path("portal.HomePage"))
    route_links = page.locator(f'main a[href^="{route_index}"]:not([href="{route_index}"])')
    assert route_links.count(), f"the home page links to no route under {route_index}"
    with page.expect_navigation():
        route_links.first.tap()
    assert tab.path().startswith(route_index) and tab.path() != route_index
    page.locator("h1").first.wait_for()
    page.locator(".leaflet-container").first.wait_for()

    # 2. to the map, from the main navigation, and toggle a layer off and on again
    map_path = portal.path("portal.MapPage")
    with page.expect_navigation():
        page.locator(f'header a[href="{map_path}"]').first.tap()
    page.wait_for_function("() => window.PortalMap && Object.keys(PortalMap.maps).length && Object.values(PortalMap.maps).every(m => m.ready)")
    page.evaluate("() => Promise.all(Object.values(PortalMap.maps).map(m => m.ready)).then(() => true)")
    layer = page.locator("input[data-layer-toggle]:checked").first.get_attribute("value")
    toggle = page.locator(f'input[data-layer-toggle][value="{layer}"]')
    drawn = "() => document.querySelectorAll('.leaflet-marker-pane > *, .leaflet-overlay-pane path').length"
    before = page.evaluate(drawn)
    label = page.locator("label.layer-toggle", has=toggle)
    label.tap()
    assert not toggle.is_checked()
    page.wait_for_function(f"() => !/[&#]layers=[^&]*\\b{layer}\\b/.test(location.hash)")
    assert page.locator(f'[data-layer-list="{layer}"]').is_hidden(), f"the {layer} list stays visible when its layer is off"
    assert page.evaluate(drawn) < before, f"switching {layer} off removed nothing from the map"
    label.tap()
    assert toggle.is_checked()
    page.wait_for_function(f"() => {drawn}() >= {before}")

    # 3. a homestay, from the map: its list entry shows it on the map, the popup links to it
    require_model("homestays.HomestayPage", "the visitor's homestay and inquiry steps")
    if "homestays" not in registry.layers:
        pytest.skip("the homestays map layer is not registered yet")
    show = page.locator('[data-layer-list="homestays"] [data-show-on-map]').first
    assert show.count(), "the map's homestay list has no entries (does the demo have live homestays with a location?)"
    show.tap()
    link = page.locator(".leaflet-popup-content a.map-popup-link")
    link.wait_for(state="visible")
    listing_path = link.get_attribute("href")
    link.tap()  # (the map also changes the URL's #hash: wait for the page itself)
    page.wait_for_url(lambda url: urlsplit(url).path == listing_path)
    title = page.locator("h1").first.inner_text()

    # 4. an inquiry: the form (on the page or one tap away), filled in, confirmed
    homestay_model = apps.get_model("homestays.HomestayPage")
    require_subpage(homestay_model, "inquire", "the inquiry form")
    form = page.locator('form[action*="inquire"]')
    if not form.count():
        with page.expect_navigation():
            page.locator('main a[href*="inquire"]').first.tap()
        form = page.locator('form[action*="inquire"], main form[method="post"]')
    form = form.first
    arrival = dt.date.today() + dt.timedelta(days=30)
    form.locator("#id_name").fill("浏览器测试游客")
    form.locator("#id_phone").fill("13800138000")
    form.locator("#id_arrival").fill(arrival.isoformat())
    form.locator("#id_departure").fill((arrival + dt.timedelta(days=2)).isoformat())
    form.locator("#id_guests").fill("2")
    form.locator("#id_message").fill("请问八月初有两人间吗？（自动化浏览器测试）")
    consent = form.locator("#id_consent")
    if consent.count():
        consent.check()
    with page.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").first.tap()
    errors = page.locator(".errorlist, [aria-invalid='true']")
    assert not errors.count(), f"the inquiry was refused: {errors.all_inner_texts()}"
    assert "sent" in tab.path() or page.locator("[role=status], .messages").count(), f"no confirmation after sending the inquiry (at {tab.path()})"
    assert title in page.locator("main").inner_text(), "the confirmation does not say which homestay was asked"
    tab.assert_clean()


# ------------------------------------------------------------------------------------- owner + editor


def test_owner_edits_listing_editor_approves_and_it_goes_live(new_context, portal):
    require_model("homestays.HomestayPage", "owners editing their listings")
    listing = portal.listings.get("owner1")
    assert listing, "the demo gives owner1 no live listing"
    edit_url = f"/admin/pages/{listing['id']}/edit/"
    summary = f"浏览器测试：新装修的观景房 {uuid.uuid4().hex[:6]}"

    # the owner, on a phone: edit the summary and submit it to the review workflow
    owner = Tab(new_context("phone"), portal)
    login(owner, "owner1")
    owner.goto(edit_url)
    owner.page.fill("#id_summary", summary)
    admin_action(owner, 'button[name="action-submit"]')
    assert "/login/" not in owner.page.url
    assert summary not in anonymous_page_text(new_context, portal, listing["path"]), "the change went live before review"

    # an editor, at a desk: approve it from the page editor
    editor = Tab(new_context("desktop"), portal)
    login(editor, "editor")
    editor.goto(edit_url)
    admin_action(editor, 'button[data-workflow-action-name="approve"]:not([data-workflow-action-modal-url])')
    assert summary in anonymous_page_text(new_context, portal, listing["path"]), f"the approved summary is not on {listing['path']}"
    owner.assert_clean()
    editor.assert_clean()


def test_editor_publishes_news_that_appears_on_the_home_page(new_context, portal):
    model = require_model("news.NewsPage", "publishing news")
    index_id = portal.ids.get("news.NewsIndexPage")
    assert index_id, "the demo has no news index"
    title = f"浏览器测试：乡村音乐节开幕 {uuid.uuid4().hex[:6]}"

    editor = Tab(new_context("desktop"), portal)
    login(editor, "editor")
    editor.goto(f"/admin/pages/add/{model._meta.app_label}/{model._meta.model_name}/{index_id}/")
    editor.page.fill("#id_title", title)
    editor.page.fill("#id_lead", "六月的周末，河湟谷地的乡村舞台再次开唱。（自动化浏览器测试）")
    admin_action(editor, 'button[name="action-publish"]')
    assert "/pages/add/" not in editor.page.url, f"publishing failed: {admin_errors(editor)}"

    visitor = Tab(new_context("phone"), portal)
    visitor.goto(portal.path("portal.HomePage"))
    link = visitor.page.locator("main a", has_text=title)
    assert link.count(), "the news item just published is not on the home page"
    with visitor.page.expect_navigation():
        link.first.tap()
    assert title in visitor.page.locator("h1").first.inner_text()
    editor.assert_clean()
    visitor.assert_clean()
