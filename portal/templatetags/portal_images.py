"""{% responsive_image image "card" alt="" class="card-img" %}: a picture by preset (portal.images).

Templates name a preset, never a filter spec, so what they render is what the querysets prefetch.
`eager=True` for the picture at the top of a page; every other picture loads lazily. With
`as name`, the HTML is kept for later ("" when there is no picture), e.g. to show a placeholder.

Alt text: `alt=image|image_alt` (a picture's own description) or `alt=page|card_alt` (the words for
a page's card picture), never Wagtail's fallback, the image title, which is often a file name.
"""

from django import template

from portal.images import card_alt_text, image_alt_text, picture

register = template.Library()


@register.simple_tag
def responsive_image(image, preset, alt=None, eager=False, sizes=None, **attrs):
    return picture(image, preset, alt=alt, eager=eager, sizes=sizes, **attrs)


@register.filter
def image_alt(image) -> str:
    return image_alt_text(image)


@register.filter
def card_alt(page) -> str:
    return card_alt_text(page)
