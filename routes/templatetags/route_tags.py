import json

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def position_strings():
    """The interface strings of routes/position.js, as one data attribute (the CSP allows no inline script)."""
    return json.dumps(
        {
            "locating": _("正在获取你的位置…"),
            "on": _("你在线路第 %(along)s 公里处%(alt)s。"),
            "off": _("你距线路约 %(off)s 公里，最近的线路点在第 %(along)s 公里处%(alt)s。"),
            "alt": _("，海拔约 %(m)s 米"),
            "next": _("下一站 %(n)s %(name)s：沿线路还有 %(km)s 公里。"),
            "last": _("沿途站点都已经过。"),
            "end": _("到终点还有 %(km)s 公里。"),
            "denied": _("你没有允许定位，无法显示位置。"),
            "unavailable": _("暂时无法获取你的位置，请到开阔处再试。"),
            "unsupported": _("这个浏览器不支持定位。"),
            "you": _("你的位置"),
            "start": _("显示我的位置"),
            "stop": _("停止定位"),
        },
        ensure_ascii=False,
    )
