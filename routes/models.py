from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.search import index

from portal.models import BasePage


class RouteIndexPage(BasePage):
    """The one 三条乡村旅游精品线路 section page; its children are listed here."""

    intro = RichTextField(_("导语 Intro"), blank=True, features=["bold", "italic", "link"])

    max_count = 1
    parent_page_types = ["portal.HomePage"]
    subpage_types: list[str] = []

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]
    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = _("线路 Routes index")
