# Varnish in front of gunicorn: the portal's page cache in production (docs: README "Deploy").
#
# What is cached: anonymous GET/HEAD of public pages, feeds, GeoJSON layers and static files, for
# as long as Django's `Cache-Control: s-maxage` says (portal.cache.CacheControlMiddleware decides,
# with Django's own view of the session). What is passed: anything else, and every request whose
# Cookie header carries a session, a CSRF token or flash messages, wherever in the header and
# however the other cookies are written. Requests that are cached reach Django with no cookies at
# all, so a stored page can only ever be an anonymous one.
#
# Purges: Wagtail's frontend cache (HTTPBackend, portal.cache.VarnishBackend) sends
# `PURGE <path>` from the loopback; every stored variant of that path (any query string, any host
# name) is banned. `X-Purge-All: 1` bans everything.
vcl 4.1;

import std;

# The start script (scripts/serve.sh) rewrites this port to the one gunicorn listens on.
backend default {
    .host = "127.0.0.1";
    .port = "8001";
    .connect_timeout = 2s;
    .first_byte_timeout = 60s;
    .between_bytes_timeout = 10s;
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        if (req.http.X-Purge-All) {
            ban("obj.status != 0");
            return (synth(200, "Purged all"));
        }
        # Lurker-friendly: the ban tests only obj.*, so Varnish can clear it in the background.
        # (No quotes: a ban's argument is compared as written. A path has no spaces, they are
        # percent-encoded.)
        ban("obj.http.X-Url-Path == " + regsub(req.url, "\?.*$", ""));
        return (synth(200, "Purged"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # Signed-in people (sessionid), people holding a form token (csrftoken) or a flash message.
    # A plain substring test: no cookie syntax, valid or not, can hide the name from it.
    if (req.http.Cookie ~ "(sessionid|csrftoken|messages)=") {
        return (pass);
    }
    if (req.url ~ "^/(admin|django-admin|documents)/" || req.url ~ "^/healthz" || req.url ~ "^/(en/)?i18n/" || req.url ~ "^/api/v2/") {
        return (pass);
    }
    # Wagtail's preview and share links are never shared.
    if (req.url ~ "[?&](preview|preview_mode)=") {
        return (pass);
    }

    # Tracking parameters (campaigns, WeChat shares) say nothing about the page: one cached copy.
    if (req.url ~ "(?i)[?&](utm_[^=&]*|from|isappinstalled|spm|share_[^=&]*|fbclid|gclid)=") {
        set req.url = regsuball(req.url, "(?i)([?&])(utm_[^=&]*|from|isappinstalled|spm|share_[^=&]*|fbclid|gclid)=[^&]*", "\1");
        set req.url = regsuball(req.url, "([?&])&+", "\1");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
    set req.url = std.querysort(req.url);

    # The cached answer cannot depend on what Django would read from these: the language is in
    # the path (/en/) and cookies are gone.
    unset req.http.Cookie;
    unset req.http.Accept-Language;
    return (hash);
}

sub vcl_backend_response {
    # Where a ban finds it: the path without its query string.
    set beresp.http.X-Url-Path = regsub(bereq.url, "\?.*$", "");

    if (beresp.http.Set-Cookie || beresp.http.Cache-Control !~ "(s-maxage|public)" || beresp.http.Cache-Control ~ "(private|no-store|no-cache)") {
        # Not for the cache (Django said so, or it sets a cookie): remember that for a short
        # while, so concurrent requests go straight to Django instead of queueing.
        set beresp.uncacheable = true;
        set beresp.ttl = 10s;
        return (deliver);
    }
    if (beresp.status != 200 && beresp.status != 301 && beresp.status != 404 && beresp.status != 410) {
        set beresp.uncacheable = true;
        set beresp.ttl = 10s;
        return (deliver);
    }
    # A time-bound section (upcoming events) may be served this much past its TTL while the fresh
    # copy is fetched; purged pages are gone at once, whatever the grace.
    set beresp.grace = 30s;
    if (beresp.http.Content-Type ~ "^(text/|application/(json|geo\+json|javascript|xml|rss\+xml|atom\+xml|gpx\+xml|vnd\.google-earth\.kml\+xml)|image/svg)") {
        set beresp.do_gzip = true;
    }
    return (deliver);
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.X-Url-Path;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    # Browsers keep pages only to revalidate them (ETag → 304); the shared cache's lifetime is
    # Varnish's business.
    if (resp.http.Cache-Control ~ "s-maxage") {
        set resp.http.Cache-Control = regsuball(resp.http.Cache-Control, ",?\s*s-maxage=\d+", "");
        set resp.http.Cache-Control = regsub(resp.http.Cache-Control, "^\s*,\s*", "");
    }
}
