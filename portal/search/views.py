"""/search/?q= over all live, public pages of the site, and /search/autocomplete/?q= for the box.

Whatever a visitor types answers 200: punctuation, emoji and quotes are not words and are dropped;
`OR` between words asks for any of them, `-word` or `NOT word` leaves pages with that word out;
a query longer than MAX_QUERY_CHARS is cut, with a note saying so. Nothing a visitor types ever
reaches SQL or the full-text syntax unquoted (portal/search/text.py builds the query from words).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit
from modelsearch.query import Not, PlainText
from wagtail.models import Page

from portal.models import MapPage
from portal.perf import Frame
from portal.places import NEAR_KM, find_place, near_place
from portal.search import results as display
from portal.search.text import MAX_QUERY_CHARS, query_words

PER_PAGE = 10
AUTOCOMPLETE_LIMIT = 8
NEAR_PER_GROUP = 6  # per kind around a place; the homestay listing or the map shows them all
# Close matches are scored in Python over page titles: bounded for a very large site.
MAX_SUGGESTION_CANDIDATES = 5000
OR_WORDS = {"OR", "|", "||"}
AND_WORDS = {"AND", "&", "&&", "+"}
NOT_WORDS = {"NOT", "!"}


@dataclass
class ParsedQuery:
    text: str = ""  # the words to find
    exclude: list[str] = field(default_factory=list)
    operator: str = "and"
    notes: list[str] = field(default_factory=list)

    @cached_property
    def words(self) -> list[str]:
        return query_words(self.text)


def parse_query(raw: str) -> ParsedQuery:
    """Operators a visitor may know from web search engines; everything else is words."""
    parsed = ParsedQuery()
    if len(raw) > MAX_QUERY_CHARS:
        raw = raw[:MAX_QUERY_CHARS]
        parsed.notes.append(_("搜索词太长，只使用了前 %(n)s 个字。") % {"n": MAX_QUERY_CHARS})
    include, negate_next = [], False
    for token in raw.split():
        if token in OR_WORDS:
            parsed.operator = "or"
        elif token in AND_WORDS:
            continue
        elif token in NOT_WORDS:
            negate_next = True
        elif negate_next or (token.startswith("-") and len(token) > 1):
            parsed.exclude.append(token if negate_next else token[1:])
            negate_next = False
        else:
            include.append(token)
    parsed.text = " ".join(include)
    if parsed.operator == "or" and len(parsed.words) > 1:
        parsed.notes.append(_("使用了“OR”：结果包含任一词语即可。"))
    excluded = [w for text in parsed.exclude for w in query_words(text)]
    if excluded and parsed.words:
        parsed.notes.append(_("已排除含有“%(words)s”的结果。") % {"words": "、".join(excluded)})
    parsed.exclude = excluded
    return parsed


def search_query(parsed: ParsedQuery, operator: str | None = None):
    query = PlainText(" ".join(parsed.words), operator=operator or parsed.operator)
    if parsed.exclude:
        query = query & Not(PlainText(" ".join(parsed.exclude), operator="or"))
    return query


class CountedPaginator(Paginator):
    """A paginator told its count (from the type facet), saving the COUNT query."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self):
        return self._known_count


def _site_root(request):
    frame = Frame.for_request(request)  # the menu's query: no query of its own
    return frame.home if frame is not None else None


def searchable_pages(request):
    """Live, public pages of the request's site, in its language (the localized root's tree)."""
    root = _site_root(request)
    pages = Page.objects.live().public()
    return (pages.descendant_of(root, inclusive=True) if root else pages), root


def search(request):
    raw = (request.GET.get("q") or "").strip()
    parsed = parse_query(raw)
    active_type = request.GET.get("type", "")
    context = {
        "search_query": raw[:MAX_QUERY_CHARS],
        "notes": parsed.notes,
        "active_type": "",
        "results": [],
        "page_obj": None,
        "type_counts": [],
        "suggestions": [],
        "sections": [],
        "total": 0,
        "searched": bool(parsed.words),
    }
    if raw and not parsed.words and parsed.exclude:
        context["notes"].append(_("请至少输入一个要找的词语，而不只是要排除的词语。"))
    elif raw and not parsed.words:
        context["notes"].append(_("请输入要找的词语：“%(q)s”里没有可以搜索的文字。") % {"q": raw[:40]})
    pages, root = searchable_pages(request)
    if parsed.words:
        context.update(place_context(request, parsed.words))
        context.update(_results(request, pages, root, parsed, active_type))
    if not context["total"]:
        if raw:
            titles = pages.only("id", "title", "url_path", "path", "depth", "locale_id")[:MAX_SUGGESTION_CANDIDATES]
            context["suggestions"] = display.close_matches(parsed.text, titles)
        context["sections"] = _sections(pages, root)
    response = TemplateResponse(request, "portal/search.html", context)
    if raw:
        response["X-Robots-Tag"] = "noindex"
    return response


def place_context(request, words: list[str]) -> dict:
    """The stop or sight the words name, with what lies near it (portal.places), or nothing.

    Costs no query beyond the cached layers; the listing and map links come from the menu the
    page's frame already holds.
    """
    match = find_place(words)
    if match is None:
        return {}
    place = match.place
    menu = {}
    frame = Frame.for_request(request)
    for row in frame.menu if frame is not None else []:
        cls = row.specific_class
        if cls is not None:
            menu.setdefault(cls._meta.label, row.get_url(request))
    map_url = menu.get(MapPage._meta.label, "")
    near = urlencode({"near": place.name})
    groups = []
    # "塔尔寺 路线" asks for a layer with no points to list: show every kind rather than nothing.
    for group in near_place(place, layers=match.layers) or near_place(place):
        listing = menu.get(group.listing, "") if group.listing else ""
        groups.append(
            {
                "name": group.name,
                "label": group.label,
                "colour": group.colour,
                "items": group.items[:NEAR_PER_GROUP],
                "count": len(group.items),
                "more_url": f"{listing}?{near}" if listing else (f"{map_url}#map=11/{place.lat:.5f}/{place.lon:.5f}&layers={group.name}" if map_url else ""),
                "more_is_listing": bool(listing),
            }
        )
    return {
        "place": place,
        "place_map_url": f"{map_url}#map=14/{place.lat:.5f}/{place.lon:.5f}" if map_url else "",
        "place_others": [{"name": other.name, "query": urlencode({"q": other.name})} for other in match.others],
        "place_asked": bool(match.layers),
        "near_groups": groups,
        "near_km": NEAR_KM,
    }


def _sections(pages, root) -> list:
    """The site's sections to browse instead: the menu's, or every top-level page if none is in it."""
    if root is None:
        return []
    children = list(pages.child_of(root).only("id", "title", "url_path", "path", "depth", "locale_id", "show_in_menus")[:20])
    return [c for c in children if c.show_in_menus] or children[:8]


def _results(request, pages, root, parsed: ParsedQuery, active_type: str) -> dict:
    query = search_query(parsed)
    facets = pages.search(query, order_by_relevance=False).facet("content_type_id")
    partial = False
    if not facets and parsed.operator == "and" and len(parsed.words) > 1:
        # Nothing has every word: show what has some of them, and say so.
        query = search_query(parsed, operator="or")
        facets = pages.search(query, order_by_relevance=False).facet("content_type_id")
        partial = bool(facets)
    counts = display.type_counts(facets)
    total = sum(facets.values())
    if active_type not in {row["key"] for row in counts}:
        active_type = ""
    if active_type:
        count = next(row["count"] for row in counts if row["key"] == active_type)
        pages = display.filter_by_type(pages, active_type)
    else:
        count = total
    paginator = CountedPaginator(pages.specific().search(query), PER_PAGE, count)
    page_obj = paginator.get_page(request.GET.get("page"))  # not a number → 1, past the end → the last
    hits = list(page_obj.object_list)
    display.prepare_for_display(hits)
    terms = display.highlight_terms(parsed.words)
    root_depth = root.depth if root else 2
    results = [
        {
            "page": hit,
            "type_label": display.type_label(hit, root_depth),
            "title": display.highlight(hit.title, terms),
            "snippet": display.snippet(display.page_texts(hit), terms),
            "thumbnail": display.thumbnail(hit),
        }
        for hit in hits
    ]
    notes = list(parsed.notes)
    if partial:
        notes.append(_("没有同时包含所有词语的结果，下面是包含其中部分词语的结果。"))
    return {
        "results": results,
        "page_obj": page_obj if paginator.num_pages > 1 else None,
        "type_counts": counts,
        "active_type": active_type,
        "total": total,
        "notes": notes,
    }


def _autocomplete_rate(group, request):
    return getattr(settings, "PORTAL_AUTOCOMPLETE_RATE", "120/m")


@ratelimit(key="ip", rate=_autocomplete_rate, block=False)
def autocomplete(request):
    """Titles for the search box as one types: JSON {query, results: [{title, url, type}]}.

    Wagtail's autocomplete (segmented titles, the last piece as a prefix: 西纳 → 西纳川…), then
    titles merely containing the text (a piece from the middle of a word, 噶尔 → 丹噶尔古城…).
    Rate-limited per address (settings.PORTAL_AUTOCOMPLETE_RATE), with a JSON 429.
    """
    if getattr(request, "limited", False):
        response = JsonResponse({"error": _("请求太频繁，请稍后再试。"), "results": []}, status=429)
        response["Retry-After"] = "60"
        response["Cache-Control"] = "no-store"
        return response
    text = " ".join((request.GET.get("q") or "").split())[:50]
    found = []
    if query_words(text):
        pages, root = searchable_pages(request)
        titles = pages.only("id", "title", "url_path", "path", "depth", "locale_id")
        found = list(titles.autocomplete(text)[:AUTOCOMPLETE_LIMIT])
        if len(found) < AUTOCOMPLETE_LIMIT:
            seen = [p.pk for p in found]
            found += list(titles.filter(title__icontains=text).exclude(pk__in=seen).order_by("title")[: AUTOCOMPLETE_LIMIT - len(found)])
    results = [{"title": p.title, "url": p.get_url(request)} for p in found]
    return JsonResponse({"query": text, "results": [r for r in results if r["url"]]})
