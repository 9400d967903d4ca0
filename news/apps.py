from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "news"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("资讯")

    def ready(self):

        from news import demo, providers, views
        from news.models import NewsIndexPage
        from news.workflow import REVIEW
        from portal.registry import DemoSection, registry

        registry.register_page_views(NewsIndexPage, context=views.listing_context)
        registry.register_home_section("news.NewsIndexPage")
        registry.register_search_type("news", _("资讯"), ("news.NewsPage",), order=40)
        registry.register_demo("news", demo.load, order=40)
        registry.register_scale("news", "news items in all (over eight years, one in ten an event)", demo.load_scale, order=40)
        registry.register_demo_section(DemoSection("news", demo.SECTION_EN, demo.home_blocks, map_layers=()))
        registry.register_demo_translation("news", demo.load_english, order=40)
        registry.register_collection("upcoming_events", _("近期节庆活动"), providers.upcoming_events)
        registry.register_collection("latest_news", _("最新资讯"), providers.latest_news)
        registry.register_related("events", providers.related_events)
        registry.register_related("news", providers.related_news)
        registry.register_related("feeds", providers.feed_links)
        registry.register_date_marks(providers.festival_days)  # <link rel="alternate"> on the home page
        # A news item shows on the pages it is about, and they show it (portal.cache purges both).
        registry.register_dependents("news.NewsPage", providers.pages_it_is_about)
        registry.register_dependents("*", providers.news_about)
        REVIEW.attach_to_new(NewsIndexPage)
