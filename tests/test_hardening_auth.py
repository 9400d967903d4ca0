"""Issue 22, items 6, 9 and 11: NUL bytes and broken UTF-8 answer 400 everywhere; editors may change
门户设置 (the map tiles) and owners may not; staff sign in to the admin with a second factor.

All over HTTP with the Django test client, on SQLite and PostgreSQL (PostgreSQL is where a NUL used
to reach a query and give a 500).
"""

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.test import TestCase, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Page, Site

from homestays.owners import owners_group
from portal.factories import make_site
from portal.models import PortalSettings
from portal.registry import registry
from portal.twofactor import RECOVERY_CODE_COUNT, new_recovery_codes
from tests.demo_db import load_demo

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-staple"

# What a broken request carries: a NUL, a lone surrogate (UTF-8 of U+D800 / U+DFFF), bytes that
# are not UTF-8 at all, a truncated sequence and an overlong encoding of "/".
BAD_QUERY_VALUES = ["a%00", "%00", "%ED%A0%80", "x%ED%BF%BF", "%FF", "%C3", "%C0%AF", "%E5%A1"]
BAD_PATH_SEGMENTS = ["%00", "a%00b", "%ED%A0%80", "%FF%FE"]


# --- item 6: NUL bytes and unpaired surrogates ---------------------------------------------------


@override_settings(PORTAL_RATE_LIMITS={}, RATELIMIT_ENABLE=False)
class MalformedRequestTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()

    def urls(self):
        """Every kind of public and API URL: each live page (all page types, both languages), search,
        suggestions, the API's pages/images/find, each map layer, the feeds and the sitemap."""
        pages = [page.url for page in Page.objects.live().public().specific() if page.url]
        self.assertGreater(len(pages), 20)
        fixed = [
            "/search/",
            "/en/search/",
            "/search/autocomplete/",
            "/en/search/autocomplete/",
            "/api/v2/pages/",
            "/api/v2/pages/find/",
            "/api/v2/images/",
            "/api/v2/documents/",
            "/news/feed/rss/",
            "/news/feed/atom/",
            "/news/events.ics",
            "/sitemap.xml",
            "/robots.txt",
            "/healthz",
        ]
        layers = [f"/api/geo/{name}.geojson" for name in sorted(registry.layers)]
        self.assertTrue(layers)
        return sorted(set(pages)) + fixed + layers

    def assertRefused(self, response, what):
        self.assertEqual(response.status_code, 400, what)
        self.assertTrue(response["Content-Type"].startswith("text/plain"), what)
        body = response.content.decode()
        self.assertIn("无效字符", body, what)
        self.assertIn("invalid characters", body, what)

    def test_the_reported_500s(self):
        self.assertRefused(self.client.get("/search/autocomplete/?q=a%00"), "autocomplete")
        self.assertRefused(self.client.get("/api/v2/pages/find/?html_path=%00"), "find")

    def test_every_url_refuses_bad_query_strings(self):
        for url in self.urls():
            for value in BAD_QUERY_VALUES:
                with self.subTest(url=url, value=value):
                    self.assertRefused(self.client.get(f"{url}?q={value}"), (url, value))
            # the bad bytes in a parameter's name, or behind a good parameter
            self.assertRefused(self.client.get(f"{url}?a%00=1"), url)
            self.assertRefused(self.client.get(f"{url}?page=1&x=%ED%A0%80"), url)

    def test_every_url_refuses_bad_paths(self):
        for url in self.urls():
            base = url.split("?")[0].rstrip("/")
            for segment in BAD_PATH_SEGMENTS:
                with self.subTest(url=url, segment=segment):
                    self.assertRefused(self.client.get(f"{base}/{segment}/"), (url, segment))
        self.assertRefused(self.client.get("/api/geo/a%00.geojson"), "geo")
        self.assertRefused(self.client.get("/admin/pages/%00/"), "admin")

    def test_form_posts(self):
        from homestays.models import HomestayPage

        page = HomestayPage.objects.live().first()
        url = page.url + "inquire/"
        for body in ["name=%E5%BC%A0%00&phone=13900000000", "name=%ED%A0%80", "message=%FF", "name=a\x00b"]:
            with self.subTest(body=body):
                response = self.client.post(url, body, content_type="application/x-www-form-urlencoded")
                self.assertRefused(response, body)
        # the search form posts nothing, the admin login does: refused before the login is tried
        response = self.client.post("/admin/login/", "username=admin%00&password=x", content_type="application/x-www-form-urlencoded")
        self.assertRefused(response, "login")

    def test_good_text_still_passes(self):
        """Chinese, rare CJK (a surrogate pair in UTF-16, valid UTF-8), emoji, a literal %00."""
        for query in ["q=%E5%A1%94%E5%B0%94%E5%AF%BA", "q=%F0%A0%80%80", "q=%F0%9F%91%A8%E2%80%8D%F0%9F%91%A9", "q=100%2500", "q=a+b"]:
            with self.subTest(query=query):
                self.assertEqual(self.client.get(f"/search/?{query}").status_code, 200)
                self.assertEqual(self.client.get(f"/search/autocomplete/?{query}").status_code, 200)
        self.assertEqual(self.client.get("/api/v2/pages/?search=%E5%A1%94%E5%B0%94%E5%AF%BA").status_code, 200)
        self.assertEqual(self.client.post("/search/", "q=%E5%A1%94", content_type="application/x-www-form-urlencoded").status_code < 500, True)


# --- item 9: 门户设置 for editors ---------------------------------------------------------------


def settings_form_data(**changes):
    data = {
        "site_name": "西宁乡村文旅门户",
        "site_name_en": "Xining Rural Portal",
        "contact_phone": "",
        "contact_email": "",
        "footer_text": "",
        "footer_text_en": "",
        "icp_number": "",
        "wechat_qr": "",
        "weibo_url": "",
        "tile_provider": "",
        "tile_url": "",
        "tianditu_key": "",
    }
    return data | changes


class PortalSettingsPermissionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_site()
        cls.site = Site.objects.get(is_default_site=True)
        cls.editor = User.objects.create_user("ed", password=PASSWORD)
        cls.editor.groups.add(Group.objects.get(name="Editors"))
        cls.owner = User.objects.create_user("owner", password=PASSWORD)
        cls.owner.groups.add(owners_group())
        cls.url = f"/admin/settings/portal/portalsettings/{cls.site.pk}/"

    def test_editor_changes_the_map_tiles(self):
        self.client.force_login(self.editor)
        form = self.client.get(self.url)
        self.assertEqual(form.status_code, 200)
        self.assertContains(form, 'name="tile_provider"')
        self.assertContains(form, "地图")
        response = self.client.post(self.url, settings_form_data(tile_provider="tianditu", tianditu_key="0123456789abcdef"))
        self.assertEqual(response.status_code, 302)
        saved = PortalSettings.objects.get(site=self.site)
        self.assertEqual((saved.tile_provider, saved.tianditu_key), ("tianditu", "0123456789abcdef"))
        # the settings menu shows the item to editors
        self.assertContains(self.client.get("/admin/"), "/admin/settings/portal/portalsettings/")

    def test_owner_is_refused(self):
        self.client.force_login(self.owner)
        self.assertNotEqual(self.client.get(self.url).status_code, 200)
        response = self.client.post(self.url, settings_form_data(tile_provider="gaode"))
        self.assertNotEqual(response.status_code, 200)
        self.assertEqual(PortalSettings.objects.get(site=self.site).tile_provider, "")


# --- item 11: two-factor sign-in ------------------------------------------------------------------


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):0{device.digits}d}"


@override_settings(PORTAL_REQUIRE_2FA=True)
class TwoFactorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_site()
        cls.admin = User.objects.create_superuser("boss", password=PASSWORD)
        cls.editor = User.objects.create_user("ed", password=PASSWORD)
        cls.editor.groups.add(Group.objects.get(name="Editors"), Group.objects.get(name="Moderators"))
        cls.moderator = User.objects.create_user("mod", password=PASSWORD)
        cls.moderator.groups.add(Group.objects.get(name="Moderators"))
        cls.owner = User.objects.create_user("owner", password=PASSWORD)
        cls.owner.groups.add(owners_group())

    def sign_in(self, user):
        response = self.client.post("/admin/login/", {"username": user.username, "password": PASSWORD, "next": "/admin/"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "/admin/")

    def enrol(self, user) -> TOTPDevice:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        new_recovery_codes(user)
        return TOTPDevice.objects.get(user=user)

    def test_enrolment_through_the_admin_login(self):
        self.sign_in(self.editor)
        # every admin page sends the editor to enrolment, keeping where they were going
        response = self.client.get("/admin/")
        self.assertRedirects(response, "/admin/2fa/setup/?next=%2Fadmin%2F", fetch_redirect_response=False)
        self.assertRedirects(self.client.get("/admin/pages/"), "/admin/2fa/setup/?next=%2Fadmin%2Fpages%2F", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/admin/2fa/verify/?next=/admin/")["Location"], "/admin/2fa/setup/?next=%2Fadmin%2F")

        page = self.client.get("/admin/2fa/setup/?next=/admin/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "设置两步验证")
        self.assertContains(page, "<svg")  # the QR code, drawn here: no external service
        self.assertNotContains(page, "googleapis")
        device = TOTPDevice.objects.get(user=self.editor, confirmed=False)
        secret = re.search(r"data-secret>([A-Z2-7 ]+)<", page.content.decode()).group(1).replace(" ", "")
        self.assertEqual(base64.b32decode(secret + "=" * (-len(secret) % 8)), device.bin_key)

        wrong = self.client.post("/admin/2fa/setup/", {"code": "000000" if current_code(device) != "000000" else "111111", "next": "/admin/"})
        self.assertEqual(wrong.status_code, 200)
        self.assertContains(wrong, "验证码不正确")
        self.assertEqual(self.client.get("/admin/").status_code, 302)

        device.throttle_reset()
        response = self.client.post("/admin/2fa/setup/", {"code": current_code(device), "next": "/admin/"})
        self.assertRedirects(response, "/admin/2fa/?next=%2Fadmin%2F", fetch_redirect_response=False)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)

        codes_page = self.client.get(response["Location"])
        self.assertEqual(codes_page.status_code, 200)
        codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", codes_page.content.decode())
        self.assertEqual(len(codes), RECOVERY_CODE_COUNT)
        self.assertEqual(sorted(codes), sorted(StaticToken.objects.filter(device__user=self.editor).values_list("token", flat=True)))
        self.assertNotContains(self.client.get("/admin/2fa/"), codes[0])  # shown once only

        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assertEqual(self.client.get("/admin/pages/").status_code, 200)

    def test_verify_with_the_authenticator(self):
        device = self.enrol(self.editor)
        self.sign_in(self.editor)
        self.assertRedirects(self.client.get("/admin/pages/"), "/admin/2fa/verify/?next=%2Fadmin%2Fpages%2F", fetch_redirect_response=False)
        self.assertRedirects(self.client.get("/admin/2fa/setup/"), "/admin/2fa/verify/?next=%2Fadmin%2F2fa%2Fsetup%2F", fetch_redirect_response=False)
        page = self.client.get("/admin/2fa/verify/?next=/admin/pages/")
        self.assertContains(page, "两步验证")
        self.assertContains(page, 'autocomplete="one-time-code"')
        # full-width digits and a space between the groups, as typed on a Chinese phone keyboard
        typed = current_code(device)
        typed = "".join(chr(ord(c) + 0xFEE0) for c in typed[:3]) + " " + typed[3:]
        response = self.client.post("/admin/2fa/verify/", {"code": typed, "next": "/admin/pages/"})
        self.assertRedirects(response, "/admin/pages/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/admin/pages/").status_code, 200)

    def test_wrong_code_refused(self):
        device = self.enrol(self.moderator)
        self.sign_in(self.moderator)
        right = current_code(device)
        for wrong in ["000000" if right != "000000" else "111111", "abc", "1" * 32, right[:5]]:
            with self.subTest(code=wrong):
                response = self.client.post("/admin/2fa/verify/", {"code": wrong, "next": "/admin/"})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self.client.get("/admin/").status_code, 302)
        # an open redirect in `next` is ignored
        self.assertNotIn("evil", self.client.get("/admin/2fa/verify/?next=https://evil.example/").content.decode().split("login-form")[1][:400])

    def test_recovery_code_works_once(self):
        self.enrol(self.editor)
        code = StaticToken.objects.filter(device__user=self.editor).first().token
        self.sign_in(self.editor)
        response = self.client.post("/admin/2fa/verify/", {"code": code.upper(), "next": "/admin/"})
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
        home = self.client.get("/admin/")
        self.assertEqual(home.status_code, 200)
        self.assertContains(home, f"还剩 {RECOVERY_CODE_COUNT - 1} 个")
        self.client.post("/admin/logout/")

        self.sign_in(self.editor)
        again = self.client.post("/admin/2fa/verify/", {"code": code, "next": "/admin/"})
        self.assertEqual(again.status_code, 200)
        self.assertContains(again, "已经用过")
        self.assertEqual(self.client.get("/admin/").status_code, 302)

    def test_new_recovery_codes(self):
        self.enrol(self.editor)
        old = set(StaticToken.objects.filter(device__user=self.editor).values_list("token", flat=True))
        self.sign_in(self.editor)
        verified = self.client.post("/admin/2fa/verify/", {"code": next(iter(old)), "next": "/admin/"})
        self.assertEqual(verified.status_code, 302, verified.content.decode()[-3000:])
        response = self.client.post("/admin/2fa/", {"action": "new-codes"})
        self.assertRedirects(response, "/admin/2fa/", fetch_redirect_response=False)
        page = self.client.get("/admin/2fa/").content.decode()
        codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", page)
        self.assertEqual(len(codes), RECOVERY_CODE_COUNT, page[page.find('id="main"') :][:3000])
        self.assertFalse(old & set(codes))

    def test_superuser_must_enrol(self):
        self.sign_in(self.admin)
        self.assertRedirects(self.client.get("/admin/"), "/admin/2fa/setup/?next=%2Fadmin%2F", fetch_redirect_response=False)
        self.assertRedirects(self.client.get("/admin/users/"), "/admin/2fa/setup/?next=%2Fadmin%2Fusers%2F", fetch_redirect_response=False)

    def test_owner_not_forced_but_may_enrol(self):
        self.sign_in(self.owner)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        account = self.client.get("/admin/account/")
        self.assertContains(account, "/admin/2fa/")
        overview = self.client.get("/admin/2fa/")
        self.assertContains(overview, "两步验证未开启")
        page = self.client.get("/admin/2fa/setup/")
        self.assertEqual(page.status_code, 200)
        device = TOTPDevice.objects.get(user=self.owner, confirmed=False)
        response = self.client.post("/admin/2fa/setup/", {"code": current_code(device)})
        self.assertEqual(response.status_code, 302)
        self.client.post("/admin/logout/")
        # once enrolled, the owner is asked for the code like staff
        self.sign_in(self.owner)
        self.assertEqual(self.client.get("/admin/")["Location"], "/admin/2fa/verify/?next=%2Fadmin%2F")

    def test_sign_in_pages_and_public_site_stay_open(self):
        self.sign_in(self.editor)
        for url in ["/admin/2fa/setup/", "/admin/jsi18n/", "/admin/sprite/", "/admin/password_reset/"]:
            with self.subTest(url=url):
                self.assertLess(self.client.get(url).status_code, 300, url)
        self.assertEqual(self.client.get("/").status_code, 200)
        response = self.client.post("/admin/logout/")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get("/admin/")["Location"].split("?")[0], "/admin/login/")

    def test_english_admin(self):
        from wagtail.users.models import UserProfile

        profile = UserProfile.get_for_user(self.editor)
        profile.preferred_language = "en"
        profile.save()
        self.sign_in(self.editor)
        page = self.client.get("/admin/2fa/setup/")
        self.assertContains(page, "Set up two-step verification")


class TwoFactorOffTests(TestCase):
    """The test settings (and the browser suite's, built on them) keep 2FA off, as does `make run`."""

    @classmethod
    def setUpTestData(cls):
        make_site()
        cls.editor = User.objects.create_user("ed", password=PASSWORD)
        cls.editor.groups.add(Group.objects.get(name="Editors"))

    def test_password_alone_in_development_and_tests(self):
        from django.conf import settings

        self.assertFalse(settings.PORTAL_REQUIRE_2FA)
        self.client.post("/admin/login/", {"username": "ed", "password": PASSWORD, "next": "/admin/"})
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_required_in_production_settings(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.production", "DJANGO_SECRET_KEY": "prod-check-" + "x1y2z3" * 10}
        env.pop("PORTAL_REQUIRE_2FA", None)
        code = "import django; django.setup(); from django.conf import settings; print(settings.PORTAL_REQUIRE_2FA, sorted(settings.PORTAL_2FA_GROUPS))"
        done = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr[-2000:])
        self.assertEqual(done.stdout.strip(), "True ['Editors', 'Moderators']")
        for settings_module in ("portal.settings.dev", "portal.settings.test"):
            done = subprocess.run(
                [sys.executable, "-c", code], cwd=BASE_DIR, env={**env, "DJANGO_SETTINGS_MODULE": settings_module}, capture_output=True, text=True, timeout=120
            )
            self.assertTrue(done.stdout.startswith("False"), (settings_module, done.stdout, done.stderr[-2000:]))
