"""Faults: the database down (503 page, /healthz 503, no stack trace), Redis down (the site keeps
serving and picks the cache up again when Redis returns), and error pages that need no database."""

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.template import loader
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings

from portal.factories import MapPageFactory, StandardPageFactory, make_site
from portal.views import server_error

BASE_DIR = Path(__file__).resolve().parent.parent


def database_down():
    """Every query fails as it does when PostgreSQL has gone away."""
    return mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused"))


class DatabaseDownTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        StandardPageFactory(parent=cls.home, title="关于", slug="about")

    def assert_friendly_503(self, response):
        self.assertEqual(response.status_code, 503)
        body = response.content.decode()
        self.assertIn("网站暂时无法访问", body)
        self.assertNotIn("Traceback", body)
        self.assertNotIn("OperationalError", body)
        self.assertNotIn("5432", body)
        self.assertEqual(response["Retry-After"], "60")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn("default-src 'self'", response["Content-Security-Policy"])

    def test_pages_answer_a_friendly_503(self):
        self.assertEqual(self.client.get("/about/").status_code, 200)
        with database_down():
            for url in ["/", "/about/", "/search/?q=塔尔寺", "/api/v2/pages/", "/sitemap.xml", "/no-such-page/"]:
                with self.subTest(url=url):
                    self.assert_friendly_503(self.client.get(url))

    def test_the_middleware_answers_before_handler500(self):
        """DatabaseUnavailableMiddleware turns the view's error into a plain 503 ("Service
        Unavailable" in the log, no traceback); without it handler500 would still answer 503, but
        log every request of an outage as an internal error with a stack trace."""
        with database_down(), self.assertLogs("django.request", "ERROR") as logs:
            self.assert_friendly_503(self.client.get("/about/"))
        self.assertEqual([r.getMessage() for r in logs.records], ["Service Unavailable: /about/"])
        self.assertIsNone(logs.records[0].exc_info)

    def test_healthz_answers_503(self):
        self.assertEqual(self.client.get("/healthz").content, b"ok")
        with database_down():
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)

    def test_failures_outside_views_reach_handler500_and_become_503(self):
        """A database error raised by middleware (sessions, redirects) never reaches
        process_exception; handler500 makes the same call."""
        from portal import urls

        self.assertEqual(urls.handler500, "portal.views.server_error")
        request = RequestFactory().get("/")
        with database_down():
            try:
                raise OperationalError("server closed the connection unexpectedly")
            except OperationalError:
                response = server_error(request)
        self.assertEqual(response.status_code, 503)
        self.assertIn("网站暂时无法访问", response.content.decode())

    def test_a_bad_query_with_the_database_up_stays_a_500(self):
        """OperationalError also means "this query is wrong" (e.g. an FTS syntax error): that is a
        bug to see in the logs, not an outage to hide behind a 503."""
        request = RequestFactory().get("/")
        try:
            raise OperationalError("fts5: syntax error near '\"'")
        except OperationalError:
            response = server_error(request)
        self.assertEqual(response.status_code, 500)
        self.assertIn("抱歉，网站出了点问题", response.content.decode())


class ErrorTemplatesNeedNoDatabaseTests(TestCase):
    def test_error_templates_render_without_queries(self):
        request = RequestFactory().get("/missing/")
        for name, text in [("404.html", "找不到这个页面"), ("500.html", "网站出了点问题"), ("503.html", "网站暂时无法访问"), ("429.html", "请求太频繁")]:
            with self.subTest(template=name), self.assertNumQueries(0):
                html = loader.render_to_string(name, {}, request=request)
                self.assertIn(text, html)
                self.assertIn("/static/portal/css/portal.css", html)
                self.assertNotIn("<script", html)

    def test_404_page_is_used(self):
        make_site()
        response = self.client.get("/no-such-page/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "找不到这个页面", status_code=404)


REAL_OUTAGE_SCRIPT = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.test import Client
    client = Client(raise_request_exception=False)
    out = {}
    for url in ["/healthz", "/", "/routes/", "/search/?q=x", "/api/geo/routes.geojson", "/en/"]:
        r = client.get(url)
        out[url] = [r.status_code, r.content.decode("utf-8", "replace")]
    print("RESULT" + json.dumps(out))
    """
)


class RealDatabaseOutageTests(SimpleTestCase):
    """No mocks: a fresh process whose DATABASE_URL points at a port where nothing listens."""

    def test_unreachable_postgres(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]  # free now, and nothing will listen on it
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update({"DJANGO_SETTINGS_MODULE": "portal.settings.test", "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port}/portal"})
        result = subprocess.run([sys.executable, "-c", REAL_OUTAGE_SCRIPT], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
        line = [x for x in result.stdout.splitlines() if x.startswith("RESULT")]
        self.assertTrue(line, result.stdout + result.stderr)
        answers = json.loads(line[0][6:])
        self.assertEqual(answers["/healthz"], [503, "database unavailable"])
        for url, (status, body) in answers.items():
            if url == "/healthz":
                continue
            with self.subTest(url=url):
                self.assertEqual(status, 503)
                # the page speaks the visitor's language, as the rest of the site does
                self.assertIn("Temporarily unavailable" if url.startswith("/en/") else "网站暂时无法访问", body)
                self.assertNotIn("Traceback", body)
                self.assertNotIn(str(closed_port), body)


def production_cache_settings(redis_url: str) -> dict:
    """CACHES and SESSION_ENGINE as portal/settings/production.py builds them for `redis_url`,
    so the tests use the real configuration rather than a copy that could drift. Evaluated in a
    subprocess: production.py adjusts the DATABASES dict it shares with the other settings modules."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SECRET_KEY": "t" + "0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMN", "REDIS_URL": redis_url})
    code = "import json; from portal.settings import production as p; print(json.dumps({'CACHES': p.CACHES, 'SESSION_ENGINE': p.SESSION_ENGINE}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throwaway redis-server we can stop and start again, on its own port."""

    def __init__(self, port):
        self.port = port
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


class RedisDownTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        MapPageFactory(parent=cls.home)
        StandardPageFactory(parent=cls.home, title="关于", slug="about")

    def overrides(self, port):
        prod = production_cache_settings(f"redis://127.0.0.1:{port}/0")
        self.assertEqual(prod["CACHES"]["default"]["BACKEND"], "django_redis.cache.RedisCache")
        return override_settings(CACHES=prod["CACHES"], SESSION_ENGINE=prod["SESSION_ENGINE"])

    def test_site_serves_with_redis_unreachable(self):
        with self.overrides(free_port()):
            for url in ["/", "/about/", "/map/", "/search/?q=塔尔寺", "/api/geo/routes.geojson", "/api/v2/pages/", "/healthz"]:
                with self.subTest(url=url):
                    started = time.monotonic()
                    response = self.client.get(url)
                    self.assertIn(response.status_code, (200, 404) if "geo" in url else (200,))
                    self.assertLess(time.monotonic() - started, 5)

    def test_admin_login_works_with_redis_unreachable(self):
        from django.contrib.auth.models import User

        User.objects.create_superuser("boss", "b@example.com", "Correct-horse-9")
        with self.overrides(free_port()), override_settings(AXES_ENABLED=True):
            response = self.client.post("/admin/login/", {"username": "boss", "password": "Correct-horse-9"})
            self.assertEqual(response.status_code, 302)
            self.assertEqual(self.client.get("/admin/").status_code, 200)  # the session survives (cached_db)

    @pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
    def test_cache_recovers_when_redis_returns(self):
        redis = RedisServer(free_port())
        redis.start()
        try:
            with self.overrides(redis.port):
                from django.core.cache import cache

                from reports.alerts import CACHE_KEY as key

                cache.clear()
                self.assertEqual(self.client.get("/").status_code, 200)
                self.assertIsNotNone(cache.get(key))  # the alerts in force are kept in Redis

                redis.stop()
                self.assertEqual(self.client.get("/about/").status_code, 200)
                self.assertEqual(self.client.get("/").status_code, 200)
                self.assertEqual(self.client.get("/api/geo/routes.geojson").status_code, 200)
                self.assertIsNone(cache.get(key))

                redis.start()  # an empty Redis, as after a restart
                self.assertEqual(self.client.get("/").status_code, 200)
                self.assertIsNotNone(cache.get(key))  # used again
        finally:
            redis.stop()
