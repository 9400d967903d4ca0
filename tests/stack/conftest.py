"""The production stack, as `make serve` runs it: Varnish (deploy/varnish/portal.vcl) in front of
gunicorn with the production settings, PostgreSQL or SQLite, Redis, started by scripts/serve.sh
on free ports with a database of its own (tests/servers.py) holding the demo content.

The tests talk to it over HTTP only, as visitors, editors and owners do; edits go through the
Wagtail admin where a person would make them. Without varnishd the suite is skipped, saying so,
unless PORTAL_REQUIRE_VARNISH=1 (CI), where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.servers import free_port, throwaway_database, wait_until_up

BASE_DIR = Path(__file__).resolve().parents[2]
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
REDIS_DB = os.environ.get("PORTAL_STACK_REDIS_DB", "9")


@dataclass
class Stack:
    url: str
    data: dict
    env: dict
    log: Path

    def get(self, path: str, session=None, **kwargs) -> requests.Response:
        return (session or requests).get(self.url + path, allow_redirects=False, timeout=20, **kwargs)

    def python(self, code: str) -> str:
        """Run Python with Django set up in the server's environment (another process, as a
        management command would), e.g. an edit made through the ORM."""
        done = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()\n" + code], cwd=BASE_DIR, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-4000:]
        return done.stdout

    def sign_in(self, who: str) -> requests.Session:
        """A browser-like session signed in to the Wagtail admin as the demo's editor or owner."""
        creds = self.data[who]
        session = PlainHTTPSession()
        form = session.get(self.url + "/admin/login/", timeout=20)
        token = csrf_token(form.text)
        done = session.post(
            self.url + "/admin/login/",
            data={"username": creds["username"], "password": creds["password"], "csrfmiddlewaretoken": token, "next": "/admin/"},
            headers={"Referer": self.url + "/admin/login/"},
            allow_redirects=False,
            timeout=20,
        )
        assert done.status_code == 302 and "sessionid" in session.cookies, f"login as {who} failed: {done.status_code}"
        return session

    def admin_post(self, session: requests.Session, path: str, data: dict | None = None) -> requests.Response:
        """Open an admin form (for its CSRF token) and submit it, as the editor's browser does."""
        form = session.get(self.url + path, timeout=20)
        assert form.status_code == 200, (path, form.status_code)
        token = csrf_token(form.text) or session.cookies.get("csrftoken")
        return session.post(
            self.url + path,
            data={"csrfmiddlewaretoken": token, **(data or {})},
            headers={"Referer": self.url + path, "X-CSRFToken": token},
            allow_redirects=False,
            timeout=30,
        )


class PlainHTTPSession(requests.Session):
    """Production cookies are Secure (TLS ends in front of Varnish); this stack speaks plain HTTP."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found.group(1) if found else ""


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not os.path.exists(VARNISHD):
        if os.environ.get("PORTAL_REQUIRE_VARNISH") == "1":
            pytest.fail("varnishd is missing and PORTAL_REQUIRE_VARNISH=1: run scripts/install-varnish.sh", pytrace=False)
        pytest.skip("varnishd is missing: `make varnish` (Debian's varnish) to test the production stack")
    workdir = tmp_path_factory.mktemp("stack")
    port, backend_port = free_port(), free_port()
    db_url, drop_database = throwaway_database(workdir, "stack")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "stack-tests-" + "s3cr3t-" * 8,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # The demo's editor signs in with its password (tests/test_hardening_auth.py covers 2FA).
        "PORTAL_REQUIRE_2FA": "0",
        "DATABASE_URL": db_url,
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "PORTAL_MEDIA_ROOT": str(workdir / "media"),
        "PORTAL_SERVE_MEDIA": "1",
        "PORT": str(port),
        "BACKEND_PORT": str(backend_port),
        "VARNISH_WORKDIR": str(workdir / "varnish"),
        # Management commands (publish_scheduled, imports, stack.python) purge as the app does.
        "PORTAL_VARNISH_URL": f"http://127.0.0.1:{port}",
        "VARNISH_STORAGE": "64m",
        "WEB_CONCURRENCY": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    subprocess.run(["redis-cli", "-n", REDIS_DB, "flushdb"], check=False, capture_output=True)
    out = workdir / "stack.json"
    try:
        prepared = subprocess.run([sys.executable, "-m", "tests.stack.prepare", str(out)], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=900)
        if prepared.returncode:
            pytest.fail(f"migrate + load_demo for the stack suite failed:\n{prepared.stderr[-6000:]}", pytrace=False)
        log = workdir / "serve.log"
        with open(log, "wb") as log_file:
            server = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", server, log)
            wait_until_up(f"http://127.0.0.1:{backend_port}/healthz", server, log)
            yield Stack(url=f"http://127.0.0.1:{port}", data=json.loads(out.read_text(encoding="utf-8")), env=env, log=log)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    finally:
        drop_database()
        subprocess.run(["redis-cli", "-n", REDIS_DB, "flushdb"], check=False, capture_output=True)
