"""Settings shared by every environment.

The embedded default (this file + dev.py) needs nothing installed or started: SQLite, local
media, local-memory cache. Production swaps those for PostgreSQL, Redis and optional S3 storage
through environment variables only (see production.py), so the same code runs everywhere.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]

INSTALLED_APPS = [
    "portal",
    "routes",
    "homestays",
    "products",
    "news",
    "reports",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "leaflet",
    "axes",
    # Two-factor sign-in to the admin (portal/twofactor.py): authenticator apps and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Wagtail's admin writes times with humanize's naturaltime ("2 分钟之前"); the app being
    # installed is what loads humanize's translations (English otherwise).
    "django.contrib.humanize",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # First, so it sees every cookie the middleware below sets: whether a shared cache (Varnish,
    # a CDN) may keep the response (portal/cache.py).
    "portal.cache.CacheControlMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # ETags on pages, 304 for a browser that has the page already.
    "django.middleware.http.ConditionalGetMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # 400 for NUL bytes and broken UTF-8 before any view or database sees them (portal/request_checks.py).
    "portal.request_checks.MalformedRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(), then the admin closed to sessions that still owe their second factor.
    "django_otp.middleware.OTPMiddleware",
    "portal.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The admin request, for the workflow-decision messages (portal/admin_ux.py).
    "portal.admin_ux.CurrentRequestMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "portal.middleware.RateLimitMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

# SQLite file by default; DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/portal) overrides.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first, English second (under /en/).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
# WhiteNoise does not know the web app manifest's type (portal/static/portal/icons/site.webmanifest).
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}
MEDIA_ROOT = Path(os.environ.get("PORTAL_MEDIA_ROOT") or BASE_DIR / "media")
# Files no URL serves directly (visitors' report photos): a view decides who may see each.
PORTAL_PRIVATE_MEDIA_ROOT = Path(os.environ.get("PORTAL_PRIVATE_MEDIA_ROOT") or BASE_DIR / "private")
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "portal",
    }
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Page cache: a reverse proxy in front of the portal (deploy/varnish/portal.vcl) keeps anonymous
# pages this long (s-maxage) unless purged first; it bounds time-based sections (upcoming events).
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# Purges through Wagtail's frontend cache (portal.cache): PORTAL_VARNISH_URL is where Varnish
# listens, e.g. http://127.0.0.1:8000. Without it nothing is purged (and nothing is cached).
WAGTAILFRONTENDCACHE = {}
if os.environ.get("PORTAL_VARNISH_URL"):
    WAGTAILFRONTENDCACHE["varnish"] = {"BACKEND": "portal.cache.VarnishBackend", "LOCATION": os.environ["PORTAL_VARNISH_URL"]}
# Translations are pages of their own, purged as such: no /<language>/ copies of every URL.
WAGTAILFRONTENDCACHE_LANGUAGES: list[str] = []

WAGTAIL_SITE_NAME = "西宁乡村文旅门户"
# ASCII slugs: a Chinese title gets a pinyin slug on the server (portal.slugs), not a
# percent-encoded one that looks broken when shared; the admin's JS then never writes Chinese.
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Chinese-aware search on the database (jieba segmentation over SQLite FTS5 / PostgreSQL full text);
# production.py can switch to Elasticsearch/OpenSearch with a Chinese analyzer (README, "Search").
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "portal.search.backend"},
}
# Search-box suggestions (/search/autocomplete/) per address; a typist sends one request per pause.
PORTAL_AUTOCOMPLETE_RATE = os.environ.get("PORTAL_AUTOCOMPLETE_RATE", "120/m")
WAGTAILDOCS_EXTENSIONS = ["csv", "gpx", "kml", "pdf", "txt", "xlsx"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
# Formats of the pictures' renditions, best first, WebP (the <img>) last; AVIF is skipped where
# Pillow cannot write it (portal/images.py).
PORTAL_PICTURE_FORMATS = ["avif", "webp"]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
# The image form asks for a description: it is the picture's alt text everywhere (portal.image_forms).
WAGTAILIMAGES_IMAGE_FORM_BASE = "portal.image_forms.ImageForm"
# The API's absolute URLs (meta.detail_url, /api/v2/pages/find/, image full_url) use the host the
# request came to (portal.api), unless WAGTAILADMIN_BASE_URL is set in the environment: then that
# canonical address, as for admin e-mails (docs/deployment.md).
WAGTAILAPI_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL") or None
# Route uploads mostly outside this box (WGS-84 min lon, min lat, max lon, max lat; Xining
# municipality by default) plus the margin are refused unless the editor ticks "leaves Xining".
if os.environ.get("PORTAL_REGION_BBOX"):
    PORTAL_REGION_BBOX = tuple(float(v) for v in os.environ["PORTAL_REGION_BBOX"].split(","))
PORTAL_REGION_MARGIN_KM = float(os.environ.get("PORTAL_REGION_MARGIN_KM", "30"))

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@xining-rural.example")

# Map: Leaflet from django-leaflet's vendored static files. Tiles come from a configurable
# provider (see portal/tiles.py); these are only the defaults for the page maps.
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (36.65, 101.55),
    "DEFAULT_ZOOM": 9,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
    "TILES": [],
    "ATTRIBUTION_PREFIX": "",
}
# Tile provider: "osm" (development default), "tianditu" (needs PORTAL_TIANDITU_KEY),
# "gaode" (GCJ-02, our WGS-84 data is shifted to match) or "custom" (PORTAL_TILE_URL).
PORTAL_TILE_PROVIDER = os.environ.get("PORTAL_TILE_PROVIDER", "osm")
PORTAL_TIANDITU_KEY = os.environ.get("PORTAL_TIANDITU_KEY", "")
PORTAL_TILE_URL = os.environ.get("PORTAL_TILE_URL", "")
PORTAL_TILE_ATTRIBUTION = os.environ.get("PORTAL_TILE_ATTRIBUTION", "")
# Offline route packs copy the corridor's tiles from a custom tile server; "0" when its licence forbids it.
PORTAL_TILE_OFFLINE_PACKS = os.environ.get("PORTAL_TILE_OFFLINE_PACKS", "1") != "0"
# A map layer of at most this many features is sent whole, once, and clustered by the phone
# (Leaflet.markercluster); a larger one is sent view by view, clustered by the server
# (portal.views.geo_layer). 500 points stay well under 150 KB compressed.
PORTAL_LAYER_WHOLE = int(os.environ.get("PORTAL_LAYER_WHOLE", "500"))
# Closer than a layer's cluster_below, a view's points come alone unless there are more than this
# many (a whole county asked for at street zoom): then they are clustered too, at that zoom's grid.
PORTAL_VIEW_POINTS = int(os.environ.get("PORTAL_VIEW_POINTS", "1000"))

# --- Security (see README "Security and operations 安全与运维") ---------------------------------
# Logins: django-axes first, keyed on username AND address together, so an attacker hammering one
# account locks only that account from that address, never everyone (tests/test_security_login.py).
# AxesBackend rather than AxesStandaloneBackend: it can also load a session's user, as Wagtail's
# test utilities expect of AUTHENTICATION_BACKENDS[0].
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "portal.middleware.client_ip"
# How many reverse proxies (nginx, a load balancer) append to X-Forwarded-For in front of gunicorn.
# 0 trusts only REMOTE_ADDR. See portal.middleware.client_ip.
PORTAL_TRUSTED_PROXY_COUNT = int(os.environ.get("PORTAL_TRUSTED_PROXY_COUNT", "0"))

# Two-factor sign-in (portal/twofactor.py): off here, so development and the test suites sign in
# with a password alone; production.py turns it on for superusers and these groups (owners may enrol).
PORTAL_REQUIRE_2FA = False
PORTAL_2FA_GROUPS = ("Editors", "Moderators")
OTP_TOTP_ISSUER = "西宁乡村文旅门户"

# Admin sessions end after 8 hours or when the browser closes.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Headers. SecurityMiddleware: nosniff, Referrer-Policy; XFrameOptionsMiddleware: DENY (Wagtail's
# preview iframe opts itself back to SAMEORIGIN); portal.middleware: CSP and Permissions-Policy.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
PORTAL_PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), serial=(), bluetooth=()"
# The public site: our own scripts and styles only, no inline code; the tile hosts of the site's
# provider are added to img-src per request (portal.middleware.ContentSecurityPolicyMiddleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The Wagtail admin writes inline scripts (InlinePanel, date pickers) and inline styles, shows
# previews in a same-origin iframe and image previews from blob: URLs.
PORTAL_ADMIN_URL_PREFIX = "/admin/"
PORTAL_ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}
# The admin asks no other host for anything: no gravatar.com avatars, no releases.wagtail.org
# update check (both blocked by the policy above, and often unreachable from mainland China).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The "What's new in Wagtail" banner links to an English guide; the help menu and the dashboard
# link the portal's Chinese guide instead (portal/wagtail_hooks.py).
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Autosave is off: in Wagtail 8.0 it re-posts newly added InlinePanel children (route stops,
# homestay rooms) without their new ids, so every autosave cycle duplicates them
# (wagtail/wagtail#14568, open). tests/test_routes_browser.py catches it coming back.
WAGTAIL_AUTOSAVE_INTERVAL = 0

# Rate limits (django-ratelimit): per-IP limits for named views, the 429 page for all of them.
# Redis down → counters unavailable → let visitors through rather than refuse everyone.
PORTAL_RATE_LIMITS = {"search": os.environ.get("PORTAL_SEARCH_RATE", "30/m")}
RATELIMIT_VIEW = "portal.views.ratelimited"
RATELIMIT_IP_META_KEY = "portal.middleware.client_ip"
RATELIMIT_FAIL_OPEN = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
