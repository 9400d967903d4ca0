"""Production: everything comes from the environment; nothing insecure is defaulted."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403

DEBUG = False

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Production refuses to start without a secret key: "
        'export DJANGO_SECRET_KEY="$(python -c "import secrets; print(secrets.token_urlsafe(50))")"'
    )
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
    # The same test as Django's security.W009: a guessable key lets anyone forge sessions and
    # password-reset links, so production refuses it rather than warning.
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak: use at least 50 random characters, e.g. "
        'export DJANGO_SECRET_KEY="$(python -c "import secrets; print(secrets.token_urlsafe(50))")"'
    )

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # A Redis outage degrades to "no cache", never to a 500.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    # S3-compatible media (e.g. Aliyun OSS, Tencent COS, MinIO) through django-storages.
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_QUERYSTRING_AUTH = False
    AWS_DEFAULT_ACL = None

WHITENOISE_MAX_AGE = 3600

# Search: the database with jieba segmentation (base.py) unless SEARCH_BACKEND_URL names an
# Elasticsearch 8 cluster (or OpenSearch, with SEARCH_BACKEND=wagtail.search.backends.opensearch2)
# that has a Chinese analysis plugin: SEARCH_ANALYZER=ik (analysis-ik, the default) or smartcn.
# Needs `pip install "elasticsearch>=8,<9"` (or opensearch-py); README "Search 搜索".
SEARCH_BACKEND_URL = os.environ.get("SEARCH_BACKEND_URL", "")
if SEARCH_BACKEND_URL:
    _tokenizers = {"ik": ("ik_max_word", "ik_smart"), "smartcn": ("smartcn_tokenizer", "smartcn_tokenizer")}
    _index_tokenizer, _search_tokenizer = _tokenizers[os.environ.get("SEARCH_ANALYZER", "ik")]
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": os.environ.get("SEARCH_BACKEND", "wagtail.search.backends.elasticsearch8"),
            "URLS": [u.strip() for u in SEARCH_BACKEND_URL.split(",") if u.strip()],
            "INDEX_PREFIX": os.environ.get("SEARCH_INDEX_PREFIX", "xining_portal_"),
            "TIMEOUT": 5,
            "INDEX_SETTINGS": {
                "settings": {
                    "analysis": {
                        "analyzer": {
                            "default": {"type": "custom", "tokenizer": _index_tokenizer, "filter": ["lowercase"]},
                            "default_search": {"type": "custom", "tokenizer": _search_tokenizer, "filter": ["lowercase"]},
                            "edgengram_analyzer": {"type": "custom", "tokenizer": _index_tokenizer, "filter": ["lowercase", "edgengram"]},
                        }
                    }
                }
            },
        }
    }

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "1") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# Two-factor sign-in to the admin for superusers, Editors and Moderators (portal/twofactor.py,
# docs/operations.md). PORTAL_REQUIRE_2FA=0 only for a throw-away stack without real accounts.
PORTAL_REQUIRE_2FA = os.environ.get("PORTAL_REQUIRE_2FA", "1") != "0"

# `make bench` only: no nginx in front, so Django serves /media/ (portal/urls_media.py).
if os.environ.get("PORTAL_SERVE_MEDIA") == "1":
    ROOT_URLCONF = "portal.urls_media"
