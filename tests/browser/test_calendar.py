"""The owners' availability calendar (房态日历, issue 25) in Chromium on a phone.

owner1 signs in to /admin/ on a phone, opens 房态日历 from the dashboard, goes to next month, taps a
first and a last night with a thumb, taps 满房 in the bar at the bottom and sees those nights marked
满房. The page fits a 375-px screen, every day and button is at least 44×44 px, and the calendar has
no accessibility violations (axe-core). owner2 gets a 404 at owner1's calendar.

Journeys (they change the demo's availability), run last. Screenshots: artifacts/screenshots/
calendar-*.png, and docs/images/guide/owner-7-calendar.jpg for the owner's guide (docs/guide-owner.md).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.support import AXE_RUN_JS, admin_login, format_axe

pytestmark = [pytest.mark.browser, pytest.mark.journey]

GUIDE_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images" / "guide"
SHANGHAI_TODAY_JS = "() => new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Shanghai'}).format(new Date())"

# What a thumb taps on the calendar: at least 44×44 CSS px.
SMALL_CALENDAR_TARGETS_JS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('.hc-day, .hc-nav, .hc-room, .hc-bar button, .hc-form input, .hc-form select, .hc-form button')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.width < 44 || r.height < 44) small.push(`${el.className} "${(el.innerText || el.value || '').trim().slice(0, 12)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  return small;
}"""

OVERFLOW_JS = """() => {
  const wide = [];
  for (const el of document.querySelectorAll('.hc, .hc *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > document.documentElement.clientWidth + 1) wide.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
  }
  return {scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth, wide: wide.slice(0, 10)};
}"""


def calendar_path(listing_id: int) -> str:
    return f"/admin/homestays/{listing_id}/calendar/"


def add_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


class Phone:
    """A signed-in admin user on a phone, recording uncaught errors and failed requests."""

    def __init__(self, new_context, portal, username: str):
        self.portal = portal
        self.page = new_context("phone").new_page()
        self.page.set_viewport_size({"width": 375, "height": 812})  # the narrowest phone the brief names
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}"))
        self.page.on("response", lambda r: r.status >= 400 and urlsplit(r.url).netloc == portal.host and self.failed.append(f"{r.status} {r.url}"))
        admin_login(self.page, "", username, DEMO_PASSWORD)

    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)


def test_owner_marks_nights_full_on_a_phone(new_context, portal, screenshots_dir):
    listing = portal.listings.get("owner1")
    assert listing, "the demo gives owner1 no live listing"
    owner = Phone(new_context, portal, "owner1")
    page = owner.page

    # the dashboard's 我的民宿 links each listing's calendar
    page.goto("/admin/")
    link = page.locator(f'.homestays-owner-panel a[href="{calendar_path(listing["id"])}"]')
    expect(link).to_have_text("房态日历")
    with page.expect_navigation():
        link.tap()
    assert owner.path().startswith(calendar_path(listing["id"])), owner.path()
    expect(page.locator("h1")).to_contain_text("房态日历")
    expect(page.locator("[data-calendar-hint]")).to_be_visible()  # the script runs
    expect(page.locator("[data-calendar-bar]")).to_be_hidden()

    # next month, two nights with a thumb
    with page.expect_navigation():
        page.locator("a.hc-nav[rel=next]").tap()
    today = dt.date.fromisoformat(page.evaluate(SHANGHAI_TODAY_JS))
    month = add_month(today)
    assert f"month={month:%Y-%m}" in page.url, page.url
    first, last = month.replace(day=10), month.replace(day=12)
    page.locator(f'.hc-day[data-date="{first}"]').tap()
    bar = page.locator("[data-calendar-bar]")
    expect(bar).to_be_visible()
    expect(page.locator(f'.hc-day[data-date="{first}"]')).to_have_attribute("aria-pressed", "true")
    page.locator(f'.hc-day[data-date="{last}"]').tap()
    expect(bar.locator("[data-calendar-range]")).to_contain_text("共 3 晚")
    for day in (10, 11, 12):
        expect(page.locator(f'.hc-day[data-date="{month.replace(day=day)}"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f'.hc-day[data-date="{month.replace(day=13)}"]')).to_have_attribute("aria-pressed", "false")

    # a thumb reaches the bar: it is on screen, at the bottom, without scrolling
    full = bar.get_by_role("button", name="满房")
    box = full.bounding_box()
    assert box and box["y"] + box["height"] <= 812 and box["height"] >= 44, f"the 满房 button is not within thumb's reach: {box}"
    small = page.evaluate(SMALL_CALENDAR_TARGETS_JS)
    assert not small, f"targets smaller than 44×44 px: {small}"
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["scroll"] <= overflow["client"] and not overflow["wide"], f"the calendar is wider than a 375-px phone: {overflow}"
    violations = page.evaluate(AXE_RUN_JS.replace("axe.run(document,", "axe.run(document.querySelector('.hc'),"))
    assert not violations, format_axe(violations)

    page.screenshot(path=str(screenshots_dir / "calendar-selected.png"), full_page=True, animations="disabled")
    GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
    guide = "owner-7-calendar"  # docs/guide-owner.md shows it
    page.screenshot(path=str(GUIDE_IMAGES / f"{guide}.jpg"), type="jpeg", quality=70, animations="disabled")

    with page.expect_navigation():
        full.tap()
    expect(page.locator(".messages")).to_contain_text("共 3 晚")
    for day in (10, 11, 12):
        cell = page.locator(f'.hc-day[data-date="{month.replace(day=day)}"]')
        expect(cell).to_contain_text("满房")
        expect(cell).to_have_class(re.compile(r"\bhc-day--full\b"))
    expect(page.locator("[data-calendar-bar]")).to_be_hidden()
    page.screenshot(path=str(screenshots_dir / "calendar-saved.png"), full_page=True, animations="disabled")

    # and back to 可订 with one night
    page.locator(f'.hc-day[data-date="{month.replace(day=11)}"]').tap()
    page.locator(f'.hc-day[data-date="{month.replace(day=11)}"]').tap()
    expect(bar.locator("[data-calendar-range]")).to_contain_text("共 1 晚")
    with page.expect_navigation():
        bar.get_by_role("button", name="可订").tap()
    expect(page.locator(f'.hc-day[data-date="{month.replace(day=11)}"]')).to_contain_text("可订")
    expect(page.locator(f'.hc-day[data-date="{month.replace(day=12)}"]')).to_contain_text("满房")

    # the same by dates, for a long range or without JavaScript
    page.locator(".hc-form").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots_dir / "calendar-form.png"), animations="disabled")

    assert not owner.errors, f"JavaScript errors: {owner.errors}"
    assert not owner.failed, f"failed requests: {owner.failed}"


def test_another_owner_gets_404_at_owner1s_calendar(new_context, portal):
    listing = portal.listings.get("owner1")
    assert listing, "the demo gives owner1 no live listing"
    owner2 = Phone(new_context, portal, "owner2")
    response = owner2.page.goto(calendar_path(listing["id"]))
    assert response and response.status == 404, f"owner2 got HTTP {response and response.status} at owner1's calendar"
    assert "房态" not in owner2.page.locator("main, body").first.inner_text()
    # their own calendar opens
    own = portal.listings.get("owner2")
    assert own, "the demo gives owner2 no live listing"
    response = owner2.page.goto(calendar_path(own["id"]))
    assert response and response.status == 200


def test_an_editor_opens_any_house_on_a_desktop(new_context, portal, screenshots_dir):
    listing = portal.listings.get("owner2")
    assert listing, "the demo gives owner2 no live listing"
    page = new_context("desktop").new_page()
    admin_login(page, "", "editor", DEMO_PASSWORD)
    response = page.goto("/admin/homestays/calendar/")
    assert response and response.status == 200
    with page.expect_navigation():
        page.locator(f'a[href="{calendar_path(listing["id"])}"]').click()
    expect(page.locator(".hc-grid")).to_be_visible()
    first = page.locator(".hc-day:not([disabled])").first
    first.click()
    first.click()
    expect(page.locator("[data-calendar-range]")).to_contain_text("共 1 晚")
    page.screenshot(path=str(screenshots_dir / "calendar-editor-desktop.png"), full_page=True, animations="disabled")
