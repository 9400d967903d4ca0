"""Template tags for page speed (README "Performance")."""

import re

from django import template
from django.template import Context, Template
from django.utils.safestring import mark_safe

register = template.Library()

_LEAFLET_JS = Template("{% load leaflet_tags %}{% leaflet_js %}")


@register.simple_tag
def leaflet_js_deferred():
    """django-leaflet's {% leaflet_js %} with `defer` on every script: Leaflet no longer blocks
    the page from drawing, and deferred scripts still run in document order (Leaflet, its extras,
    markercluster, then map.js, which boots on DOMContentLoaded)."""
    html = _LEAFLET_JS.render(Context())
    return mark_safe(re.sub(r"<script src=\"([^\"]+)\"(?![^>]*\bdefer\b)", r'<script src="\1" defer', html))  # noqa: S308 - our own static tags
