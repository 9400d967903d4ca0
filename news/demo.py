"""Demo content for the 资讯 section (called by `manage.py load_demo`)."""

from news.models import NewsIndexPage


def load(ctx):
    index = NewsIndexPage.objects.first()
    if index is None:
        index = ctx.home.add_child(instance=NewsIndexPage(title="资讯", slug="news", show_in_menus=True))
        ctx.log("Created NewsIndexPage /news/")
    return index
