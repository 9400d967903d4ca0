"""The revision comparison shows real changes only.

Two differences made a price-only edit show 入住须知 and 详细介绍 as changed:

* a browser posts a textarea's line breaks as CRLF where the stored text had LF. Fixed at the
  source: `normalise_newlines` runs on every save of a portal page (BasePage.full_clean), so a
  re-save stores exactly what was there;
* Draftail writes every rich text block with a `data-block-key` (the anchor of inline comments),
  which HTML written by code — the demo, an import, any revision saved before the page was first
  opened in the editor — lacks. The keys are the editor's bookkeeping, not content, and old
  revisions cannot be rewritten, so the comparison compares rich text without them
  (`register_comparisons`, through Wagtail's register_comparison_class).
"""

from __future__ import annotations

import json
import re

from django.db import models

BLOCK_KEY = re.compile(r'\sdata-block-key="[^"]*"')


def normalise_newlines(page) -> None:
    """CRLF/CR → LF in the page's plain-text fields (what a browser posts for a <textarea>)."""
    for field in page._meta.concrete_fields:
        if isinstance(field, (models.TextField, models.CharField)) and not field.choices:
            value = getattr(page, field.attname, None)
            if isinstance(value, str) and "\r" in value:
                setattr(page, field.attname, value.replace("\r\n", "\n").replace("\r", "\n"))


def without_block_keys(value):
    """The value with Draftail's data-block-key attributes removed from every string in it."""
    if isinstance(value, str):
        return BLOCK_KEY.sub("", value)
    if isinstance(value, list):
        return [without_block_keys(v) for v in value]
    if isinstance(value, dict):
        return {k: without_block_keys(v) for k, v in value.items()}
    return value


def _stream_data(value):
    if value is None:
        return []
    prep = value.get_prep_value() if hasattr(value, "get_prep_value") else value
    return json.loads(json.dumps(prep, default=str))


def register_comparisons() -> None:
    from wagtail.admin.compare import (
        RichTextFieldComparison,
        StreamFieldComparison,
        register_comparison_class,
    )
    from wagtail.fields import RichTextField, StreamField

    class PortalRichTextFieldComparison(RichTextFieldComparison):
        def has_changed(self):
            return without_block_keys(self.val_a or "") != without_block_keys(self.val_b or "")

    class PortalStreamFieldComparison(StreamFieldComparison):
        def has_changed(self):
            return without_block_keys(_stream_data(self.val_a)) != without_block_keys(_stream_data(self.val_b))

    register_comparison_class(RichTextField, comparison_class=PortalRichTextFieldComparison)
    register_comparison_class(StreamField, comparison_class=PortalStreamFieldComparison)
