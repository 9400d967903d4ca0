"""节庆资讯: news items, some of which are events.

Why one page type and not a separate EventPage: an event *is* a news item with a date range and a
venue. Editors write one page, the listing and feeds need one query, and when the event has ended
it simply stays on as news — nothing to convert or archive. `is_event` switches the event fields on.

"Upcoming" means "has not ended yet" (event_end >= now), so a festival still running today is
listed and shown on the home page and on its route pages until its last day is over.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import Orderable, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from news.calendar import calendar_response
from news.feeds import NewsAtomFeed, NewsRssFeed
from portal.blocks import BaseStreamBlock
from portal.cards import specific_cards
from portal.fields import GeoJSONField
from portal.i18n import active_language, children_in_language, language_of, localized_ids
from portal.images import attach_images, rendition_specs
from portal.models import BasePage, SectionIndexPage
from portal.perf import ancestor_page, memoised, public
from portal.registry import registry
from portal.seo import SCHEMA, image_url, local_iso, place

# What cards (portal/includes/card.html) and list items (news/includes/news_item.html) render.
CARD_RENDITIONS = rendition_specs("card", "news_item")
# Page types an editor may hand-pick as related; model strings, never imports of the other apps.
RELATED_PAGE_TYPES = ["routes.RoutePage", "homestays.HomestayPage", "products.ProductPage"]


def month_bounds(year: int, month: int | None) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a calendar month (or year) in Asia/Shanghai, as aware datetimes."""
    tz = timezone.get_default_timezone()
    if month:
        start = datetime.datetime(year, month, 1, tzinfo=tz)
        end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    else:
        start = datetime.datetime(year, 1, 1, tzinfo=tz)
        end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    return start, end


MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
LUNAR_MONTHS = ["正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊"]
LUNAR_DIGITS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]


def lunar_label(day: datetime.date) -> str:
    """e.g. 农历六月初六: printed beside festivals whose date follows the lunar calendar."""
    from lunardate import LunarDate

    try:
        lunar = LunarDate.from_solar_date(day.year, day.month, day.day)
    except ValueError:  # outside the library's 1900–2099 table
        return ""
    d = lunar.day
    if d <= 10:
        day_name = "初" + LUNAR_DIGITS[d]
    elif d < 20:
        day_name = "十" + LUNAR_DIGITS[d - 10]
    elif d == 20:
        day_name = "二十"
    elif d < 30:
        day_name = "廿" + LUNAR_DIGITS[d - 20]
    else:
        day_name = "三十"
    return f"农历{'闰' if lunar.is_leap_month else ''}{LUNAR_MONTHS[lunar.month - 1]}月{day_name}"


class NewsPageQuerySet(PageQuerySet):
    def events(self):
        return self.filter(is_event=True, event_start__isnull=False)

    def upcoming(self, now=None):
        """Events that have not ended: still shown as 'upcoming' on their last day."""
        return self.events().filter(event_end__gte=now or timezone.now()).order_by("event_start", "pk")

    def past_events(self, now=None):
        return self.events().filter(event_end__lt=now or timezone.now()).order_by("-event_end", "-pk")

    def in_period(self, year: int, month: int | None = None):
        """News dated in the period, and events running at any time during it (a June–October
        flower season is listed under July too)."""
        start, end = month_bounds(year, month)
        news = Q(is_event=False, date__gte=start.date(), date__lt=end.date())
        events = Q(is_event=True, event_start__lt=end, event_end__gte=start)
        return self.filter(news | events)

    def with_cards(self):
        """Everything a card or list item needs, in a constant number of queries."""
        renditions = get_image_model().get_rendition_model().objects.filter(filter_spec__in=CARD_RENDITIONS)
        return self.select_related("image", "share_image").prefetch_related(
            Prefetch("image__renditions", queryset=renditions, to_attr="prefetched_renditions"),
            Prefetch("share_image__renditions", queryset=renditions, to_attr="prefetched_renditions"),
            "tags",
        )


NewsPageManager = PageManager.from_queryset(NewsPageQuerySet)


class NewsIndexPage(RoutablePageMixin, SectionIndexPage):
    """The one 节庆资讯 section page: the listing, the RSS/Atom feeds and the events calendar."""

    subpage_types = ["news.NewsPage"]

    class Meta:
        verbose_name = _("资讯栏目")

    def news_items(self):
        """Live, public news under this index (drafts and private pages never listed or fed)."""
        return children_in_language(public(NewsPage.objects.live()), self)

    # --- listing -----------------------------------------------------------------------------

    def get_cached_paths(self):
        # Purged with the index (portal.cache): the feeds list the same items.
        return ["/", "feed/rss/", "feed/atom/", "events.ics"]

    @path("", name="listing")
    def listing(self, request):
        context = registry.page_view(self, "context")(self, request)
        response = self.render(request, context_overrides=context)
        if context["filter_errors"]:
            # The page still renders (bad values ignored, with a message) but says 400, so crawlers
            # drop the junk URL and the anonymous page cache does not store it.
            response.status_code = 400
        return response

    # --- feeds --------------------------------------------------------------------------------

    @path("feed/rss/", name="rss")
    def rss_feed(self, request):
        return NewsRssFeed()(request, index=self)

    @path("feed/atom/", name="atom")
    def atom_feed(self, request):
        return NewsAtomFeed()(request, index=self)

    @re_path(r"^events\.ics/$", name="ics")
    def events_ics(self, request):
        events = self.news_items().upcoming().prefetch_related("tags")[:200]
        what = _("节庆活动")  # outside the f-string, where makemessages finds it
        return calendar_response(request, events, name=f"{self.title} · {what}")

    def subpage_url(self, name: str) -> str:
        """Absolute path of a route; '.ics' routes are served without the trailing slash."""
        url = self.url + self.reverse_subpage(name)
        return url[:-1] if url.endswith(".ics/") else url


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey("news.NewsPage", on_delete=models.CASCADE, related_name="tagged_items")


class NewsPage(RoutablePageMixin, BasePage):
    date = models.DateField(_("日期"), default=timezone.localdate, help_text=_("资讯的日期：显示在页面上，列表按它排序。"))
    lead = models.TextField(_("导语"), max_length=400, help_text=_("一两句话：显示在卡片、订阅源和日历里。"))
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("题图"))
    image_alt = models.CharField(_("题图替代文字"), max_length=200, blank=True, help_text=_("为看不到图片的读者描述图片内容。"))
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("正文"))
    tags = ClusterTaggableManager(through=NewsPageTag, blank=True, verbose_name=_("标签"))
    source = models.CharField(_("来源"), max_length=120, blank=True, help_text=_("e.g. 西宁市文化旅游广电局"))
    source_url = models.URLField(_("来源链接"), blank=True)

    is_event = models.BooleanField(
        _("这是一项活动"),
        default=False,
        help_text=_("加入活动日历；活动结束前还会显示在首页和相关页面上。"),
    )
    all_day = models.BooleanField(
        _("全天"),
        default=False,
        help_text=_("只用日期、不用时间：从第一天到最后一天全天进行的花季或节庆（下面的时间将被忽略）。"),
    )
    event_start = models.DateTimeField(_("开始时间"), null=True, blank=True, help_text=_("北京时间。"))
    event_end = models.DateTimeField(_("结束时间"), null=True, blank=True, help_text=_("当天结束的活动可以不填。"))
    venue = models.CharField(_("地点"), max_length=160, blank=True)
    venue_location = GeoJSONField(_("地点位置"), geom_types=("Point",), null=True, blank=True)
    lunar_note = models.CharField(_("农历说明"), max_length=120, blank=True, help_text=_("按农历固定日期举办的节庆填写，例如：每年农历六月初六。"))
    organiser = models.CharField(_("主办单位"), max_length=160, blank=True)
    admission = models.CharField(_("门票"), max_length=160, blank=True, help_text=_("e.g. 免费 or 成人 80 元"))
    booking_url = models.URLField(_("预约链接"), blank=True)

    objects = NewsPageManager()

    parent_page_types = ["news.NewsIndexPage"]
    subpage_types: list[str] = []

    content_panels = BasePage.content_panels + [
        FieldRowPanel([FieldPanel("date"), FieldPanel("source"), FieldPanel("source_url")], heading=_("日期与来源")),
        FieldPanel("lead"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("image_alt")], heading=_("题图")),
        FieldPanel("body"),
        FieldPanel("tags"),
        MultiFieldPanel(
            [
                FieldPanel("is_event"),
                FieldPanel("all_day"),
                FieldRowPanel([FieldPanel("event_start"), FieldPanel("event_end")]),
                FieldPanel("lunar_note"),
                FieldPanel("venue"),
                FieldPanel("venue_location"),
                FieldRowPanel([FieldPanel("organiser"), FieldPanel("admission")]),
                FieldPanel("booking_url"),
            ],
            heading=_("活动"),
        ),
        InlinePanel("related_links", heading=_("相关线路、民宿、产品"), label=_("相关页面")),
    ]
    search_fields = BasePage.search_fields + [
        index.SearchField("lead"),
        index.SearchField("body"),
        index.SearchField("venue"),
        index.SearchField("source"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("date"),
        index.FilterField("is_event"),
        index.FilterField("event_end"),
    ]
    api_fields = [
        APIField("date"),
        APIField("lead"),
        APIField("body"),
        APIField("tags"),
        APIField("source"),
        APIField("is_event"),
        APIField("all_day"),
        APIField("event_start"),
        APIField("event_end"),
        APIField("venue"),
        APIField("venue_location"),
        APIField("lunar_note"),
        APIField("organiser"),
        APIField("admission"),
        APIField("booking_url"),
    ]

    class Meta:
        verbose_name = _("资讯")
        verbose_name_plural = _("资讯")
        indexes = [models.Index(fields=["is_event", "event_end"], name="news_event_end_idx")]

    def clean(self):
        super().clean()
        if not self.is_event:
            return
        errors = {}
        if not self.event_start:
            errors["event_start"] = _("活动需要填写开始时间。")
        if not self.venue:
            errors["venue"] = _("活动需要填写地点。")
        if self.event_start and not self.event_end:
            # A one-day event ends at midnight Beijing time, not at its start time.
            local_start = timezone.localtime(self.event_start, timezone.get_default_timezone())
            self.event_end = datetime.datetime.combine(local_start.date(), datetime.time(23, 59, 59), tzinfo=timezone.get_default_timezone())
        if self.event_start and self.event_end:
            # An all-day event's typed times do not count: only its days do.
            if (self.last_day < self.first_day) if self.all_day else (self.event_end < self.event_start):
                errors["event_end"] = _("活动的结束时间不能早于开始时间。")
        if errors:
            raise ValidationError(errors)
        self.span_whole_days()

    def span_whole_days(self):
        """An all-day event covers its first and last days whole, in Beijing time: it is stored from
        00:00 of its first day to 23:59:59 of its last, whatever times were typed, so "upcoming"
        (event_end >= now) lists it through its last day and a month filter sees every day it runs;
        calendars and JSON-LD then give it as dates (`first_day`, `last_day`)."""
        if not (self.all_day and self.event_start):
            return
        tz = timezone.get_default_timezone()
        first = timezone.localtime(self.event_start, tz).date()
        last = max(timezone.localtime(self.event_end, tz).date(), first) if self.event_end else first
        self.event_start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
        self.event_end = datetime.datetime.combine(last, datetime.time(23, 59, 59), tzinfo=tz)

    def save(self, *args, **kwargs):
        # Also for pages saved without a form (the demo, imports, scripts).
        self.span_whole_days()
        return super().save(*args, **kwargs)

    # --- what cards, feeds and templates ask --------------------------------------------------

    @property
    def card_image(self):
        return self.image or self.share_image

    @property
    def card_summary(self) -> str:
        return self.lead

    @property
    def card_meta(self) -> str:
        if self.is_event and self.event_start:
            return f"{self.when_label} · {self.venue}" if self.venue else self.when_label
        return f"{self.date:%Y-%m-%d}" + (f" · {self.source}" if self.source else "")

    @property
    def local_start(self):
        return timezone.localtime(self.event_start, timezone.get_default_timezone()) if self.event_start else None

    @property
    def local_end(self):
        return timezone.localtime(self.event_end, timezone.get_default_timezone()) if self.event_end else None

    @property
    def first_day(self):
        """The event's first day in Beijing time (the date an all-day event starts)."""
        return self.local_start.date() if self.event_start else None

    @property
    def last_day(self):
        """The event's last day in Beijing time, inclusive (iCalendar's exclusive DTEND is the day after)."""
        if not self.event_start:
            return None
        return self.local_end.date() if self.event_end else self.first_day

    @property
    def start_iso(self) -> str:
        """The start for <time datetime>: a date for an all-day event, else the time with its zone."""
        if not self.event_start:
            return ""
        return self.first_day.isoformat() if self.all_day else self.local_start.isoformat()

    @property
    def when_label(self) -> str:
        """Dates in the style the page's readers expect: 2027年7月9日 09:00 – 7月11日 18:00 in
        Chinese, 9 July 2027 09:00 – 11 July 18:00 in English; dates only for an all-day event
        (2027年6月1日 – 10月15日, 1 June 2027 – 15 October)."""
        start, end = self.local_start, self.local_end
        if not start:
            return ""
        english = not (get_language() or "zh").startswith("zh")

        def day(value, with_year: bool) -> str:
            if english:
                return f"{value.day} {MONTHS_EN[value.month - 1]}" + (f" {value.year}" if with_year else "")
            return (f"{value.year}年" if with_year else "") + f"{value.month}月{value.day}日"

        label = day(start, True)
        all_day = self.all_day
        if not all_day:
            label += f" {start:%H:%M}"
        if end and end.date() != start.date():
            label += " – " + day(end, end.year != start.year)
            if not all_day:
                label += f" {end:%H:%M}"
        elif end and not all_day and (end.hour, end.minute) != (23, 59):
            label += f"–{end:%H:%M}"
        return label

    @property
    def lunar_label(self) -> str:
        return lunar_label(self.local_start.date()) if self.event_start else ""

    @property
    def lunar_text(self) -> str:
        """The lunar date with the editor's note: 农历六月初六（每年农历六月初六前后）in Chinese; in
        English the note alone (it says the lunar date in words) with the Chinese date beside it."""
        note, label = self.lunar_note, self.lunar_label
        if not note:
            return ""
        if not (get_language() or "zh").startswith("zh"):
            return f"{note} ({label})" if label else note
        return f"{label}（{note}）" if label else note

    def event_status(self, now=None) -> str:
        """'upcoming', 'ongoing' or 'past' ('' for plain news)."""
        if not (self.is_event and self.event_start):
            return ""
        now = now or timezone.now()
        if self.event_end and self.event_end < now:
            return "past"
        return "ongoing" if self.event_start <= now else "upcoming"

    @property
    def event_status_label(self) -> str:
        return {"upcoming": _("即将开始"), "ongoing": _("进行中"), "past": _("已结束")}.get(self.event_status(), "")

    @property
    def ics_uid(self) -> str:
        """Stable across edits, renames and moves: calendars update the event instead of duplicating it."""
        return f"news-{self.translation_key}@xining-rural"

    def venue_geojson(self):
        if not self.venue_location:
            return None
        feature = {
            "type": "Feature",
            "geometry": self.venue_location,
            "properties": {"name": self.venue or self.title, "url": self.url or "", "kind": "event", "summary": self.when_label},
        }
        return {"type": "FeatureCollection", "features": [feature]}

    def get_structured_data(self, request) -> list[dict]:
        """NewsArticle for every item, plus a schema.org Event for events (search engines' event listings)."""

        url = self.get_full_url(request)
        image = image_url(self.card_image, request)
        published = self.published_at()
        modified = self.last_published_at or self.latest_revision_created_at
        article = {
            "@context": SCHEMA,
            "@type": "NewsArticle",
            "headline": self.title[:110],
            "description": self.lead,
            "url": url,
            "datePublished": local_iso(published),
            "dateModified": local_iso(max(modified, published) if modified else published),
        }
        publisher = self.provider_organization(request)
        article["publisher"] = publisher
        article["author"] = {"@type": "Organization", "name": self.source} if self.source else publisher
        if image:
            article["image"] = image
        data = super().get_structured_data(request) + [article]
        if self.is_event and self.event_start:
            if self.all_day:
                start, end = self.first_day.isoformat(), self.last_day.isoformat()  # schema.org endDate: the last day
            else:
                start, end = local_iso(self.event_start), local_iso(self.event_end or self.event_start)
            event = {
                "@context": SCHEMA,
                "@type": "Event",
                "name": self.title,
                "description": self.lead,
                "url": url,
                "startDate": start,
                "endDate": end,
                "eventStatus": "https://schema.org/EventScheduled",
                "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
                "location": place(self.venue or self.title, self.venue, self.venue_location),
            }
            if self.organiser:
                event["organizer"] = {"@type": "Organization", "name": self.organiser}
            if image:
                event["image"] = image
            if self.booking_url:
                event["offers"] = {"@type": "Offer", "url": self.booking_url, "description": self.admission}
            data.append(event)
        return data

    def published_at(self) -> datetime.datetime:
        """When the item was published, as a moment: its first publication when that was on its
        date, else 08:00 Beijing time on its date (an item dated before it went online), the same
        moment the feeds give (news.feeds item_pubdate)."""
        first = self.first_published_at
        if first is not None and timezone.localtime(first, timezone.get_default_timezone()).date() == self.date:
            return first
        return datetime.datetime.combine(self.date, datetime.time(8, 0), tzinfo=timezone.get_default_timezone())

    def pictured(self) -> list:
        """The page and its related pages' cards (portal.perf loads their pictures in one query)."""
        return [self, *self.related_pages(images=False)]

    def related_pages(self, images: bool = True) -> list:
        """Hand-picked related pages that are live and public, in the editor's order, computed once
        per request; `images=False` leaves their pictures out (`pictured` gathers them with
        the page's own, so attaching them afterwards costs no query)."""
        pages = memoised(self, "news_related_pages", self._related_pages)
        if images:
            attach_images(pages)
        return pages

    def _related_pages(self) -> list:
        from django.db.models import Exists, OuterRef, Subquery
        from wagtail.models import Page

        # A translated item keeps the links its source had (Wagtail copies them as they are): show
        # each page's copy in the visitor's language, or the page itself marked "(中文)".
        if "related_links" in getattr(self, "_cluster_related_objects", {}):  # a preview: the links in the form
            ids, fallback = localized_ids([link.page_id for link in self.related_links.all() if link.page_id])
            pages = specific_cards(Page.objects.filter(pk__in=ids), order=ids, images=False)
        elif not self.pk:
            return []
        else:
            # One query for the pages (as many as before translations were considered): each linked
            # page's live copy in the active language, else the linked page, in the editor's order.
            language = active_language()
            links = NewsPageRelatedPage.objects.filter(news_page_id=self.pk)
            linked = Page.objects.filter(pk__in=links.values("page_id"))
            copy = Page.objects.filter(translation_key=OuterRef("translation_key"), locale__language_code=language, live=True)
            first_link = links.filter(page__translation_key=OuterRef("translation_key")).order_by("sort_order", "pk").values("sort_order")[:1]
            candidates = (
                Page.objects.filter(translation_key__in=linked.values("translation_key"))
                .filter(Q(locale__language_code=language, live=True) | (Q(pk__in=links.values("page_id")) & ~Exists(copy)))
                .annotate(_link_order=Subquery(first_link))
                .order_by("_link_order", "path")
            )
            pages = specific_cards(candidates, images=False)
            fallback = {page.pk for page in pages if language_of(page) != language}
        for page in pages:
            page.lang_fallback = page.pk in fallback
        return pages

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)

        parent = ancestor_page(self, NewsIndexPage)
        if parent:
            context.update(news_index=parent, rss_url=parent.subpage_url("rss"), atom_url=parent.subpage_url("atom"), ics_url=parent.subpage_url("ics"))
        context["related_pages"] = self.related_pages()
        context["venue_geo"] = self.venue_geojson() if self.is_event else None
        return context

    def get_cached_paths(self):
        return ["/", "event.ics"]

    @re_path(r"^event\.ics/$", name="ics")
    def event_ics(self, request):
        """'Add to calendar': the same VEVENT (same UID) as in the feed, so calendars merge them."""
        if not (self.is_event and self.event_start):
            raise Http404
        return calendar_response(request, [self], name=self.title, filename=f"{self.slug}.ics")

    @property
    def ics_url(self) -> str:
        return (self.url or "") + "event.ics"


def installed_models(model_strings: list[str]) -> list[str]:
    from django.apps import apps

    found = []
    for name in model_strings:
        try:
            apps.get_model(name)
        except LookupError:
            continue
        found.append(name)
    return found


class RelatedPageChooserPanel(PageChooserPanel):
    """The page chooser restricted to RELATED_PAGE_TYPES, skipping any subject app not installed, so
    news keeps working (and picks a model up as soon as it exists) whichever of them a site runs."""

    def get_form_options(self):
        self.page_type = installed_models(RELATED_PAGE_TYPES) or None
        return super().get_form_options()


class NewsPageRelatedPage(Orderable):
    """A route, homestay or product this news item is about; the event then shows on that page."""

    news_page = ParentalKey(NewsPage, on_delete=models.CASCADE, related_name="related_links")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("页面"))

    panels = [RelatedPageChooserPanel("page")]

    class Meta(Orderable.Meta):
        verbose_name = _("相关页面")
