"""Pinyin slugs for Chinese titles: 老爷山花儿会 2027 → laoyeshan-huaerhui-2027.

A slug taken from a Chinese title as it is (WAGTAIL_ALLOW_UNICODE_SLUGS) is percent-encoded in
every shared link and looks broken in WeChat; the admin's JavaScript, told not to allow Unicode,
drops the Chinese altogether (老爷山花儿会 2027 → "2027", or nothing). So the server writes the slug
of a page whose title is Chinese (BasePage.full_clean), while the page was never published: a URL
once live never changes.

Words, not characters: jieba (with the portal's dictionary of local names, portal.search.text)
cuts the title into words, pypinyin reads each word as a whole, so polyphonic characters take the
reading of their word (重庆 → chongqing) and hyphens fall between words, as people would write it.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from wagtail.admin.forms import WagtailAdminPageForm

from portal.chooser_checks import ChooserPermissionFormMixin
from portal.search.text import tokenizer

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_LENGTH = 80  # of the pinyin part; Page.slug holds 255, a shared link should stay readable


def has_han(text: str) -> bool:
    return bool(HAN.search(text or ""))


def pinyin_slug(title: str, max_length: int = MAX_LENGTH) -> str:
    """The ASCII slug of a (partly) Chinese title; other scripts go through Django's slugify.

    Cut at a word boundary when longer than max_length; "" when nothing readable is left.
    """
    from pypinyin import lazy_pinyin

    parts = []
    for word in tokenizer().cut(title or ""):
        if has_han(word):
            # errors="ignore": punctuation inside a "word" (rare) is dropped, never transliterated
            part = slugify("".join(lazy_pinyin(word, errors="ignore")))
        else:
            part = slugify(word)
        if part:
            parts.append(part)
    slug = "-".join(parts)
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug[:max_length]
    return slug.strip("-")


def _ascii_alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def looks_automatic(slug: str, title: str) -> bool:
    """Whether a slug is what the admin made from the title by itself rather than one an editor
    chose: empty, the title kept as Unicode, or the title with its Chinese dropped — which the
    admin's JavaScript writes as "-2027" for "老爷山花儿会 2027" and Django's slugify as "2027"."""
    if not slug or slug == slugify(title, allow_unicode=True):
        return True
    return slug.isascii() and _ascii_alnum(slug) == _ascii_alnum(slugify(title))


def never_live(page) -> bool:
    """A page being created has no URL yet; a saved one keeps the URL it has once it is live."""
    return page.pk is None or (not page.live and getattr(page, "first_published_at", None) is None)


def should_replace(page) -> bool:
    """A Chinese title, a slug nobody chose, and a page that was never live under it."""
    return has_han(page.title) and never_live(page) and looks_automatic(page.slug, page.title)


def unique_among_siblings(page, base: str, parent=None) -> str:
    """base, or base-2, base-3… so that no sibling page has it (Wagtail's own rule for slugs)."""
    from wagtail.models import Page

    if parent is None:
        parent = page.get_parent() if page.path else None
    if parent is None:
        return base
    siblings = Page.objects.child_of(parent).exclude(pk=page.pk) if page.pk else Page.objects.child_of(parent)
    taken = set(siblings.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def apply_pinyin_slug(page) -> None:
    """Give a never-published page with a Chinese title and an automatic slug its pinyin slug."""
    if not should_replace(page):
        return
    base = pinyin_slug(page.title)
    if base:
        page.slug = unique_among_siblings(page, base)


class PinyinSlugPageForm(ChooserPermissionFormMixin, WagtailAdminPageForm):
    """The admin's page form (BasePage.base_form_class) choosing the pinyin slug while the form is
    cleaned, before Wagtail checks that the slug is free among the siblings: the slug the admin's
    JavaScript posts for a Chinese title ("-2027") may be taken when the pinyin one is not.

    Every page form also refuses images and documents the user may not choose
    (portal.chooser_checks): the choosers alone restrict nothing a hand-made POST sends."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            # a title all in Chinese leaves the admin's JavaScript nothing to put in the slug:
            # clean_slug fills it in, or asks for it as the required field would
            self._slug_required = self.fields["slug"].required
            self.fields["slug"].required = False

    def clean_slug(self):
        slug = self.cleaned_data.get("slug", "")
        title = self.cleaned_data.get("title") or self.data.get("title", "")
        page = self.instance
        if has_han(title) and never_live(page) and looks_automatic(slug, title):
            base = pinyin_slug(title)
            if base:
                return unique_among_siblings(page, base, parent=self.parent_page)
        if not slug and self._slug_required and not getattr(self, "is_deferred_validation", False):
            raise ValidationError(self.fields["slug"].error_messages["required"], code="required")
        return slug
