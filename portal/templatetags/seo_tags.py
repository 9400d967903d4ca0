from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import translate_url
from django.utils.safestring import mark_safe
from wagtail.models import Site

from portal.i18n import active_language, default_language
from portal.perf import live_translations
from portal.seo import json_ld

register = template.Library()


@register.simple_tag(takes_context=True)
def structured_data(context, page):
    request = context.get("request")
    if page is None or not hasattr(page, "get_structured_data"):
        return ""
    return mark_safe("".join(json_ld(item) for item in page.get_structured_data(request) if item))  # noqa: S308 - json_ld escapes


SHARE_SPEC = "fill-600x600"
SHARE_MIN = 300  # WeChat ignores share images smaller than 300×300
DEFAULT_SHARE_IMAGE = ("portal/img/share-default.png", 600, 600)


@register.simple_tag(takes_context=True)
def share_image(context, page):
    """{"url", "width", "height"} of the page's share image: a square rendition of at least 300×300,
    else the site's default picture (static, 600×600), always as an absolute URL."""
    request = context.get("request")
    image = page.get_share_image() if page is not None and hasattr(page, "get_share_image") else None
    if image is not None:
        # A square crop keeps WeChat's thumbnail readable; a too-small original is not used.
        rendition = image.get_rendition(SHARE_SPEC)
        if rendition.width >= SHARE_MIN and rendition.height >= SHARE_MIN:
            url = request.build_absolute_uri(rendition.url) if request else rendition.url
            return {"url": url, "width": rendition.width, "height": rendition.height}
    path, width, height = DEFAULT_SHARE_IMAGE
    url = static(path)
    return {"url": request.build_absolute_uri(url) if request else url, "width": width, "height": height}


@register.simple_tag(takes_context=True)
def share_image_url(context, page):
    return share_image(context, page)["url"]


@register.simple_tag(takes_context=True)
def page_translations(context, page):
    """Live translations of the page (including itself), for hreflang links and the switcher."""
    return live_translations(page, context.get("request"))  # the switcher uses the same list


@register.simple_tag(takes_context=True)
def language_links(context, page=None):
    """The switcher's links: the same page in each other language, else that language's home page."""
    request = context.get("request")
    if request is None:
        return []
    return other_language_links(request, page if hasattr(page, "get_translations") else None)


def other_language_links(request, page=None) -> list[dict]:
    """The language switcher: for each other language, the same page there, else that language's home page.

    Returns [{"code", "label", "url", "exact"}]; `exact` is False when the page has no live copy in
    that language and the link falls back to the home page (or, off the page tree, the same path).
    """
    current = active_language()
    site = Site.find_for_request(request) if request is not None else None
    links = []
    for code, label in settings.LANGUAGES:
        if code == current:
            continue
        url, exact = None, False
        if page is not None and getattr(page, "pk", None):
            translation = next((t for t in live_translations(page, request) if t.locale.language_code == code), None)
            if translation is not None:
                url, exact = translation.get_url(request), True
        if url is None and page is None and request is not None:
            # A view outside the page tree (search): the same view in the other language.
            path = translate_url(request.get_full_path(), code)
            if path != request.get_full_path():
                url, exact = path, True
        if url is None and site is not None:
            # That language's home page, from the live translations of the site's root page
            # (the page frame has them: no query).
            home = next((t for t in live_translations(site.root_page, request) if t.locale.language_code == code), None)
            if home is not None:
                url = home.get_url(request)
        if url is None:
            url = "/" if code == default_language() else f"/{code}/"
        links.append({"code": code, "label": label, "url": url, "exact": exact, "lang": "zh-Hans" if code.startswith("zh") else code})
    return links
