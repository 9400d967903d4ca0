"""Chinese first, English second: which copy of a page a listing, a map or a switcher shows.

Chinese (the default locale) is served at /, English under /en/ (Wagtail's internationalisation,
copies made with simple_translation). Listings, home-page collections, feeds and map layers show
only the pages of the visitor's language: a Chinese item appears on the English site once an editor
has published its English copy, never before (a visitor who reads no Chinese gains nothing from a
card in Chinese, and an editor publishing in Chinese must not change the English home page).
A link an editor picked by hand that has no English copy yet still leads to the Chinese page,
marked "(中文)" (see `localized_link`).
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
    """The pages of `qs` in the active language (or `language`): one copy per translation key.

    Kept as one function (rather than a bare locale filter at each call) so every listing, layer
    and collection agrees on what "the English site" contains. No extra query.
    """
    return qs.filter(locale__language_code=language or active_language())


def children_in_language(qs, index):
    """`qs` restricted to the children of a section page: its own children, which are in its language."""
    return qs.child_of(index)


def localized_link(page, request=None) -> dict:
    """Where a hand-picked link to `page` should go on the active language's site.

    Returns {"page", "url", "fallback", "lang"}: the page's live copy in the active language when it
    has one; else the page itself with `fallback` True, and `lang` ("zh-Hans") for the hreflang/lang
    attributes of a link the template marks "(中文)". A page already in the active language costs
    no query; another costs one (its translation).
    """
    language = active_language()
    if page is None:
        return {"page": None, "url": "", "fallback": False, "lang": ""}
    code = language_of(page)
    if code == language:
        return {"page": page, "url": page.get_url(request), "fallback": False, "lang": ""}
    translation = page.get_translations().live().filter(locale__language_code=language).first()
    if translation is not None:
        translation = translation.specific
        return {"page": translation, "url": translation.get_url(request), "fallback": False, "lang": ""}
    return {"page": page, "url": page.get_url(request), "fallback": True, "lang": "zh-Hans" if code.startswith("zh") else code}


def localized_ids(ids) -> tuple[list[int], set[int]]:
    """Hand-picked page ids for the active language, in one query: each id replaced by its live
    copy's in that language when there is one. Returns (ids, fallback ids: those left as they were
    because their page has no copy yet, which a card marks "(中文)")."""
    from wagtail.models import Page

    ids = [pk for pk in ids if pk is not None]
    language = active_language()
    if not ids:
        return [], set()
    picked = Page.objects.filter(pk__in=ids)
    rows = {
        row["pk"]: row
        for row in Page.objects.filter(translation_key__in=picked.values("translation_key"))
        .filter(Q(pk__in=ids) | Q(locale__language_code=language, live=True))
        .values("pk", "translation_key", "locale__language_code")
    }
    by_key = {row["translation_key"]: pk for pk, row in rows.items() if row["locale__language_code"] == language}
    result, fallback = [], set()
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            continue
        if row["locale__language_code"] == language:
            result.append(pk)
        elif row["translation_key"] in by_key:
            result.append(by_key[row["translation_key"]])
        else:
            result.append(pk)
            fallback.add(pk)
    return result, fallback


def language_of(page) -> str:
    """The page's language code; Locale rows are few, so they are cached for the process."""
    from wagtail.models import Locale

    if not _LOCALE_CODES or page.locale_id not in _LOCALE_CODES:
        _LOCALE_CODES.update(Locale.objects.values_list("pk", "language_code"))
    return _LOCALE_CODES.get(page.locale_id, default_language())


_LOCALE_CODES: dict[int, str] = {}
