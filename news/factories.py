import datetime

import factory
import wagtail_factories
from django.utils import timezone

from news.models import NewsIndexPage, NewsPage


class NewsIndexPageFactory(wagtail_factories.PageFactory):
    title = "资讯"
    slug = "news"

    class Meta:
        model = NewsIndexPage


class NewsPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"乡村旅游资讯 {n}")
    slug = factory.Sequence(lambda n: f"news-{n}")
    date = factory.LazyFunction(timezone.localdate)
    lead = "西宁市乡村旅游节庆活动资讯。"
    source = "西宁市文化旅游广电局"

    class Meta:
        model = NewsPage


class EventPageFactory(NewsPageFactory):
    """A news item that is an event, starting in a week and lasting a day, at 老爷山."""

    is_event = True
    venue = "大通县老爷山"
    venue_location = factory.LazyFunction(lambda: {"type": "Point", "coordinates": [101.6883, 36.9317]})
    event_start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    event_end = factory.LazyAttribute(lambda o: o.event_start + datetime.timedelta(hours=9))
