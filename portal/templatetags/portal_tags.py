from django import template

from portal.perf import Frame
from portal.registry import registry

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

    return registry.related_for(name, page, limit) if page else []


@register.inclusion_tag("portal/includes/place_actions.html", takes_context=True)
def place_actions(context, url="", fragment=""):
    """The links the apps offer beside the place at `url` (+ "#fragment": a route's stop), e.g.
    "反馈问题" on a route, a stop or a station; with no URL, about no place in particular (the map
    page). Nothing when no app offers any."""

    url = f"{url or ''}#{fragment}" if url and fragment else (url or "")
    return {"actions": registry.place_actions_for(url, context.get("request"))}


@register.simple_tag(takes_context=True)
def localized_link(context, page):
    """A hand-picked page link for the visitor's language: {"page", "url", "fallback", "lang"}.

    The English site links the page's English copy; a page with no live copy yet keeps its Chinese
    URL with `fallback` set, so the template can say "(中文)" and mark the link lang="zh-Hans"
    (portal/includes/fallback_mark.html) instead of sending a visitor to Chinese unannounced.
    """
    from portal.i18n import localized_link as resolve

    return resolve(page, context.get("request"))


@register.simple_tag
def offline_strings():
    """The interface strings of offline.js (packs and 我的离线线路), as one data attribute: the
    script is static and the CSP allows no inline script."""
    import json

    from django.utils.translation import gettext as _

    return json.dumps(
        {
            "offer": _("下载后，没有信号时也能查看线路、站点、图片和地图，并在地图上显示你的位置。"),
            "download": _("下载离线包"),
            "measuring": _("正在计算离线包大小…"),
            "confirm": _("离线包约 %(size)s（%(files)s 个文件）。建议连接 Wi-Fi 后下载。"),
            "noTiles": _("地图底图暂时无法下载，离线时显示本站的简易地名底图。"),
            "basemapOnly": _("地图底图不在离线包内，离线时显示本站的简易地名底图。"),
            "start": _("开始下载"),
            "cancel": _("取消"),
            "progress": _("正在下载 %(done)s / %(total)s…"),
            "saved": _("已下载离线包：%(size)s，%(date)s 下载，线路版本 %(version)s。"),
            "outdated": _("有更新：线路在离线包（%(date)s 下载，版本 %(version)s）之后已修改。"),
            "update": _("更新离线包"),
            "remove": _("删除"),
            "failed": _("下载没有完成，已下载的部分已清除。请检查网络后重试。"),
            "retry": _("重试"),
            "row": _("%(size)s · %(date)s 下载 · 线路版本 %(version)s"),
            "ready": _("离线可用"),
            "current": _("已是最新"),
            "hasUpdate": _("有更新"),
            "withdrawn": _("已下线：这条线路已不再发布，离线包已删除。"),
            "gone": _("“%(title)s”已下线，离线包已删除。"),
            "notSaved": _("现在没有网络，这个页面也没有下载到离线包。下面是已下载、可以离线查看的线路。"),
        },
        ensure_ascii=False,
    )
