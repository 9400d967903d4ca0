"""Tests run on SQLite unless DATABASE_URL names another database (CI runs both)."""

import os

from .base import *  # noqa: F401,F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# one folder per pytest-xdist worker: a test that empties its media folder must not empty another's
MEDIA_ROOT = BASE_DIR / "artifacts" / f"test-media{os.environ.get('PYTEST_XDIST_WORKER', '')}"  # noqa: F405
PORTAL_PRIVATE_MEDIA_ROOT = BASE_DIR / "artifacts" / f"test-private{os.environ.get('PYTEST_XDIST_WORKER', '')}"  # noqa: F405

# WebP renditions only: AVIF encoding is the slowest step of a first page view, and the suite makes
# thousands of renditions. tests/test_images.py turns AVIF back on to test the <picture> sources.
PORTAL_PICTURE_FORMATS = ["webp"]

# Serve static files straight from the apps (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Django's test Client.login() calls authenticate() without a request, which django-axes refuses;
# tests/test_security_login.py switches axes back on to test the lockout through real requests.
AXES_ENABLED = False
