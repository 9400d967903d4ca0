"""A read-only admin panel listing the product pages linked to a snippet.

Producers and stations are edited as snippets, but the links live on the product pages; editors
still need to see, on the producer or station, which products point at it.
"""

from wagtail.admin.panels import Panel
from wagtail.coreutils import resolve_model_string


class LinkedProductsPanel(Panel):
    def __init__(self, lookup: str, pages: str = "products.ProductPage", **kwargs):
        super().__init__(**kwargs)
        self.lookup = lookup
        self.pages = pages  # a model label, as Wagtail takes them, since the models import this panel

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs["lookup"] = self.lookup
        kwargs["pages"] = self.pages
        return kwargs

    class BoundPanel(Panel.BoundPanel):
        template_name = "products/admin/linked_products_panel.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            pages = resolve_model_string(self.panel.pages).objects.filter(**{self.panel.lookup: self.instance}).distinct().order_by("title")
            context["linked_pages"] = list(pages.only("id", "title", "live", "has_unpublished_changes"))
            return context
