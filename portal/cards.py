"""Pages of any types shown as cards (portal/includes/card.html) in a fixed number of queries.

A hand-picked list (the home page's featured pages, a news item's related routes and homestays)
arrives as base pages; each card needs the specific page and its picture. One query for the base
pages, one per page type for their specific rows, one for every picture and its renditions
(portal.images.load_images), however many cards there are.
"""

from __future__ import annotations

from portal.images import attach_images
from portal.perf import public


def specific_cards(pages, order=None, images: bool = True) -> list:
    """Live, public, specific pages of `pages` (a Page queryset), each once, pictures attached.

    `order`: page ids in the order to show them (e.g. the editor's); default: the queryset's order.
    `images=False`: leave the pictures to the caller, who gathers them with the page's others
    (portal.images.attach_images afterwards costs no query).
    """
    found = list(public(pages.live()).specific())
    if order is not None:
        by_id = {page.pk: page for page in found}
        found = [by_id[pk] for pk in dict.fromkeys(order) if pk in by_id]
    else:
        found = list({page.pk: page for page in found}.values())
    prefetch_card_data(found, images=images)
    return found


def prefetch_card_data(pages, images: bool = True) -> None:
    """What cards of these pages read beyond their own row: every picture (one query) and each
    page type's `card_prefetch` relations (a product card's counties come from its origins)."""
    from collections import defaultdict

    from django.db.models import prefetch_related_objects

    by_model = defaultdict(list)
    for page in pages:
        by_model[type(page)].append(page)
    for model, group in by_model.items():
        if getattr(model, "card_prefetch", ()):
            prefetch_related_objects(group, *model.card_prefetch)
    if images:
        attach_images(pages)
