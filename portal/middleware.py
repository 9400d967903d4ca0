"""Security and fault-handling middleware: CSP with the tile hosts, Permissions-Policy, request
rate limits, and a friendly 503 page when the database is down.

Why one module: these are the portal's cross-cutting protections, each small, and all configured
from settings (see the "Security" block of portal/settings/base.py) so a deployment can tune them
without code changes.
"""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template import loader
from django.utils.module_loading import import_string

from portal.tiles import tile_config, tile_config_for_request
from portal.widgets import admin_tile_config

logger = logging.getLogger(__name__)


# --- client address -----------------------------------------------------------------------------


def client_ip(request) -> str:
    """The visitor's IP address, trusting X-Forwarded-For only as far as our own proxies.

    Behind nginx every request comes from 127.0.0.1, so keying login lockouts and rate limits on
    REMOTE_ADDR would put every visitor in one bucket (one attacker could lock everyone out).
    With PORTAL_TRUSTED_PROXY_COUNT = n, the n-th address from the right of X-Forwarded-For is the
    one our outermost proxy saw; anything further left is client-supplied and forgeable.
    """
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    trusted = int(getattr(settings, "PORTAL_TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= trusted:
            candidate = hops[-trusted]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                logger.warning("Ignoring malformed X-Forwarded-For entry %r", candidate[:64])
    return remote


# --- Content-Security-Policy --------------------------------------------------------------------


def tile_sources(tile_config: dict) -> list[str]:
    """CSP sources (scheme://host) for the tile URLs of a portal.tiles config.

    Leaflet's `{s}` placeholder is expanded with the layer's subdomains, so the policy names the
    exact hosts (t0…t7.tianditu.gov.cn, webrd01…04.is.autonavi.com) rather than a wildcard.
    Relative URLs (tiles served by our own host) are already covered by 'self'.
    """
    sources: list[str] = []
    for layer in tile_config.get("layers", []):
        url = layer.get("url", "")
        if not url.startswith(("https://", "http://")):
            continue
        subdomains = (layer.get("options") or {}).get("subdomains") or "abc"
        hosts = [url.replace("{s}", str(s)) for s in subdomains] if "{s}" in url else [url]
        for host_url in hosts:
            parts = urlsplit(host_url)
            if parts.hostname:
                source = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"
                if source not in sources:
                    sources.append(source)
    return sources


def settings_tile_sources() -> list[str]:
    """Tile hosts from the deployment settings alone (no database): used when the site's own
    PortalSettings cannot be read, e.g. on the 503 page."""

    return tile_sources(tile_config(None))


def media_sources() -> list[str]:
    """The media storage's origin when it is another host (S3-compatible storage, a custom
    domain): uploaded images are served from there, so img-src must allow it."""
    from django.core.files.storage import default_storage

    try:
        parts = urlsplit(default_storage.url("csp-probe.jpg"))
    except Exception:  # noqa: BLE001 - a misconfigured storage must not break every page
        return []
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme in ("http", "https") and parts.netloc else []


def _directives(name: str) -> dict:
    return dict(getattr(settings, name, {}).get("DIRECTIVES", {}))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp with two policies: the strict public one (CONTENT_SECURITY_POLICY) and a workable
    one for the Wagtail admin (PORTAL_ADMIN_CONTENT_SECURITY_POLICY), plus in img-src the tile hosts
    and, with S3-style storage, the media host.

    Wagtail's admin writes inline <script> (InlinePanel, date pickers) and inline styles, so the
    admin cannot run under the public policy; the public site has no inline code at all (tested in
    tests/test_security.py), so it gets script-src/style-src 'self' only. The tile hosts follow the
    site's PortalSettings (editors can switch provider without a redeploy) and are looked up only
    for HTML, where a map can appear; the settings lookup is cached on the request by Wagtail and
    the page template has usually done it already.
    """

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only or parts.config is not None:
            return parts  # a view chose its own policy with the csp decorators
        admin_prefix = getattr(settings, "PORTAL_ADMIN_URL_PREFIX", "/admin/")
        if request.path_info.startswith(admin_prefix):
            parts.config = _directives("PORTAL_ADMIN_CONTENT_SECURITY_POLICY")
            tiles = self._admin_tiles()
        elif "html" in response.get("Content-Type", "") or response.has_header("Service-Worker-Allowed"):
            # the service worker (portal.offline): its own policy governs the fetches it makes
            tiles = self._site_tiles(request, response)
        else:
            return parts
        extra = media_sources() + tiles
        if extra:
            update = dict(parts.update or {})
            update["img-src"] = list(update.get("img-src", [])) + extra
            if tiles:
                # an offline pack fetches the corridor's tiles to store them (portal/static/portal/js/offline.js)
                update["connect-src"] = list(update.get("connect-src", [])) + tiles
            parts.update = update
        return parts

    @staticmethod
    def _admin_tiles() -> list[str]:
        try:
            return tile_sources(admin_tile_config())
        except DatabaseError:
            return settings_tile_sources()

    @staticmethod
    def _site_tiles(request, response) -> list[str]:
        if response.status_code >= 500:
            return settings_tile_sources()  # the database may be what failed
        try:
            return tile_sources(tile_config_for_request(request))
        except DatabaseError:
            return settings_tile_sources()


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every response: geolocation for the portal's own "near me" map only;
    camera, microphone, payment and the like for nobody. django-csp and Django don't set it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.value = getattr(settings, "PORTAL_PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.value and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.value
        return response


# --- rate limits --------------------------------------------------------------------------------


class RateLimitMiddleware:
    """Per-IP rate limits for views named in settings.PORTAL_RATE_LIMITS ({url_name: "30/m"}).

    Keyed on the URL name so a limit covers every language prefix (/search/, /en/search/) and
    views owned by other apps need no decorator; form views can also use django-ratelimit's
    @ratelimit(..., block=True) directly: both end in settings.RATELIMIT_VIEW (the 429 page).
    The counters live in the default cache; RATELIMIT_FAIL_OPEN lets visitors through when
    Redis is down rather than refusing everyone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django_ratelimit.core import is_ratelimited
        from django_ratelimit.exceptions import Ratelimited

        match = getattr(request, "resolver_match", None)
        limits = getattr(settings, "PORTAL_RATE_LIMITS", {})
        rate = limits.get(match.url_name) if match and match.url_name else None
        if not rate or not getattr(settings, "RATELIMIT_ENABLE", True):
            return None
        if is_ratelimited(request, group=f"portal:{match.url_name}", key="ip", rate=rate, method=is_ratelimited.ALL, increment=True):
            return import_string(settings.RATELIMIT_VIEW)(request, Ratelimited())
        return None


# --- database outage ----------------------------------------------------------------------------

DATABASE_DOWN_ERRORS = (OperationalError, InterfaceError)


def database_is_down(exception: BaseException | None) -> bool:
    """True when `exception` came from an unreachable database, not from one bad query.

    OperationalError also covers query-level failures (an FTS syntax error on SQLite, a statement
    timeout on PostgreSQL): those are bugs to fix, so they stay 500s. A fresh connection, outside
    whatever transaction the failed request was in, tells the two apart.
    """
    if not isinstance(exception, DATABASE_DOWN_ERRORS):
        return False
    probe = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return False
    except DatabaseError:
        return True
    finally:
        try:
            probe.close()
        except DatabaseError:
            pass


def database_unavailable_response() -> HttpResponse:
    """The 503 page, rendered without a request context: context processors (site settings,
    menus) would ask the very database that is down."""
    body = loader.get_template("503.html").render({"STATIC_URL": settings.STATIC_URL})
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that fails because the database is unreachable answers 503 with a friendly page and
    no stack trace. Errors raised outside views reach handler500 (portal.views.server_error),
    which makes the same distinction."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_is_down(exception):
            logger.error("Database unavailable while serving %s: %s", request.path, exception)
            return database_unavailable_response()
        return None
