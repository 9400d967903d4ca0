import os

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache so cached pages/layers never leak between tests."""
    from django.core.cache import cache

    from portal.cache import forget_pending

    cache.clear()
    forget_pending()  # a TestCase's transaction never commits: its changes must not reach the next test
    yield
    cache.clear()
    forget_pending()


@pytest.fixture(autouse=True)
def _chinese_first():
    """Each test starts in the site's default language: a request to /en/ leaves English active in
    the thread (LocaleMiddleware activates, nothing deactivates), which would leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- running on several cores (pytest-xdist, `make test`) ------------------------------------------
# Playwright's sync API keeps an event loop on the thread that started it, for as long as it lives
# (the browser suite's one Chromium lives for the session). Django refuses database calls from a
# thread with a running loop, so a Django test that a worker runs after a browser test would fail.
# The portal has no async code whose safety this check guards.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """The groups `--dist loadgroup` keeps on one worker: every test that drives a browser (one
    Playwright per process, and the browser suite's server built once), the proxy stack (one
    Varnish and gunicorn), and otherwise each file (its classes share their setUpTestData)."""
    from tests.transactional import BrowserTestCase

    for item in items:
        path = item.path.relative_to(config.rootpath).as_posix()
        if path.startswith("tests/browser/") or (item.cls is not None and issubclass(item.cls, BrowserTestCase)):
            group = "browser"
        elif path.startswith("tests/stack/"):
            group = "stack"
        else:
            group = path
        item.add_marker(pytest.mark.xdist_group(group))
