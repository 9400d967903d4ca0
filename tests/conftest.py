import os

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test databases, with their migrated state kept as soon as they exist
    (tests/transactional.FromMigratedState), before any test of a worker can start Playwright."""
    from tests.transactional import keep_serialized_state

    keep_serialized_state()


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


def pytest_sessionfinish(session):
    from tests.demo_db import discard
    from tests.transactional import stop_playwright

    stop_playwright()
    discard()


# Real browsers and the proxy stack are most of the suite's time: `make test` drives Chromium through
# these journeys as a smoke test, and `make test-all` (CI) runs every browser and stack test.
BROWSER_SMOKE = {"tests/browser/test_journeys.py", "tests/browser/test_map_browser.py"}


def slow_by_path(path: str) -> bool:
    if path.startswith("tests/stack/"):
        return True
    if path.startswith("tests/browser/"):
        return path not in BROWSER_SMOKE
    return path.startswith("tests/test_") and path.endswith("_browser.py")  # live-server browser tests


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook turns the marks into group names
def pytest_collection_modifyitems(config, items):
    """Browser and stack tests beyond the smoke journeys join the slow tier, and so do the
    desktop-size browser checks. The groups `--dist loadgroup` keeps on
    one worker: each file (its classes share their setUpTestData, and some files share a media
    folder between their classes), the proxy stack (one Varnish and gunicorn), and the browser
    page checks once per screen size. Every worker that runs a real-browser test builds its own
    demo server."""
    for item in items:
        path = item.path.relative_to(config.rootpath).as_posix()
        params = item.callspec.params if hasattr(item, "callspec") else {}
        if slow_by_path(path) or (path.startswith("tests/browser/") and params.get("viewport") == "desktop"):
            item.add_marker(pytest.mark.slow)
        if path.startswith("tests/stack/"):
            group = "stack"
        elif path == "tests/browser/test_pages.py":
            group = f"{path}:{params.get('viewport')}"
        else:
            group = path
        item.add_marker(pytest.mark.xdist_group(group))
