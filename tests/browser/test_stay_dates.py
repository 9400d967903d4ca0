"""A visitor on a phone looks for a free room on given dates (issue 25), in Chromium.

They pick check-in and check-out on /homestays/, get only the houses with a room free for every
night, each card with the price of the stay; they open one, see the price per room type and the
inquiry form already holding their dates; they change the dates to a full weekend and the form
warns them. What "free" means is worked out here from the demo database's own rows (a plain loop
over the nights, not the portal's query), so the test checks the portal rather than itself.

Read-only. Screenshots: artifacts/screenshots/stay-*.png.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

EXPECTED_JS = """
import json, datetime as dt
from homestays.models import HomestayPage, RoomNight
from homestays.availability import season_map
checkin, checkout, guests = dt.date.fromisoformat("{checkin}"), dt.date.fromisoformat("{checkout}"), {guests}
nights = [checkin + dt.timedelta(days=i) for i in range((checkout - checkin).days)]
taken = set(RoomNight.objects.filter(date__gte=checkin, date__lt=checkout).values_list("room_id", "date"))
out = {{}}
for page in HomestayPage.objects.live().filter(locale__language_code="zh-hans").order_by("path"):
    rooms = list(page.rooms.all())
    free = [r for r in rooms if not any((r.pk, n) in taken for n in nights)]
    if not free or sum(r.capacity for r in free) < guests or (page.max_guests and page.max_guests < guests):
        continue
    days = season_map(list(page.seasons.all()), checkin, checkout)
    totals = [sum(r.price_on(n, days.get(n, ("", ""))[0] or None) for n in nights) for r in free if r.capacity >= guests] or [
        sum(r.price_on(n, days.get(n, ("", ""))[0] or None) for n in nights) for r in free]
    out[page.title] = min(totals)
print(json.dumps(out, ensure_ascii=False))
"""


def xining_today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


def next_friday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(4 - today.weekday()) % 7 or 7)


def expected(portal, checkin: dt.date, checkout: dt.date, guests: int) -> dict[str, int]:
    code = EXPECTED_JS.format(checkin=checkin.isoformat(), checkout=checkout.isoformat(), guests=guests)
    return json.loads(portal.manage("shell", "-c", code).strip().splitlines()[-1])


def test_a_visitor_finds_free_houses_and_prices_by_date_on_a_phone(new_context, portal, screenshots_dir):
    today = xining_today()
    friday = next_friday(today) + dt.timedelta(days=7)  # the demo's second weekend: every third house full
    checkin, checkout, guests = friday, friday + dt.timedelta(days=2), 2
    want = expected(portal, checkin, checkout, guests)
    assert 0 < len(want) < 14, want  # some houses full, some free: otherwise the test shows nothing

    page = new_context("phone").new_page()
    page.goto("/homestays/")
    form = page.locator("form.homestay-filters")
    form.locator("input[name=checkin]").fill(checkin.isoformat())
    form.locator("input[name=checkout]").fill(checkout.isoformat())
    form.locator("input[name=guests]").fill(str(guests))
    form.get_by_role("button", name="筛选").tap()
    page.wait_for_url(re.compile(r"checkin="))
    expect(page.locator(".result-count")).to_contain_text(f"共 {len(want)} 家民宿")
    expect(page.locator(".result-count")).to_contain_text(f"{checkin.month}月{checkin.day}日")
    page.screenshot(path=str(screenshots_dir / "stay-index-phone.png"), full_page=False)

    shown = {}
    for card in page.locator(".homestay-card").all():
        title = card.locator(".card-title").inner_text().strip()
        price = card.locator(".homestay-stay-price strong").inner_text()
        shown[title] = int(price.lstrip("¥"))
    while page.locator("a[rel=next]").count():  # every page of results
        page.locator("a[rel=next]").first.tap()
        for card in page.locator(".homestay-card").all():
            shown[card.locator(".card-title").inner_text().strip()] = int(card.locator(".homestay-stay-price strong").inner_text().lstrip("¥"))
    assert shown == want

    # The map shows the same houses.
    layer = page.request.get(f"/api/geo/homestays.geojson?checkin={checkin}&checkout={checkout}&guests={guests}").json()
    assert sorted(f["properties"]["name"] for f in layer["features"]) == sorted(want)

    # One house: the price of each room type for the stay, and the inquiry form holds the dates.
    page.goto(f"/homestays/?checkin={checkin}&checkout={checkout}&guests={guests}")
    first = page.locator(".homestay-card .card-title a").first
    title = first.inner_text().strip()
    first.tap()
    page.wait_for_url(re.compile(r"#stay$"))
    quote = page.locator(".stay-quote")
    expect(quote).to_contain_text(f"{checkin.month}月{checkin.day}日")
    expect(quote.locator(".is-free strong").first).to_be_visible()
    cheapest = min(int(t.lstrip("¥")) for t in quote.locator(".is-free strong").all_inner_texts())
    assert cheapest == want[title]
    inquiry = page.locator("form[data-inquiry-form]")
    expect(inquiry.locator("input[name=arrival]")).to_have_value(checkin.isoformat())
    expect(inquiry.locator("input[name=departure]")).to_have_value(checkout.isoformat())
    quote.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots_dir / "stay-listing-phone.png"), full_page=False)

    # The 90 days: a cell per night, starting today.
    cells = page.locator(".availability-grid .day")
    expect(cells).to_have_count(90)
    assert cells.first.get_attribute("data-date") == today.isoformat()

    # Dates every room type of a house is full: the form warns while the visitor picks them.
    full = [t for t in expected(portal, checkin, checkout, 1)]  # houses with something free
    page.goto("/homestays/")
    titles = page.locator(".homestay-card .card-title a").all_inner_texts()
    full_house = next((t.strip() for t in titles if t.strip() not in full), None)
    if full_house is None:
        pytest.fail("the demo has no house full on its second weekend")
    page.get_by_role("link", name=full_house).first.tap()
    warning = page.locator("[data-stay-warning]")
    expect(warning).to_be_hidden()
    inquiry = page.locator("form[data-inquiry-form]")
    inquiry.locator("input[name=arrival]").fill(checkin.isoformat())
    inquiry.locator("input[name=departure]").fill(checkout.isoformat())
    inquiry.locator("input[name=departure]").dispatch_event("change")
    expect(warning).to_be_visible()
    inquiry.locator("input[name=arrival]").fill((checkout + dt.timedelta(days=3)).isoformat())
    inquiry.locator("input[name=departure]").fill((checkout + dt.timedelta(days=4)).isoformat())
    inquiry.locator("input[name=departure]").dispatch_event("change")
    expect(warning).to_be_hidden()
    inquiry.locator("input[name=arrival]").fill(checkin.isoformat())
    inquiry.locator("input[name=departure]").fill(checkout.isoformat())
    inquiry.locator("input[name=departure]").dispatch_event("change")
    warning.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots_dir / "stay-full-warning-phone.png"), full_page=False)
