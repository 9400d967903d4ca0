import wagtail_factories

from products.models import ProductIndexPage


class ProductIndexPageFactory(wagtail_factories.PageFactory):
    title = "河湟田源"
    slug = "products"

    class Meta:
        model = ProductIndexPage
