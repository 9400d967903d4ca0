"""A clean start for transactional tests (live-server browser tests, backup round trips)."""

import json
import os
import shutil
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connections

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


_SERIALIZED: dict[str, str] = {}
_PLAYWRIGHT = []


def shared_playwright():
    """The process's one Playwright, started on first use and stopped at the end of the session
    (tests/conftest.py). Its sync API keeps an event loop on the main thread while it lives, so a
    second one cannot start beside it: the live-server classes and the browser suite's session
    share this one, in whatever order a pytest-xdist worker runs them."""
    if not _PLAYWRIGHT:
        from playwright.sync_api import sync_playwright

        _PLAYWRIGHT.append(sync_playwright().start())
    return _PLAYWRIGHT[0]


def stop_playwright():
    while _PLAYWRIGHT:
        _PLAYWRIGHT.pop().stop()


def _flush(alias, patience=10.0):
    """Empty the database, waiting out a live-server thread still answering the previous test's
    last request: on SQLite's shared in-memory database its open read holds a table lock, and the
    flush fails with "database table is locked" until that request ends."""
    deadline = time.monotonic() + patience
    while True:
        try:
            # Sequences kept as Django's own teardown keeps them: the reloaded rows take the low ids.
            call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True, reset_sequences=False, database=alias)
            return
        except CommandError as error:
            locked = isinstance(error.__cause__, OperationalError) and "locked" in str(error.__cause__)
            if not locked or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def keep_serialized_state(aliases=None):
    """Keep each test database's serialized migrated state here the first time it is seen, and
    give it back to a connection object that lacks it (see FromMigratedState)."""
    for alias in aliases or list(connections):
        serialized = getattr(connections[alias], "_test_serialized_contents", None)
        if serialized:
            _SERIALIZED.setdefault(alias, serialized)
        elif alias in _SERIALIZED:
            connections[alias]._test_serialized_contents = _SERIALIZED[alias]


class FromMigratedState:
    """For transactional tests: start from exactly what migrations made (root page, Editors and
    Moderators with their permissions, the root collection), whatever the previous transactional
    test left.

    Django's serialized rollback alone is fragile here: a previous test's flush may have re-created
    the content types (colliding with the serialized ones), and Wagtail's Task.__init__ looks up its
    content type while the tasks are deserialized, before the content types are (creating one with
    a new id when the ContentType cache is cold). So: empty everything, put the serialized content
    types back first, warm the cache with them, then let Django load the rest; the cache is left
    warm and right for the next transactional test.

    The serialized state is also kept here, per database alias, as soon as the test database exists
    (tests/conftest.py), whichever test runs first on a pytest-xdist worker: once a
    test class has started Playwright's sync API (an event loop on the main thread), Django's
    connection handler may give later tests a new connection object that lacks it, and those tests
    would start from an empty database.
    """

    serialized_rollback = True

    @classmethod
    def _keep_serialized_state(cls):
        keep_serialized_state(cls._databases_names(include_mirrors=False))

    @classmethod
    def setUpClass(cls):
        cls._keep_serialized_state()  # before a subclass starts Playwright
        super().setUpClass()

    @classmethod
    def _put_back_content_types(cls, alias):
        serialized = getattr(connections[alias], "_test_serialized_contents", None)
        if serialized:
            content_types = [row for row in json.loads(serialized) if row["model"] == "contenttypes.contenttype"]
            for obj in serializers.deserialize("json", json.dumps(content_types), using=alias):
                obj.save(using=alias)
        ContentType.objects.clear_cache()
        for content_type in ContentType.objects.using(alias):
            ContentType.objects._add_to_cache(alias, content_type)
        return serialized

    @classmethod
    def _fixture_setup(cls):
        cls._keep_serialized_state()
        for alias in cls._databases_names(include_mirrors=False):
            _flush(alias)
            cls._put_back_content_types(alias)
        super()._fixture_setup()

    def _fixture_teardown(self):
        """Django's teardown empties the database; the migrated state goes back in after it, so an
        ordinary TestCase can follow on the same pytest-xdist worker (Django's own runner would run
        every TestCase first, but a worker runs the files it is given in the order it gets them)."""
        super()._fixture_teardown()
        for alias in self._databases_names(include_mirrors=False):
            serialized = self._put_back_content_types(alias)
            if serialized:
                connections[alias].creation.deserialize_db_from_string(serialized)


class BrowserTestCase(FromMigratedState, StaticLiveServerTestCase):
    """A live server from the migrated state, and one Debian Chromium (driven by Playwright) per class.

    Skips, saying why, where Playwright or Chromium is missing (`make browser-deps` installs it).
    """

    chromium_args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

    @classmethod
    def setUpClass(cls):
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:  # pragma: no cover - playwright is in requirements-test.txt
            raise pytest.skip.Exception("playwright is not installed", allow_module_level=True) from None
        if not os.path.exists(CHROMIUM):
            raise pytest.skip.Exception("chromium is not installed (make browser-deps)")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
        super().setUpClass()
        cls.browser = shared_playwright().chromium.launch(executable_path=CHROMIUM, args=cls.chromium_args)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        super().tearDownClass()
