"""Demo content for the 河湟田源 section (called by `manage.py load_demo`)."""

from products.models import ProductIndexPage


def load(ctx):
    index = ProductIndexPage.objects.first()
    if index is None:
        index = ctx.home.add_child(instance=ProductIndexPage(title="河湟田源", slug="products", show_in_menus=True))
        ctx.log("Created ProductIndexPage /products/")
    return index
