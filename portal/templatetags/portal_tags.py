from django import template

from portal.perf import Frame

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The home page's live, public children marked 'show in menus', in the request's language
    (from the page frame: fetched with the page itself, see portal/perf.py)."""
    frame = Frame.for_request(context.get("request"))
    return frame.menu if frame is not None else []


@register.simple_tag(takes_context=True)
def site_root(context):
    """The home page in the request's language."""
    frame = Frame.for_request(context.get("request"))
    return frame.home if frame is not None else None


@register.simple_tag
def related_for(name, page, limit=5):
    """registry.related_for() in a template: what another app relates to `page` (e.g. "feeds": the
    news feeds a home page advertises in its <head>); empty when that app is not installed."""
    from portal.registry import registry

    return registry.related_for(name, page, limit) if page else []


@register.simple_tag(takes_context=True)
def localized_link(context, page):
    """A hand-picked page link for the visitor's language: {"page", "url", "fallback", "lang"}.

    The English site links the page's English copy; a page with no live copy yet keeps its Chinese
    URL with `fallback` set, so the template can say "(中文)" and mark the link lang="zh-Hans"
    (portal/includes/fallback_mark.html) instead of sending a visitor to Chinese unannounced.
    """
    from portal.i18n import localized_link as resolve

    return resolve(page, context.get("request"))
