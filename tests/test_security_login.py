"""Login throttling through the real Wagtail admin login form (django-axes).

Lockouts are keyed on username AND address together: an attacker guessing one account's password
locks that account from their address only, not the owner logging in from elsewhere, and not
other accounts behind the attacker's address (a village's shared connection).
"""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.test import TestCase, override_settings
from django.utils import timezone

ATTACKER = "203.0.113.66"
ELSEWHERE = "198.51.100.20"
LOGIN = "/admin/login/"


@override_settings(AXES_ENABLED=True)  # portal/settings/test.py switches it off for Client.login()
class AdminLoginLockoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = User.objects.create_user("alice", "alice@example.com", "Correct-horse-9", is_staff=True, is_superuser=True)
        cls.bob = User.objects.create_user("bob", "bob@example.com", "Battery-staple-7", is_staff=True, is_superuser=True)

    def attempt(self, username, password, ip):
        self.client.logout()
        return self.client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)

    def fail(self, username, times, ip=ATTACKER):
        return [self.attempt(username, "wrong-password", ip).status_code for _ in range(times)]

    def test_locked_after_five_failures_even_with_the_right_password(self):
        self.assertEqual(settings.AXES_FAILURE_LIMIT, 5)
        # The login form with its error four times; the fifth failure locks.
        self.assertEqual(self.fail("alice", 5), [200, 200, 200, 200, 429])
        response = self.attempt("alice", "Correct-horse-9", ATTACKER)
        self.assertEqual(response.status_code, 429)
        body = response.content.decode()
        self.assertIn("登录已暂时锁定", body)
        self.assertIn("15 分钟", body)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_same_user_from_another_address_is_not_locked(self):
        self.fail("alice", 6)
        response = self.attempt("alice", "Correct-horse-9", ELSEWHERE)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_other_user_from_the_same_address_is_not_locked(self):
        self.fail("alice", 6)
        response = self.attempt("bob", "Battery-staple-7", ATTACKER)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.bob.pk)

    def test_lock_lifts_after_the_cool_off(self):
        self.fail("alice", 5)
        self.assertEqual(self.attempt("alice", "Correct-horse-9", ATTACKER).status_code, 429)
        AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=5))
        self.assertEqual(self.attempt("alice", "Correct-horse-9", ATTACKER).status_code, 302)

    def test_success_resets_the_count(self):
        self.assertEqual(self.fail("alice", 4), [200] * 4)
        self.assertEqual(self.attempt("alice", "Correct-horse-9", ATTACKER).status_code, 302)
        self.assertEqual(self.fail("alice", 4), [200] * 4)
        self.assertEqual(self.attempt("alice", "Correct-horse-9", ATTACKER).status_code, 302)

    @override_settings(PORTAL_TRUSTED_PROXY_COUNT=1)
    def test_behind_a_proxy_the_forwarded_address_is_the_key(self):
        """Behind nginx every request comes from 127.0.0.1: without the forwarded address one
        attacker would lock the account for everyone."""
        for _ in range(5):
            self.client.post(LOGIN, {"username": "alice", "password": "nope"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=ATTACKER)
        locked = self.client.post(LOGIN, {"username": "alice", "password": "Correct-horse-9"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=ATTACKER)
        self.assertEqual(locked.status_code, 429)
        self.client.logout()
        ok = self.client.post(LOGIN, {"username": "alice", "password": "Correct-horse-9"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=ELSEWHERE)
        self.assertEqual(ok.status_code, 302)

    def test_admin_session_expires(self):
        self.assertEqual(self.attempt("alice", "Correct-horse-9", ELSEWHERE).status_code, 302)
        session = self.client.session
        self.assertEqual(session.get_expiry_age(), 8 * 60 * 60)
        self.assertTrue(session.get_expire_at_browser_close())
        cookie = self.client.cookies[settings.SESSION_COOKIE_NAME]
        self.assertFalse(cookie["max-age"])  # a browser-session cookie
        self.assertTrue(cookie["httponly"])


class AxesConfigurationTests(TestCase):
    def test_axes_is_on_outside_tests(self):
        from portal.settings import base

        self.assertTrue(base.AXES_ENABLED)
        self.assertEqual(base.AUTHENTICATION_BACKENDS[0], "axes.backends.AxesBackend")
        self.assertEqual(base.MIDDLEWARE[-1], "axes.middleware.AxesMiddleware")
        self.assertEqual(base.AXES_LOCKOUT_PARAMETERS, [["username", "ip_address"]])
