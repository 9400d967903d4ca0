from django import template
from wagtail.models import Page, Site

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The home page's children marked 'show in menus', in the request's language."""
    from portal.perf import chrome

    request = context.get("request")
    found = chrome(request)
    if found is not None:
        return found.menu  # fetched with the page itself (portal/perf.py)
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    root = site.root_page.localized
    return list(Page.objects.live().public().in_menu().child_of(root).only("id", "title", "url_path", "path", "depth", "locale_id"))


@register.simple_tag(takes_context=True)
def site_root(context):
    from portal.perf import localized_root

    return localized_root(context.get("request"))


@register.simple_tag
def related_for(name, page, limit=5):
    """registry.related_for() in a template: what another app relates to `page` (e.g. "feeds": the
    news feeds a home page advertises in its <head>); empty when that app is not installed."""
    from portal.registry import registry

    return registry.related_for(name, page, limit) if page else []
