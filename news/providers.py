"""What the news app offers other parts of the portal through portal.registry.

Home-page collections and related-content lists are computed when the page renders, so an event
drops off the home page and its route pages on its own once it has ended (the proxy's page cache
bounds the delay to PAGE_CACHE_SECONDS).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from news.models import NewsIndexPage, NewsPage
from portal.i18n import in_active_language
from portal.perf import memoised, menu_pages, public


def _news(locale_id=None):
    """Live, public news: one locale's, or (by default) each item once in the active language,
    else in the default one, so the English home page lists festivals not yet translated."""
    qs = public(NewsPage.objects.live())
    if locale_id is None:
        return in_active_language(qs)
    return qs.filter(locale_id=locale_id)


def _not_upcoming():
    return Q(is_event=False) | Q(event_start__isnull=True) | Q(event_end__lt=timezone.now())


# Home-page collections: their block attaches the cards' pictures (portal.images); cards show no tags.


def upcoming_events(limit: int = 3, request=None) -> list:
    return list(_news().upcoming()[:limit])


def latest_news(limit: int = 3, request=None) -> list:
    """Newest news, leaving out events that have not ended: the home page lists those in its own
    "upcoming events" section, and the same festival twice on one page is noise."""
    return list(_news().filter(_not_upcoming()).order_by("-date", "-first_published_at", "-pk")[:limit])


LINKED_LIMIT = 40  # far more than any route page lists; bounds the query if editors link hundreds


def _linked(page) -> list:
    """Live news items whose editor linked them to `page` or to one of its translations: one
    query per request, shared by related_events and related_news (a route page asks for both)."""

    def compute():
        qs = _news(page.locale_id).filter(related_links__page__translation_key=page.translation_key).distinct()
        return list(qs.order_by("-date", "-pk")[:LINKED_LIMIT])  # list items: title, date, venue; no pictures

    return memoised(page, ("news_linked", page.translation_key, page.locale_id), compute)


def related_events(page, limit: int = 5) -> list:
    """Upcoming live events linked to `page` (e.g. a route), soonest first, until they end."""
    now = timezone.now()
    events = [n for n in _linked(page) if n.is_event and n.event_start is not None and n.event_end is not None and n.event_end >= now]
    return sorted(events, key=lambda n: (n.event_start, n.pk))[:limit]


def related_news(page, limit: int = 5) -> list:
    """News linked to `page`, newest first: past events included, upcoming ones left to "events"
    so a page asking for both does not list a festival twice."""
    now = timezone.now()
    return [n for n in _linked(page) if not (n.is_event and n.event_start is not None and n.event_end is not None and n.event_end >= now)][:limit]


def feed_links(page, limit: int = 5) -> list:
    """The news feeds for <link rel="alternate"> in another page's <head> (the home page): RSS,
    Atom and the events calendar of the news index in the page's language, else any live one."""
    from django.utils.translation import gettext as _

    # the news section in the menu, in the page's language (no query); else the first live one
    index = next((p for p in menu_pages(page, NewsIndexPage) if p.locale_id == page.locale_id), None)
    if index is None:
        indexes = public(NewsIndexPage.objects.live())
        index = indexes.filter(locale_id=page.locale_id).order_by("path").first() or indexes.order_by("path").first()
    if index is None:
        return []
    links = [
        {"type": "application/rss+xml", "title": _("节庆资讯 RSS"), "href": index.subpage_url("rss")},
        {"type": "application/atom+xml", "title": _("节庆资讯 Atom"), "href": index.subpage_url("atom")},
        {"type": "text/calendar", "title": _("近期节庆活动日历"), "href": index.subpage_url("ics")},
    ]
    return links[:limit]


def pages_it_is_about(news_page) -> list:
    """The routes, homestays and products a news item or event is related to (they list it)."""
    from wagtail.models import Page

    return list(Page.objects.filter(pk__in=news_page.related_links.values("page_id")).specific(defer=True))


def news_about(instance) -> list:
    """News items and events related to a page (their cards show its title and picture)."""
    from wagtail.models import Page

    if not isinstance(instance, Page):
        return []
    return list(NewsPage.objects.filter(related_links__page=instance.pk).distinct())


def festival_days(first, last) -> list[dict]:
    """Live events running on any day from `first` to `last` (dates), as their local dates: what a
    homestay's calendar marks so owners see the 花儿会 weekend coming."""
    import datetime

    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last, datetime.time.max, tzinfo=tz)
    ends_after = Q(event_end__gte=start) | Q(event_end__isnull=True, event_start__gte=start)
    events = _news().filter(ends_after, is_event=True, event_start__lte=end).order_by("event_start", "pk")[:50]
    return [
        {
            "start": timezone.localtime(e.event_start, tz).date(),
            "end": timezone.localtime(e.event_end or e.event_start, tz).date(),
            "title": e.title,
            "url": e.get_url() or "",
        }
        for e in events
    ]
