"""Security headers, deploy settings, rate limits, honeypot and escaping of visitor input.

Each test here fails when its protection is removed: the CSP middleware, the Permissions-Policy
middleware, the header settings, the production key checks, the rate-limit middleware and the
honeypot. Pages with inline code are found by tests/test_security_pages.py (a crawl of the demo
site) and CSP violations in a real browser by tests/test_security_browser.py.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from django import forms
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited
from django_ratelimit.middleware import RatelimitMiddleware
from wagtail.models import Site

from portal.factories import MapPageFactory, StandardPageFactory, make_site
from portal.forms import HoneypotMixin
from portal.middleware import client_ip, tile_sources
from portal.models import PortalSettings
from portal.tiles import tile_config

BASE_DIR = Path(__file__).resolve().parent.parent
STRONG_KEY = "k3Y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"


def csp(response, header="Content-Security-Policy") -> dict[str, list[str]]:
    """The policy as {directive: [sources]}."""
    value = response.get(header)
    assert value, f"no {header} header"
    policy = {}
    for part in value.split(";"):
        tokens = part.split()
        if tokens:
            policy[tokens[0]] = tokens[1:]
    return policy


class ContentSecurityPolicyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.map = MapPageFactory(parent=cls.home)
        cls.about = StandardPageFactory(parent=cls.home, title="关于", slug="about")
        cls.admin = User.objects.create_superuser("boss", "boss@example.com", "pw")

    def test_public_pages_allow_only_own_scripts_and_styles(self):
        for url in ["/", "/map/", "/about/", "/search/?q=塔尔寺", "/en/search/", "/no-such-page/"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                policy = csp(response)
                self.assertEqual(policy["default-src"], ["'self'"])
                self.assertEqual(policy["script-src"], ["'self'"])
                self.assertEqual(policy["style-src"], ["'self'"])
                self.assertEqual(policy["frame-ancestors"], ["'none'"])
                self.assertEqual(policy["object-src"], ["'none'"])
                self.assertEqual(policy["base-uri"], ["'self'"])
                self.assertNotIn("unsafe-inline", response["Content-Security-Policy"])
                self.assertNotIn("unsafe-eval", response["Content-Security-Policy"])

    def test_img_src_has_the_default_osm_tile_host(self):
        policy = csp(self.client.get("/map/"))
        self.assertEqual(policy["img-src"], ["'self'", "data:", "https://tile.openstreetmap.org"])

    @override_settings(PORTAL_TILE_PROVIDER="tianditu", PORTAL_TIANDITU_KEY="abc")
    def test_img_src_follows_tianditu_setting(self):
        img = csp(self.client.get("/map/"))["img-src"]
        self.assertEqual([s for s in img if "tianditu" in s], [f"https://t{n}.tianditu.gov.cn" for n in range(8)])
        self.assertNotIn("https://tile.openstreetmap.org", img)

    @override_settings(PORTAL_TILE_PROVIDER="gaode")
    def test_img_src_follows_gaode_setting(self):
        img = csp(self.client.get("/map/"))["img-src"]
        self.assertEqual([s for s in img if "autonavi" in s], [f"https://webrd0{n}.is.autonavi.com" for n in range(1, 5)])

    @override_settings(PORTAL_TILE_PROVIDER="custom", PORTAL_TILE_URL="https://tiles.example.cn:8443/xn/{z}/{x}/{y}.png")
    def test_img_src_follows_custom_tile_url(self):
        img = csp(self.client.get("/map/"))["img-src"]
        self.assertIn("https://tiles.example.cn:8443", img)
        self.assertNotIn("https://tile.openstreetmap.org", img)

    def test_img_src_allows_an_external_media_host(self):
        """With S3-compatible storage, uploaded images come from the bucket's host."""
        from django.conf import settings

        storages = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"base_url": "https://img.example.cn/portal/"}},
        }
        with override_settings(STORAGES=storages):
            img = csp(self.client.get("/about/"))["img-src"]
        self.assertIn("https://img.example.cn", img)
        self.assertNotIn("https://img.example.cn", csp(self.client.get("/about/"))["img-src"])

    def test_img_src_follows_the_editors_site_setting(self):
        settings_row = PortalSettings.for_site(Site.objects.get(is_default_site=True))
        settings_row.tile_provider = "gaode"
        settings_row.save()
        img = csp(self.client.get("/map/"))["img-src"]
        self.assertIn("https://webrd01.is.autonavi.com", img)

    def test_json_responses_get_the_static_policy(self):
        response = self.client.get("/api/v2/pages/")
        self.assertEqual(csp(response)["default-src"], ["'self'"])
        self.assertEqual(csp(response)["frame-ancestors"], ["'none'"])

    def test_admin_gets_a_workable_policy(self):
        """Wagtail's admin needs inline script and style, and frames its own previews."""
        self.client.force_login(self.admin)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 200)
        policy = csp(response)
        self.assertEqual(policy["script-src"], ["'self'", "'unsafe-inline'"])
        self.assertEqual(policy["frame-ancestors"], ["'self'"])
        self.assertEqual(policy["object-src"], ["'none'"])
        self.assertIn("https://tile.openstreetmap.org", policy["img-src"])  # the admin map widget
        self.assertNotIn("gravatar", response.content.decode())

    def test_admin_login_page_has_the_admin_policy_without_login(self):
        policy = csp(self.client.get("/admin/login/"))
        self.assertIn("'unsafe-inline'", policy["script-src"])


class TileSourceTests(SimpleTestCase):
    def test_expands_subdomains_and_skips_relative_urls(self):
        self.assertEqual(tile_sources(tile_config(None)), ["https://tile.openstreetmap.org"])
        config = {"layers": [{"url": "https://{s}.tiles.example.org/{z}/{x}/{y}.png", "options": {}}, {"url": "/tiles/{z}/{x}/{y}.png"}]}
        self.assertEqual(tile_sources(config), ["https://a.tiles.example.org", "https://b.tiles.example.org", "https://c.tiles.example.org"])

    def test_credentials_in_a_custom_url_are_not_copied_into_the_header(self):
        config = {"layers": [{"url": "https://user:secret@tiles.example.org/{z}/{x}/{y}.png", "options": {}}]}
        self.assertEqual(tile_sources(config), ["https://tiles.example.org"])


class HeaderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()

    def test_security_headers_on_pages_api_and_errors(self):
        for url in ["/", "/api/v2/pages/", "/api/geo/nothing.geojson", "/no-such-page/", "/healthz"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response["Referrer-Policy"], "strict-origin-when-cross-origin")
                self.assertEqual(response["X-Frame-Options"], "DENY")
                self.assertEqual(response["Permissions-Policy"].split(", ")[0], "geolocation=(self)")
                self.assertIn("camera=()", response["Permissions-Policy"])

    def test_shareable_pages_carry_every_header(self):
        """The proxy stores a page with its headers: the security headers must be on it already."""
        response = self.client.get("/")
        self.assertIn("public", response["Cache-Control"])
        for header in ("Content-Security-Policy", "Permissions-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"):
            self.assertTrue(response.has_header(header), header)

    def test_sessions_expire(self):
        from django.conf import settings

        self.assertLessEqual(settings.SESSION_COOKIE_AGE, 12 * 3600)
        self.assertTrue(settings.SESSION_EXPIRE_AT_BROWSER_CLOSE)
        self.assertTrue(settings.SESSION_COOKIE_HTTPONLY)

    def test_password_validators_reject_weak_passwords(self):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        for weak in ["12345678", "password", "abc", "changeme"]:
            with self.subTest(password=weak), self.assertRaises(ValidationError):
                validate_password(weak)
        validate_password("河湟谷地-Qinghai-2024!")


class ClientIpTests(SimpleTestCase):
    def request(self, remote="10.0.0.1", forwarded=None):
        meta = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            meta["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().get("/", **meta)

    def test_forwarded_for_is_ignored_without_trusted_proxies(self):
        self.assertEqual(client_ip(self.request(forwarded="1.2.3.4")), "10.0.0.1")

    @override_settings(PORTAL_TRUSTED_PROXY_COUNT=1)
    def test_only_the_entry_our_proxy_added_counts(self):
        # A client-supplied "6.6.6.6" to the left cannot choose the address we key on.
        self.assertEqual(client_ip(self.request("127.0.0.1", "6.6.6.6, 203.0.113.9")), "203.0.113.9")
        self.assertEqual(client_ip(self.request("127.0.0.1", "not-an-ip")), "127.0.0.1")
        self.assertEqual(client_ip(self.request("127.0.0.1")), "127.0.0.1")


def run_manage(args, env_extra, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings.production", "DATABASE_URL": "sqlite:////tmp/portal-deploy-check.sqlite3"})
    env.update(env_extra)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout)


class DeploySettingsTests(SimpleTestCase):
    def test_check_deploy_reports_nothing(self):
        result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], {"DJANGO_SECRET_KEY": STRONG_KEY})
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_refuses_to_start_without_a_secret_key(self):
        result = run_manage(["check"], {})
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY is not set", result.stderr)
        self.assertIn("secrets.token_urlsafe", result.stderr)  # says how to make one

    def test_refuses_a_weak_secret_key(self):
        for weak in ["x", "changeme" * 3, "a" * 60, "django-insecure-" + STRONG_KEY]:
            with self.subTest(key=weak[:20]):
                result = run_manage(["check"], {"DJANGO_SECRET_KEY": weak})
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("DJANGO_SECRET_KEY is too weak", result.stderr)


class RateLimitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()

    @override_settings(PORTAL_RATE_LIMITS={"search": "3/m"})
    def test_search_is_rate_limited_per_address_with_a_friendly_page(self):
        for _ in range(3):
            self.assertEqual(self.client.get("/search/", {"q": "塔尔寺"}).status_code, 200)
        response = self.client.get("/en/search/", {"q": "Kumbum"})  # same limit in every language
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response["Retry-After"], "60")
        body = response.content.decode()
        self.assertIn("Too many requests", body)  # the friendly page, in the language of the URL
        self.assertNotIn("Traceback", body)
        self.assertIn("请求太频繁", self.client.get("/search/", {"q": "塔尔寺"}).content.decode())
        # Another address is not affected.
        self.assertEqual(self.client.get("/search/", {"q": "塔尔寺"}, REMOTE_ADDR="198.51.100.7").status_code, 200)

    def test_ratelimit_decorator_ends_in_the_same_429_page(self):
        """Form views (the homestay inquiry) use django-ratelimit's decorator; its exception must
        become the 429 page through the installed middleware, not Django's 403."""
        view = ratelimit(key="ip", rate="1/m", block=True)(lambda request: HttpResponse("ok"))
        self.assertEqual(view(RequestFactory().post("/x/", REMOTE_ADDR="192.0.2.1")).status_code, 200)
        request = RequestFactory().post("/x/", REMOTE_ADDR="192.0.2.1")
        with self.assertRaises(Ratelimited) as caught:
            view(request)
        response = RatelimitMiddleware(lambda r: None).process_exception(request, caught.exception)
        self.assertEqual(response.status_code, 429)
        self.assertIn("请求太频繁", response.content.decode())

    def test_middleware_is_installed(self):
        from django.conf import settings

        self.assertIn("django_ratelimit.middleware.RatelimitMiddleware", settings.MIDDLEWARE)
        self.assertIn("portal.middleware.RateLimitMiddleware", settings.MIDDLEWARE)


class HoneypotForm(HoneypotMixin, forms.Form):
    name = forms.CharField()


class HoneypotTests(SimpleTestCase):
    def test_empty_trap_passes_and_is_not_in_cleaned_data(self):
        form = HoneypotForm({"name": "卓玛", "website": ""})
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data, {"name": "卓玛"})
        self.assertFalse(form.honeypot_triggered())

    def test_filled_trap_fails_with_a_neutral_message(self):
        form = HoneypotForm({"name": "bot", "website": "http://spam.example"})
        self.assertTrue(form.honeypot_triggered())
        self.assertFalse(form.is_valid())
        self.assertEqual(form.non_field_errors().as_data()[0].code, "honeypot")

    def test_trap_is_hidden_without_css_or_inline_style(self):
        html = str(HoneypotForm())
        trap = re.search(r'<div class="form-trap" hidden>.*?</div>', html, re.S)
        self.assertIsNotNone(trap, html)
        self.assertIn('name="website"', trap.group(0))
        self.assertIn('tabindex="-1"', trap.group(0))
        self.assertIn('autocomplete="off"', trap.group(0))
        self.assertNotIn("style=", html)
        # No visible label for the trap outside its hidden wrapper.
        self.assertEqual(html.count("<label"), 2)

    def test_prefixed_forms(self):
        form = HoneypotForm({"inq-name": "x", "inq-website": "spam"}, prefix="inq")
        self.assertTrue(form.honeypot_triggered())
        self.assertFalse(form.is_valid())


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'


class EscapingTests(TestCase):
    """What a visitor types is echoed only escaped. Inquiries (the other public form) are covered
    in tests/test_security_inquiries.py once the homestays app has them."""

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()

    def test_search_query_is_escaped_in_title_field_and_message(self):
        response = self.client.get("/search/", {"q": XSS})
        body = response.content.decode()
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("<script>alert", body)
        self.assertNotIn("<img src=x", body)
        self.assertIn("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;", body)
        self.assertNotRegex(body, r"value=\"[^\"]*<script")
