"""Demo content for the 线路 section (called by `manage.py load_demo`)."""

from routes.models import RouteIndexPage


def load(ctx):
    index = RouteIndexPage.objects.first()
    if index is None:
        index = ctx.home.add_child(instance=RouteIndexPage(title="线路", slug="routes", show_in_menus=True))
        ctx.log("Created RouteIndexPage /routes/")
    return index
