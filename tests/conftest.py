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
