"""Chinese first, English second: which copy of a page a listing, a map or a switcher shows.

Chinese (the default locale) is served at /, English under /en/ (Wagtail's internationalisation,
copies made with simple_translation). Not every page has an English copy: the English site then
shows the Chinese page rather than nothing, and never both copies of one page.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language
from wagtail.coreutils import get_supported_content_language_variant


def active_language() -> str:
    """The active content language code ("zh-hans" or "en"), without a database query."""
    try:
        return get_supported_content_language_variant(get_language() or settings.LANGUAGE_CODE)
    except LookupError:
        return default_language()


def default_language() -> str:
    return get_supported_content_language_variant(settings.LANGUAGE_CODE)


def in_active_language(qs, language: str | None = None):
    """One page per translation key: the copy in the active language, else the default language's.

    On the Chinese site that is simply the Chinese pages; on the English site, English pages plus
    the Chinese pages that have no live English copy yet. One SQL query, no extra round trips.
    """
    language = language or active_language()
    default = default_language()
    if language == default:
        return qs.filter(locale__language_code=default)
    translated = qs.filter(locale__language_code=language).values("translation_key")
    return qs.filter(Q(locale__language_code=language) | (Q(locale__language_code=default) & ~Q(translation_key__in=translated)))


def children_in_language(qs, index):
    """`qs` restricted to the children of a section page, in the section page's language.

    A section page in the default language lists its own children. A translated section page lists
    its own children plus the default-language section's children that have no copy in its
    language, so /en/homestays/ is never empty while the listings are still only in Chinese.
    """
    # The Chinese site (nearly every request) costs no query beyond the listing itself.
    if active_language() == default_language() or index.locale.language_code == default_language():
        return qs.child_of(index)
    language = index.locale.language_code
    source = index.get_translations().filter(locale__language_code=default_language()).first()
    if source is None:
        return qs.child_of(index)
    own = Q(path__startswith=index.path, depth=index.depth + 1)
    fallback = Q(path__startswith=source.path, depth=source.depth + 1)
    return in_active_language(qs.filter(own | fallback), language)


def other_language_links(request, page=None) -> list[dict]:
    """The language switcher: for each other language, the same page there, else that language's home page.

    Returns [{"code", "label", "url", "exact"}]; `exact` is False when the page has no live copy in
    that language and the link falls back to the home page (or, off the page tree, the same path).
    """
    from django.urls import translate_url
    from wagtail.models import Site

    current = active_language()
    site = Site.find_for_request(request) if request is not None else None
    links = []
    for code, label in settings.LANGUAGES:
        if code == current:
            continue
        url, exact = None, False
        if page is not None and getattr(page, "pk", None):
            from portal.perf import live_translations  # shared with hreflang

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
            from portal.perf import live_translations

            home = next((t for t in live_translations(site.root_page, request) if t.locale.language_code == code), None)
            if home is not None:
                url = home.get_url(request)
        if url is None:
            url = "/" if code == default_language() else f"/{code}/"
        links.append({"code": code, "label": label, "url": url, "exact": exact, "lang": "zh-Hans" if code.startswith("zh") else code})
    return links
