"""What the search page shows for each hit: type, highlighted title and snippet, thumbnail; and
what it suggests when nothing matched.

Why here and not in templates: the snippet is cut from the page's own searchable text (including
related objects such as a route's stops) and must be escaped before matches are wrapped in
<mark>; doing that safely, and with a fixed number of queries for any number of results, is code.
The only things asked of other apps' page models are their `search_fields`, `card_image` and
`card_summary` (not `card_meta`: some read related rows, a query per result); result types are
registered by the apps (portal.registry), named by model string, never imported.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict

from django.core.exceptions import FieldDoesNotExist
from django.db.models import prefetch_related_objects
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField, StreamField
from wagtail.search.index import RelatedFields, SearchField

from portal.images import attach_images
from portal.registry import SearchType, registry
from portal.search.text import is_han, normalise, word_parts

SNIPPET_CHARS = 90


def result_types() -> list[SearchType]:
    """The filters above the results, as the apps registered them, in their order; everything
    else is "其他"."""
    return registry.search_types


OTHER_TYPE = SearchType("other", _("其他"), ())


def type_counts(facets: dict) -> list[dict]:
    """[{key, label, count}] for the filter tabs from a content-type facet ({ct_id: count})."""
    known = set()
    rows = []
    for rtype in result_types():
        ids = rtype.content_type_ids()
        known.update(ids)
        rows.append({"key": rtype.key, "label": rtype.label, "count": sum(facets.get(i, 0) for i in ids)})
    rows.append({"key": OTHER_TYPE.key, "label": OTHER_TYPE.label, "count": sum(n for ct, n in facets.items() if ct not in known)})
    return rows


def filter_by_type(queryset, key: str):
    """Pages of result type `key` (unknown keys: no filter)."""
    for rtype in result_types():
        if rtype.key == key:
            return queryset.filter(content_type_id__in=rtype.content_type_ids())
    if key == OTHER_TYPE.key:
        known = [i for rtype in result_types() for i in rtype.content_type_ids()]
        return queryset.exclude(content_type_id__in=known)
    return queryset


def type_label(page, site_root_depth: int) -> str:
    label = getattr(page._meta, "label", "")
    for rtype in result_types():
        if label in rtype.models:
            return rtype.label
    if page.depth <= site_root_depth:
        return _("首页")
    if page.depth == site_root_depth + 1 and page.numchild:
        return _("栏目")  # a top-level page with pages under it: 线路, 民宿, 节庆资讯…
    return _("页面")


# --- highlighting -------------------------------------------------------------------------------


def highlight_terms(words: list[str]) -> list[str]:
    """The strings to mark: the query's words and the parts a compound may have matched by,
    longest first so 精品民宿 is marked whole rather than as 精品 + 民宿."""
    terms = set()
    for word in words:
        terms.add(word)
        terms.update(word_parts(word))
    return sorted(terms, key=lambda t: (-len(t), t))


def _pattern(terms):
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE) if terms else None


def highlight(text: str, terms: list[str]) -> SafeString:
    """`text` escaped, with each occurrence of a term wrapped in <mark>. Escaping happens piece by
    piece on the raw text, so a query can never inject markup and never breaks an entity."""
    text = text or ""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append("<mark>" + escape(match.group()) + "</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 -- every piece is escaped above


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def snippet(texts: list[str], terms: list[str], width: int = SNIPPET_CHARS) -> SafeString:
    """About `width` characters around the first match in `texts` (in order), highlighted; the
    first non-empty text, cut, when no term appears literally (a match through a compound's
    parts or a stemmed English word)."""
    pattern = _pattern(terms)
    cleaned = [t for t in (_clean(t) for t in texts) if t]
    for text in cleaned:
        match = pattern.search(text) if pattern else None
        if match:
            start = max(0, min(match.start() - width // 3, len(text) - width))
            end = min(len(text), start + width)
            return mark_safe(("…" if start else "") + highlight(text[start:end], terms) + ("…" if end < len(text) else ""))  # noqa: S308
    if cleaned:
        text = cleaned[0]
        return mark_safe(highlight(text[:width], terms) + ("…" if len(text) > width else ""))  # noqa: S308
    return mark_safe("")


# --- a page's searchable text -------------------------------------------------------------------


def _stream_strings(value):
    """Strings inside a StreamField's raw JSON (no block conversion, so no chooser queries)."""
    if isinstance(value, str):
        yield html.unescape(strip_tags(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("type", "id"):
                yield from _stream_strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _stream_strings(item)


def field_texts(obj, name: str) -> list[str]:
    """The text of model field `name` of `obj`, as plain strings; [] for relations and for names
    that are not model fields (properties may query)."""
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return []
    if field.is_relation:
        return []
    value = field.value_from_object(obj)
    if not value:
        return []
    if isinstance(field, StreamField):
        return [s for s in _stream_strings(list(value.raw_data)) if s.strip()]
    if isinstance(field, RichTextField):
        return [html.unescape(strip_tags(str(value)))]
    return [str(value)]


def page_texts(page) -> list[str]:
    """The page's summary, then the text of its search fields (titles aside), in declared order,
    including related objects' fields (a route's stops) — prefetched by `prepare_for_display`."""
    texts = [page.card_summary or "", page.search_description or ""]
    for field in page.get_search_fields():
        if isinstance(field, SearchField) and field.field_name != "title":
            texts.extend(field_texts(page, field.field_name))
        elif isinstance(field, RelatedFields):
            related = getattr(page, field.field_name, None)
            objs = related.all() if hasattr(related, "all") else [related] if related is not None else []
            for obj in objs:
                for sub in field.fields:
                    if isinstance(sub, SearchField):
                        texts.extend(field_texts(obj, sub.field_name))
    return texts


# --- display data with a fixed number of queries ------------------------------------------------


def prepare_for_display(pages) -> None:
    """Prefetch what `page_texts` and the thumbnails read, for specific pages of any types.

    One query per related-object relation per page type, and one for every image of every page
    with its renditions (portal.images.attach_images), however many results there are. Image
    foreign keys are filled in directly so `card_image` (whatever field it reads) finds them cached.
    """
    by_model = defaultdict(list)
    for page in pages:
        by_model[type(page)].append(page)
    for model, group in by_model.items():
        related = [f.field_name for f in model.get_search_fields() if isinstance(f, RelatedFields)]
        if related:
            prefetch_related_objects(group, *related)
    attach_images(pages)


def thumbnail(page):
    """The card image, for the template's responsive picture (which shows nothing, and the page a
    placeholder, when the image's file is missing), or None."""
    return page.card_image


# --- close matches ------------------------------------------------------------------------------


def _grams(text: str) -> set[str]:
    """Han characters and character pairs of `text` (letters and digits only; Latin letters count
    in pairs only: a single shared letter says nothing)."""
    chars = [c for c in normalise(text) if c.isalnum()]
    grams = {c for c in chars if is_han(c)}
    grams.update(a + b for a, b in zip(chars, chars[1:]))
    return grams


def close_matches(query: str, pages, limit: int = 5, threshold: float = 0.34) -> list:
    """Pages whose titles share the most of the query's characters and character pairs (丹嘎尔 →
    丹噶尔古城…, yakk → Yak yoghurt): for a query that found nothing, because of a typo, a
    variant character or a word that is only part of an indexed one (寺 in 塔尔寺)."""
    wanted = _grams(query)
    if not wanted:
        return []
    scored = []
    for page in pages:
        shared = wanted & _grams(page.title)
        score = len(shared) / len(wanted)
        if score >= threshold:
            scored.append((score, -len(page.title), page.pk, page))
    scored.sort(key=lambda row: row[:3], reverse=True)
    return [row[3] for row in scored[:limit]]
