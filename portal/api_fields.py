"""API fields the apps' models use, kept apart from portal.api so models can import them before
the app registry is ready (portal.api imports Wagtail's view sets, which need loaded models)."""

from django.conf import settings
from wagtail.images.api.fields import ImageRenditionField


def configured_base_url() -> str | None:
    """WAGTAILAPI_BASE_URL (from the environment's WAGTAILADMIN_BASE_URL), or None: use the request."""
    return getattr(settings, "WAGTAILAPI_BASE_URL", None) or None


class RequestImageRenditionField(ImageRenditionField):
    """ImageRenditionField whose `full_url` uses the request's host unless a base URL is configured
    (Wagtail's always prefixes WAGTAILADMIN_BASE_URL)."""

    def to_representation(self, image):
        data = super().to_representation(image)
        request = self.context.get("request")
        url = data.get("url") if isinstance(data, dict) else None
        if request is not None and url and url.startswith("/") and not configured_base_url():
            data["full_url"] = request.build_absolute_uri(url)
        return data
