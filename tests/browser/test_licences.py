"""Licences (证照, issue 25) in Chromium, end to end.

owner1, on a phone, opens 证照 from the sidebar, fills in the 营业执照 of their live listing and
uploads a photo of it (a small generated PNG); the licence waits for verification (待核验) and the
scan opens for them but not for owner2. The editor, at a desk, finds it on the dashboard and in the
证照 list and verifies it (核验通过); owner1 then sees it verified and read-only. Nothing of it
(number, scan) is on the public page.

This changes content, so it is a journey (runs last). Screenshots for the guides:
docs/images/guide/owner-8-licences.jpg and editor-6-licences.jpg (JPEG quality 70, as
tests/browser/test_admin_zh.py takes the others).
"""

from __future__ import annotations

import uuid
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.support import Recorder, admin_login

pytestmark = [pytest.mark.browser, pytest.mark.journey]

GUIDE_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images" / "guide"


def licence_png() -> bytes:
    """A small picture standing in for a phone photo of a business licence."""
    image = Image.new("RGB", (480, 340), (250, 246, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 467, 327), outline=(160, 40, 40), width=6)
    draw.rectangle((60, 60, 420, 90), fill=(200, 60, 60))
    for y in range(130, 300, 30):
        draw.line((60, y, 420, y), fill=(90, 90, 90), width=3)
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def guide_shot(page, name: str) -> None:
    GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GUIDE_IMAGES / f"{name}.jpg"), type="jpeg", quality=70, animations="disabled")


def assert_clean(recorder: Recorder, allow_status=()):
    assert not recorder.errors, f"JavaScript errors: {recorder.errors}"
    failed = [f for f in recorder.failed if not f.startswith(tuple(str(s) for s in allow_status))]
    assert not failed, f"failed requests to the portal: {failed}"
    foreign = [(kind, url) for kind, url in recorder.foreign if kind != "image"]
    assert not foreign, f"requests to other hosts: {foreign}"


def test_owner_uploads_a_licence_and_an_editor_verifies_it(new_context, portal, screenshots_dir):
    listing = portal.listings.get("owner1")
    assert listing, "the demo gives owner1 no listing"
    number = f"91630100MA75{uuid.uuid4().hex[:6].upper()}"
    licences_path = f"/admin/homestays/{listing['id']}/licences/"

    # owner1, on a phone: 证照 → their listing → 卫生 (the demo has verified the others)
    owner_context = new_context("phone")
    owner = owner_context.new_page()
    owner_rec = Recorder(owner, portal)
    admin_login(owner, "", "owner1", DEMO_PASSWORD)
    owner.goto("/admin/homestays/licences/")
    link = owner.locator(f"[data-own-licences] a[href='{licences_path}']")
    expect(link).to_have_text("填写与查看")
    with owner.expect_navigation():
        link.tap()
    assert owner.url.endswith(licences_path), owner.url
    form = owner.locator("form[data-licence-form='health']")
    form.get_by_label("证照编号").fill(number)
    form.get_by_label("有效期至").fill("2031-12-31")
    form.get_by_label("照片或扫描件").set_input_files(files=[{"name": "卫生许可证.png", "mimeType": "image/png", "buffer": licence_png()}])
    with owner.expect_navigation():
        form.get_by_role("button", name="提交核验").tap()
    expect(owner.locator(".messages")).to_contain_text("等待编辑核验")
    expect(owner.locator("[data-licence-card='health'] [data-licence-status='pending']")).to_have_count(1)
    expect(owner.locator("main")).to_contain_text(number)
    owner.evaluate("() => window.scrollTo(0, 0)")
    guide_shot(owner, "owner-8-licences")
    owner.screenshot(path=str(screenshots_dir / "licences-owner-pending-phone.png"), full_page=True, animations="disabled")

    # the scan opens for owner1 (a picture, never cached) and for nobody else
    scan_link = owner.locator("[data-licence-card='health']").get_by_role("link", name="查看扫描件")
    scan_url = scan_link.get_attribute("href")
    scan = owner_context.request.get(scan_url)
    assert scan.status == 200 and scan.headers["content-type"] == "image/png", (scan.status, scan.headers)
    assert "no-store" in scan.headers["cache-control"]
    assert Image.open(BytesIO(scan.body())).size == (480, 340)
    assert_clean(owner_rec)

    other = new_context("phone")
    other_page = other.new_page()
    admin_login(other_page, "", "owner2", DEMO_PASSWORD)
    assert other.request.get(scan_url).status == 404, "owner2 can download owner1's licence scan"
    assert other.request.get(licences_path).status == 404, "owner2 can read owner1's licences"
    other.close()
    anonymous = new_context("phone")
    response = anonymous.request.get(scan_url, max_redirects=0)
    assert response.status in (302, 404) and not response.body().startswith(b"\x89PNG"), response.status
    anonymous.close()

    # the editor, at a desk: the dashboard lists it, the 证照 list leads to it, 核验通过
    editor = new_context("desktop").new_page()
    editor_rec = Recorder(editor, portal)
    admin_login(editor, "", "editor", DEMO_PASSWORD)
    editor.goto("/admin/")
    panel = editor.locator(".homestays-licence-panel")
    expect(panel).to_contain_text(listing["title"])
    editor.goto("/admin/homestays/licences/")
    with editor.expect_navigation():
        editor.locator("main table").first.get_by_role("link", name=listing["title"]).first.click()
    assert editor.url.endswith(licences_path), editor.url
    health = editor.locator("[data-licence-card='health']")
    expect(health).to_contain_text(number)
    expect(health.get_by_role("link", name="查看扫描件")).to_be_visible()
    guide_shot(editor, "editor-6-licences")
    with editor.expect_navigation():
        health.get_by_role("button", name="核验通过").click()
    expect(editor.locator(".messages")).to_contain_text("已核验通过")
    expect(editor.locator("[data-licence-card='health'] [data-licence-status='verified']")).to_have_count(1)
    editor.screenshot(path=str(screenshots_dir / "licences-editor-verified-desktop.png"), full_page=True, animations="disabled")
    assert_clean(editor_rec)

    # owner1 sees it verified and can no longer change it
    owner.goto(licences_path)
    expect(owner.locator("[data-licence-card='health'] [data-licence-status='verified']")).to_contain_text("已核验")
    expect(owner.locator("form[data-licence-form='health']")).to_have_count(0)
    expect(owner.locator("main")).to_contain_text("已核验的证照不能修改")
    owner.screenshot(path=str(screenshots_dir / "licences-owner-verified-phone.png"), full_page=True, animations="disabled")

    # nothing of it is on the public page
    public = new_context("phone").new_page()
    if listing.get("path"):
        public.goto(listing["path"])
        html = public.content()
        assert number not in html, "the licence number is on the public page"
        assert scan_url not in html and "/licences/" not in html, "a scan link is on the public page"
        assert "已核验 卫生" in html, "the verified licence has no badge on the listing"
