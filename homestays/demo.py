"""Demo content for the 民宿 section (called by `manage.py load_demo`)."""

from homestays.models import HomestayIndexPage


def load(ctx):
    index = HomestayIndexPage.objects.first()
    if index is None:
        index = ctx.home.add_child(instance=HomestayIndexPage(title="民宿", slug="homestays", show_in_menus=True))
        ctx.log("Created HomestayIndexPage /homestays/")
    return index
