"""What the news app offers other parts of the portal through portal.registry.

Home-page collections and related-content lists are computed when the page renders, so an event
drops off the home page and its route pages on its own once it has ended (the anonymous page cache
bounds the delay to PAGE_CACHE_SECONDS).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from wagtail.models import Locale


def _news(locale_id=None):
    from news.models import NewsPage

    if locale_id is None:
        locale_id = Locale.get_active().pk
    return NewsPage.objects.live().public().filter(locale_id=locale_id)


def _not_upcoming():
    return Q(is_event=False) | Q(event_start__isnull=True) | Q(event_end__lt=timezone.now())


def upcoming_events(limit: int = 3, request=None) -> list:
    return list(_news().upcoming().with_cards()[:limit])


def latest_news(limit: int = 3, request=None) -> list:
    """Newest news, leaving out events that have not ended: the home page lists those in its own
    "upcoming events" section, and the same festival twice on one page is noise."""
    return list(_news().filter(_not_upcoming()).order_by("-date", "-first_published_at", "-pk").with_cards()[:limit])


def _linking_to(page):
    """News items whose editor linked them to `page` or to one of its translations."""
    return _news(page.locale_id).filter(related_links__page__translation_key=page.translation_key).distinct()


def related_events(page, limit: int = 5) -> list:
    """Upcoming live events linked to `page` (e.g. a route), soonest first, until they end."""
    return list(_linking_to(page).upcoming().with_cards()[:limit])


def related_news(page, limit: int = 5) -> list:
    """News linked to `page`, newest first: past events included, upcoming ones left to "events"
    so a page asking for both does not list a festival twice."""
    return list(_linking_to(page).filter(_not_upcoming()).order_by("-date", "-pk").with_cards()[:limit])
