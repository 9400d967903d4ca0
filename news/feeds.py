"""RSS 2.0 and Atom feeds of 节庆资讯, built on Django's syndication framework.

Served from NewsIndexPage routes (/news/feed/rss/, /news/feed/atom/) so they follow the page
tree, its locale and its publication state instead of a hard-coded URL.
"""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from wagtail.models import Site

from portal.models import PortalSettings

FEED_LENGTH = 30


class NewsRssFeed(Feed):
    feed_type = Rss201rev2Feed

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, index):
        return index

    def _site_name(self) -> str:
        """The portal's name in the feed's language (the news index's: /en/news/feed/ is English)."""

        site = Site.find_for_request(self.request)
        settings = PortalSettings.for_site(site) if site else None
        if not (get_language() or "zh").startswith("zh"):
            return (settings.site_name_en if settings else "") or "Xining Rural Portal"
        return (settings.site_name if settings else "") or (site.site_name if site else "") or "西宁乡村文旅门户"

    def title(self, index):
        return f"{index.title} · {self._site_name()}"

    def link(self, index):
        return index.get_url(request=self.request)

    def description(self, index):
        return index.search_description or _("西宁乡村旅游的节庆活动与资讯：花儿会、塔尔寺法会、湟源排灯、乡村旅游节。")

    def feed_url(self, index):
        return index.subpage_url("atom" if self.feed_type is Atom1Feed else "rss")

    def items(self, index):
        return list(index.news_items().order_by("-date", "-first_published_at", "-pk").prefetch_related("tags")[:FEED_LENGTH])

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        if item.is_event and item.event_start:
            where = " · ".join(p for p in (item.when_label, item.venue) if p)
            return f"{where}\n{item.lead}"
        return item.lead

    def item_link(self, item):
        return item.get_url(request=self.request)

    def item_pubdate(self, item):
        """The editorial date at 08:00 Beijing time, unless it was published later that same day."""
        published = item.first_published_at
        if published and published.astimezone(timezone.get_default_timezone()).date() == item.date:
            return published
        return datetime.datetime.combine(item.date, datetime.time(8, 0), tzinfo=timezone.get_default_timezone())

    def item_updateddate(self, item):
        return item.last_published_at or self.item_pubdate(item)

    def item_author_name(self, item):
        return item.source or None

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]


class NewsAtomFeed(NewsRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, index):
        return self.description(index)

    def author_name(self, index):
        return self._site_name()
