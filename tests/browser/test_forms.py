"""Public forms, sent back with errors: each error is announced with its field (aria-invalid plus
aria-describedby pointing at the message), focus can reach it, and axe still finds nothing serious.
Browsers' own checks (required, type=date) are switched off so the server's messages are tested."""

from __future__ import annotations

import pytest
from django.apps import apps

from tests.browser.support import AXE_RUN_JS, format_axe, guard_requests

pytestmark = pytest.mark.browser

TIED_JS = """form => [...form.querySelectorAll('[aria-invalid="true"]')].map(field => {
  const ids = (field.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
  const described = ids.map(id => document.getElementById(id)).filter(Boolean).map(el => el.textContent.trim()).join(" ");
  const label = field.labels && field.labels.length ? field.labels[0].textContent.trim() : null;
  return {name: field.name, label, described};
})"""


def inquiry_form_page(portal):
    try:
        model = apps.get_model("homestays.HomestayPage")
    except LookupError:
        pytest.skip("homestays.HomestayPage is not built yet")
    if "inquire" not in {p.name for p in model.get_subpage_urls()}:
        pytest.skip("the homestay inquiry form is not built yet")
    return portal.path("homestays.HomestayPage")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_inquiry_form_errors_are_tied_to_their_fields(new_context, portal, viewport):
    path = inquiry_form_page(portal)
    page = new_context(viewport).new_page()
    foreign, errors = [], []
    guard_requests(page, portal, foreign)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path)
    form = page.locator('form[action*="inquire"]')
    if not form.count():
        with page.expect_navigation():
            page.locator('main a[href*="inquire"]').first.click()
        form = page.locator('main form[method="post"], main form[method="POST"]')
    form = form.first
    form.evaluate("f => { f.noValidate = true; }")
    with page.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").first.click()

    form = page.locator('main form[method="post"], main form[method="POST"]').first
    tied = form.evaluate(TIED_JS)
    assert tied, f"an empty inquiry came back with no field marked aria-invalid (at {page.url})"
    untied = [f for f in tied if not f["described"] or not f["label"]]
    assert not untied, f"error messages not tied to their field by aria-describedby, or fields without a label: {untied}"

    violations = [v for v in page.evaluate(AXE_RUN_JS) if v["impact"] in ("serious", "critical")]
    assert not violations, f"the inquiry form with errors, at {viewport} size:\n{format_axe(violations)}"
    assert not errors and not [u for k, u in foreign if k != "image"], (errors, foreign)
    page.close()
