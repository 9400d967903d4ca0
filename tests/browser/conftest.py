"""The real-browser suite: Playwright for Python driving Debian's Chromium against a running portal.

Why a server in a subprocess (gunicorn, like `make serve`) and not pytest-django's in-process
live_server: the other tests flush or roll back the test database at will, while these tests need
the whole demo site (`load_demo`, as `make run` shows it) for the session, in a throw-away database
of its own, copied from the process's demo (tests/demo_db.py). Nothing is shared with the
in-process tests, and the server runs on the second core.

One Playwright instance and one Chromium serve the whole session. Playwright's sync API keeps an
event loop running on the main thread while it is alive, which would break Django tests that run
afterwards (and other suites' own Playwright instances), so every test using the `portal` fixture
is moved to the end of the run (journeys, which write, last of all).

Chromium is never downloaded: Debian's /usr/bin/chromium (installed by `make test` through
scripts/install-browser-deps.sh). Without it the tests skip, saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import demo_db
from tests.browser.support import VIEWPORTS
from tests.servers import free_port, wait_until_up
from tests.transactional import shared_playwright

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"]
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = BASE_DIR / "artifacts" / "screenshots"


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering
def pytest_collection_modifyitems(config, items):
    """Run the suite last (see the module docstring), journeys after the read-only page checks."""

    def rank(item):
        if "portal" not in getattr(item, "fixturenames", ()):
            return 0
        return 2 if item.get_closest_marker("journey") else 1

    items[:] = sorted(items, key=rank)  # stable: keeps every other ordering (pytest-django's too)


def pytest_configure(config):
    config.addinivalue_line("markers", "journey: an end-to-end browser journey that changes content (runs last)")


# ------------------------------------------------------------------------------------- server


@dataclass
class Portal:
    url: str
    pages: dict  # target key -> path
    ids: dict  # target key -> page id (None for plain views)
    missing: dict  # target key -> why it is not visited
    tile_hosts: list
    listings: dict  # demo owner's username -> {id, path, title} of their listing
    log: Path
    env: dict = field(default_factory=dict, repr=False)  # the server's environment, for manage.py against its database
    host: str = field(init=False)

    def __post_init__(self):
        self.host = urlsplit(self.url).netloc

    def path(self, key: str) -> str:
        """The path of a target, or skip the test saying why there is none."""
        if key not in self.pages:
            pytest.skip(self.missing.get(key, f"{key} is not a browser-suite target"))
        return self.pages[key]

    def manage(self, *args: str) -> str:
        """Run a manage.py command against this server's database (e.g. an editor's change made
        behind the browser's back); its output."""
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env, capture_output=True, text=True, timeout=120)
        if done.returncode:
            pytest.fail(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}", pytrace=False)
        return done.stdout

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@pytest.fixture(scope="session")
def chromium_path():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install it with `make browser-deps` (Debian packages chromium, fonts-noto-cjk)")
    return str(CHROMIUM)


@contextmanager
def serve_demo(tmp_path_factory, name: str = "browser", env: dict | None = None):
    """A copy of the demo served by gunicorn from its own database; `env` adds settings (e.g. another
    tile provider) for a suite that needs a server of its own."""
    workdir = tmp_path_factory.mktemp(f"{name}-portal")
    port = free_port()
    db_url, media, drop_database = demo_db.clone(workdir, name)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.browser.settings",
        "PORTAL_BROWSER_DATABASE_URL": db_url,
        "PORTAL_BROWSER_MEDIA_ROOT": str(media),
        "PORT": str(port),  # the site's port (canonical URLs): prepare.py records it
        "PYTHONDONTWRITEBYTECODE": "1",
        **(env or {}),
    }
    out = workdir / "targets.json"
    try:
        prepared = subprocess.run([sys.executable, "-m", "tests.browser.prepare", str(out)], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600)
        if prepared.returncode:
            pytest.fail(f"preparing the browser suite's copy of the demo failed:\n{prepared.stdout[-3000:]}\n{prepared.stderr[-6000:]}", pytrace=False)
        data = json.loads(out.read_text(encoding="utf-8"))
        log = workdir / "server.log"
        with open(log, "wb") as log_file:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}"]
                + ["--workers", "1", "--threads", "8", "--log-level", "warning", "--graceful-timeout", "2"],
                cwd=BASE_DIR,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        portal = Portal(url=f"http://127.0.0.1:{port}", log=log, env=env, **data)
        try:
            wait_until_up(portal.url + "/healthz", server, log)
            yield portal
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    finally:
        drop_database()


@pytest.fixture(scope="module")
def tiles():
    """Generated PNG tiles on 127.0.0.1, for a suite whose server uses the `custom` tile provider
    (offline packs copy tiles only from such a server)."""
    from tests.tile_server import TileServer

    with TileServer() as server:
        yield server


@pytest.fixture(scope="session")
def portal(chromium_path, tmp_path_factory):
    """The demo portal, served by gunicorn from its own database, for the whole session."""
    with serve_demo(tmp_path_factory) as served:
        yield served


# ------------------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser(chromium_path, portal):
    chromium = shared_playwright().chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def new_context(browser, portal):
    """new_context(viewport="phone", **options): a browser context on the portal; closed at the end
    of the session. axe-core is added to every page as an init script, which a Content-Security-Policy
    does not block (unlike a <script> tag), so the pages are checked under their real CSP."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` (make test does)", pytrace=False)
    contexts = []

    def make(viewport: str = "phone", **options):
        context = browser.new_context(
            **VIEWPORTS[viewport], locale="zh-CN", timezone_id="Asia/Shanghai", base_url=portal.url, service_workers="block", **options
        )
        context.set_default_timeout(15_000)
        context.add_init_script(path=str(AXE_JS))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def viewport_context(new_context):
    """One shared context per viewport for the read-only page checks."""
    made = {}

    def get(viewport: str):
        if viewport not in made:
            made[viewport] = new_context(viewport)
        return made[viewport]

    return get


@pytest.fixture(scope="session")
def screenshots_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
