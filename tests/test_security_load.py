"""200 inquiries from 20 concurrent clients against the production server setup (what `make serve`
runs: production settings, gunicorn, 2 workers × 4 threads) on PostgreSQL: every one saved exactly
once. Runs in the PostgreSQL pass of `make test` / CI; skipped on SQLite, which `make serve` does not use.
The client side is scripts/loadtest_inquiries.py, usable against a real `make serve` too."""

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import TransactionTestCase

from homestays.factories import HomestayIndexPageFactory, HomestayPageFactory
from homestays.models import Inquiry
from portal.factories import make_site
from tests.test_backup import FromMigratedState

BASE_DIR = Path(__file__).resolve().parent.parent
TOTAL, CLIENTS = 200, 20

spec = importlib.util.spec_from_file_location("loadtest_inquiries", BASE_DIR / "scripts" / "loadtest_inquiries.py")
loadtest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loadtest)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the load test runs on PostgreSQL (set DATABASE_URL), as `make serve` does")
@pytest.mark.slow
class InquiryLoadTests(FromMigratedState, TransactionTestCase):
    def setUp(self):
        home = make_site()
        index = HomestayIndexPageFactory(parent=home)
        owner = User.objects.create_user("loadowner", email="owner@example.com", password="x")
        self.listing = HomestayPageFactory(parent=index, title="压力测试民宿", slug="load", owner=owner)
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "portal.settings.production",
                "DJANGO_SECRET_KEY": "load-test-" + "Qw3rTy9" * 8,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "DATABASE_URL": database_url(),
                "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "PORTAL_TRUSTED_PROXY_COUNT": "1",
            }
        )
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.server = subprocess.Popen(
            [gunicorn, "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--log-level", "warning"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.addCleanup(self.stop_server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(self.base + "/healthz", headers={"X-Forwarded-Proto": "https"})
                if urllib.request.urlopen(request, timeout=2).status == 200:
                    return
            except OSError:
                if self.server.poll() is not None:
                    self.fail("gunicorn exited: " + self.server.stderr.read().decode()[-3000:])
                time.sleep(0.3)
        self.fail("gunicorn did not answer /healthz within 60 s")

    def stop_server(self):
        self.server.terminate()
        try:
            self.server.wait(15)
        except subprocess.TimeoutExpired:
            self.server.kill()
        self.server.stderr.close()

    def test_every_inquiry_saved_exactly_once(self):
        outcome = loadtest.run(self.base, self.listing.url, total=TOTAL, clients=CLIENTS)
        self.assertEqual(outcome["failures"], {})
        self.assertEqual(len(outcome["accepted"]), TOTAL)
        check = loadtest.verify(outcome["run_id"], outcome["markers"])
        self.assertEqual(check, {"saved": TOTAL, "lost": [], "duplicated": {}})
        self.assertEqual(Inquiry.objects.filter(listing=self.listing).count(), TOTAL)
        self.assertEqual(Inquiry.objects.filter(listing=self.listing).values("ip").distinct().count(), TOTAL)  # one address each
