from django import template
from django.utils.safestring import mark_safe

from portal.seo import image_url, json_ld

register = template.Library()


@register.simple_tag(takes_context=True)
def structured_data(context, page):
    request = context.get("request")
    if page is None or not hasattr(page, "get_structured_data"):
        return ""
    return mark_safe("".join(json_ld(item) for item in page.get_structured_data(request) if item))  # noqa: S308 - json_ld escapes


@register.simple_tag(takes_context=True)
def share_image_url(context, page):
    image = page.get_share_image() if page is not None and hasattr(page, "get_share_image") else None
    if image is None:
        return ""
    # WeChat wants at least 300×300; a square crop keeps the thumbnail readable.
    return image_url(image, context.get("request"), "fill-600x600")


@register.simple_tag(takes_context=True)
def page_translations(context, page):
    """Live translations of the page (including itself), for hreflang links and the switcher."""
    if page is None or not hasattr(page, "get_translations"):
        return []
    return list(page.get_translations(inclusive=True).live().select_related("locale"))
