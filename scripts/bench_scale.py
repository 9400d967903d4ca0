#!/usr/bin/env python
"""`make bench-scale`: the portal at the demo's size (column A) and at ten times Xining's content
(column C), on `make bench`'s production stack (Varnish, gunicorn, PostgreSQL, Redis; issue 27).

Builds the demo database as `make bench` does and measures column A; stops the stack, runs
`manage.py load_scale` into the same database (1,000 homestays, 5,000 stations, 1,000 products,
3,000 news items by default), starts the stack again with every cache empty and measures column C.
Prints one markdown table, A and C side by side, marks each row against issue 27's targets and
writes it to artifacts/bench-scale.md:

- cold render of /, the homestay, product and news indexes, the station list, /map/, a route, a
  homestay and a product (the first of each in the demo, the same page in both columns): renders/s
  and p50 straight from gunicorn (wrk, Varnish bypassed, as `make bench`'s cold column), the SQL
  queries of one render with every cache empty, the HTML's bytes (gzip, through Varnish; raw).
  Targets: C's rate ≥ 2/3 of A's; the same number of queries;
- every map layer (/api/geo/<layer>.geojson) at zoom 5, 8, 11 and 14 over Xining (lon 100.8–102.3,
  lat 36.2–37.4), asked as the API documents (?bbox=&zoom=) and as map.js asks (?view=&zoom=): the
  largest answer (gzip, through Varnish; ≤ 150 KB) and the slowest one's median time straight
  from gunicorn; the whole layer (no bbox) for comparison;
- /map/ in Chromium (Playwright, Debian's /usr/bin/chromium) as a phone, 390×844, CPU throttled
  4× (CDP Emulation.setCPUThrottlingRate): from navigation start until the first marker of a map
  layer is in the DOM (`.leaflet-marker-pane .leaflet-marker-icon`: the basemap's place names are
  markers too, in a pane of their own), median of BENCH_MAP_RUNS (3) after one warm-up load;
  hosts other than 127.0.0.1 do not resolve. Target ≤ 1.5 s. Also the largest GeoJSON it loaded;
- publishing one homestay (the same page) as the editor waits for it: the superuser signs in to
  the Wagtail admin in Chromium, with production's two-factor sign-in (the bench enrols a TOTP
  device for `admin` in its own database), opens the page's edit view and clicks 发布 (Publish);
  the time from the click until the answer to the POST arrives (the after-commit layer
  invalidation and Varnish purges, with their PORTAL_PURGE_REPEAT_SECONDS pause, happen inside
  that request), median of 5. Target: C ≤ 1.5× A;
- /search/?q=民宿 straight from gunicorn, median of 20 sequential requests (≤ 150 ms);
- signed in: the page explorer of the homestay index (its children) and the snippet listing of
  e-commerce service stations, median of 10 sequential requests (≤ 300 ms).

The machine's load average is printed for each column, and a warning if the working tree changed
between A and C: on a shared machine or checkout, read the ratios with both in mind.

Environment: as scripts/bench.py (BENCH_PG, BENCH_REDIS, BENCH_PORT, BENCH_SECONDS,
BENCH_CONNECTIONS), except that BENCH_DB defaults to portal_bench_scale and BENCH_REDIS to Redis
database 6, and BENCH_SKIP_LOAD does not apply (column A needs the demo alone); BENCH_SCALE_SIZES
(default "homestays=1000,stations=5000,products=1000,news=3000", the load_scale options; smaller
for a quick run), BENCH_SCALE_SEED (27), BENCH_MAP_RUNS (3). At full size load_scale takes several
minutes on 2 cores. Needs playwright (requirements-test.txt; `make bench-scale` installs it).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# Its own database and Redis database, so a `make bench` running at the same time is not disturbed.
os.environ.setdefault("BENCH_DB", "portal_bench_scale")
os.environ.setdefault("BENCH_REDIS", "redis://127.0.0.1:6379/6")
os.environ.pop("BENCH_SKIP_LOAD", None)
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (scripts/bench.py: the stack, wrk, the database)

SIZES = os.environ.get("BENCH_SCALE_SIZES", "homestays=1000,stations=5000,products=1000,news=3000")
SEED = os.environ.get("BENCH_SCALE_SEED", "27")
MAP_RUNS = max(1, int(os.environ.get("BENCH_MAP_RUNS", "3")))
ZOOMS = (5, 8, 11, 14)
XINING_BBOX = "100.8,36.2,102.3,37.4"
GEO_FORMS = ("bbox", "view")
ADMIN_USER, ADMIN_PASSWORD = "admin", "changeme"  # the demo's superuser (README)

# Issue 27's targets.
MIN_COLD_RATIO, MAX_GEO_BYTES, MAX_FIRST_MARKERS_S, MAX_PUBLISH_RATIO, MAX_SEARCH_MS, MAX_ADMIN_MS = 2 / 3, 150 * 1024, 1.5, 1.5, 150.0, 300.0

# Inside Django (production settings, the bench's database): what to measure, and the cold SQL
# queries of each page. Column A discovers the pages (argv[1] is "{}"); column C gets A's list, so
# both columns measure the same pages.
SETUP = r"""
import json, sys
import django
django.setup()
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Locale
from portal.registry import registry

given = json.loads(sys.argv[1])

def first(label):
    return apps.get_model(label).objects.live().public().filter(locale__language_code="zh-hans").order_by("path").first()

if given:
    pages, ids = given["pages"], given["ids"]
else:
    products = first("products.ProductIndexPage")
    homestay_index = first("homestays.HomestayIndexPage")
    homestay = first("homestays.HomestayPage")
    pages = [["HomePage", first("portal.HomePage").url]]
    pages += [[label.split(".")[1], first(label).url] for label in ("homestays.HomestayIndexPage", "products.ProductIndexPage")]
    pages += [["stations", products.stations_url()]]
    pages += [[label.split(".")[1], first(label).url] for label in ("news.NewsIndexPage", "portal.MapPage", "routes.RoutePage", "homestays.HomestayPage", "products.ProductPage")]
    station = apps.get_model("products.ServiceStation")
    ids = {"homestay_index": homestay_index.pk, "homestay": homestay.pk, "stations_admin": reverse(station.snippet_viewset.get_url_name("list"))}

try:  # the map page's layers, where portal.layers says which they are
    from portal.layers import map_page_layers
    layers = list(map_page_layers())
except ImportError:
    layers = sorted(registry.layers)

client = Client(HTTP_HOST="127.0.0.1")
queries = {}
for label, url in pages:
    client.get(url)  # renditions and stored layers are made once, as on a running site
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    queries[url] = {"status": r.status_code, "queries": len(ctx.captured_queries)}
cache.clear()

default = Locale.get_default()  # what load_scale counts: the Chinese content (translations aside)
counts = {
    "homestays": apps.get_model("homestays.HomestayPage").objects.live().filter(locale=default).count(),
    "stations": apps.get_model("products.ServiceStation").objects.filter(locale=default).count(),
    "products": apps.get_model("products.ProductPage").objects.live().filter(locale=default).count(),
    "news": apps.get_model("news.NewsPage").objects.live().filter(locale=default).count(),
}
# Production requires two-factor sign-in for the superuser: a TOTP device of the bench's own.
admin = get_user_model().objects.get(username="admin")
device = TOTPDevice.objects.filter(user=admin, name="bench").first() or TOTPDevice.objects.create(user=admin, name="bench", confirmed=True)
totp = {"key": device.key, "step": device.step, "t0": device.t0, "digits": device.digits}
print(json.dumps({"pages": pages, "ids": ids, "layers": layers, "queries": queries, "counts": counts, "totp": totp}))
"""


def setup(given: dict | None = None) -> dict:
    res = subprocess.run([bench.PY, "-c", SETUP, json.dumps(given or {})], cwd=bench.ROOT, env=bench.ENV, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def code_state() -> str:
    """A fingerprint of the working tree (changes to tracked files, untracked files): on a shared
    checkout someone may edit the code between column A and column C."""
    git = ["git", "-C", str(bench.ROOT)]
    diff = subprocess.run([*git, "diff", "HEAD"], capture_output=True).stdout
    others = subprocess.run([*git, "ls-files", "--others", "--exclude-standard", "-z"], capture_output=True).stdout
    digest = hashlib.sha256(diff + others)
    for name in filter(None, others.split(b"\0")):
        path = bench.ROOT / name.decode()
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def timed_get(url: str, headers: dict | None = None) -> tuple[float, bytes, int]:
    """(ms until the whole body is read, body, status) of one GET."""
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", **(headers or {})})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        body = resp.read()
        status = resp.status
    return (time.perf_counter() - start) * 1000, body, status


def median_ms(url: str, n: int, headers: dict | None = None) -> float:
    timed_get(url, headers)  # warm-up, not counted
    times = []
    for _ in range(n):
        ms, _body, status = timed_get(url, headers)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
        times.append(ms)
    return statistics.median(times)


_last_counter = None


def totp_code(device: dict) -> str:
    """The TOTP code (RFC 6238, as django-otp's TOTPDevice) for now; never the same time step twice,
    as django-otp refuses a code already used."""
    global _last_counter
    counter = int((time.time() - device["t0"]) // device["step"])
    if counter == _last_counter:
        time.sleep(device["step"] - (time.time() - device["t0"]) % device["step"] + 0.5)
        counter = int((time.time() - device["t0"]) // device["step"])
    _last_counter = counter
    mac = hmac.new(bytes.fromhex(device["key"]), counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF) % 10 ** device["digits"]
    return f"{code:0{device['digits']}d}"


# Records when the first marker of a map layer (and the first of any kind: the basemap's labels are
# markers in a pane of their own) reaches the DOM, in ms since navigation start.
FIRST_MARKER_JS = """
(() => {
  const seen = () => {
    if (window.__benchAnyMarker === undefined && document.querySelector('.leaflet-marker-icon')) window.__benchAnyMarker = performance.now();
    if (window.__benchLayerMarker === undefined && document.querySelector('.leaflet-marker-pane .leaflet-marker-icon')) {
      window.__benchLayerMarker = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(seen);
  observer.observe(document, {childList: true, subtree: true});
})();
"""


def browser_measures(pw, setup_info: dict) -> dict:
    """The browser's rows: /map/'s first markers (phone, CPU 4×), publishing one homestay, and the
    admin listings signed in."""
    browser = pw.chromium.launch(
        executable_path=bench.CHROME,
        headless=True,
        # nothing leaves the machine: only 127.0.0.1 resolves (map tiles from a provider fail, as offline)
        args=[
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ],
    )
    out = {}
    try:
        map_url = next(url for label, url in setup_info["pages"] if label == "MapPage")
        firsts, anys, geo_urls = [], [], set()
        for run in range(MAP_RUNS + 1):  # the first load fills Varnish and is not counted
            context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True)
            page = context.new_page()
            page.add_init_script(FIRST_MARKER_JS)
            if run == 0:
                page.on("request", lambda r: geo_urls.add(r.url) if "/api/geo/" in r.url else None)
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            page.goto(bench.BASE + map_url, wait_until="commit")
            page.wait_for_function("() => window.__benchLayerMarker !== undefined", timeout=60_000, polling=100)
            if run:
                firsts.append(page.evaluate("() => window.__benchLayerMarker") / 1000)
                anys.append(page.evaluate("() => window.__benchAnyMarker") / 1000)
            else:
                page.wait_for_load_state("networkidle")
            context.close()
        out["first_markers_s"] = statistics.median(firsts)
        out["first_any_marker_s"] = statistics.median(anys)
        out["map_geo"] = max((len(bench.fetch(u)[0]), u.replace(bench.BASE, "")) for u in geo_urls) if geo_urls else (0, "–")

        # Signed in as the superuser, with production's second factor.
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(bench.BASE + "/admin/login/")
        page.fill("#id_username", ADMIN_USER)
        page.fill("#id_password", ADMIN_PASSWORD)
        with page.expect_navigation():
            page.press("#id_password", "Enter")
        if "/2fa/verify/" in page.url:
            page.fill("#id_code", totp_code(setup_info["totp"]))
            with page.expect_navigation():
                page.press("#id_code", "Enter")
        if "/login/" in page.url or "/2fa/" in page.url:
            raise SystemExit(f"could not sign in to the admin as {ADMIN_USER}: still at {page.url}")
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
        ids = setup_info["ids"]
        out["explorer_url"] = f"/admin/pages/{ids['homestay_index']}/"
        out["explorer_ms"] = median_ms(bench.BASE + out["explorer_url"], 10, {"Cookie": cookie})
        out["snippets_url"] = ids["stations_admin"]
        out["snippets_ms"] = median_ms(bench.BASE + out["snippets_url"], 10, {"Cookie": cookie})

        # Publishing: the editor's click on 发布 until the answer to the POST (a redirect) arrives.
        times = []
        for _ in range(5):
            page.goto(bench.BASE + f"/admin/pages/{ids['homestay']}/edit/")
            button = page.locator('footer button[name="action-publish"]').first
            if not button.is_visible():
                page.locator('footer [data-w-dropdown-target="toggle"]').first.click()
            button.wait_for(state="visible")
            with page.expect_response(lambda r: r.request.method == "POST" and "/edit/" in r.url, timeout=120_000) as answer:
                start = time.perf_counter()
                button.click()
            elapsed = time.perf_counter() - start
            if answer.value.status != 302:
                errors = page.locator(".messages .error, .error-message, .w-field__errors").all_inner_texts()
                raise SystemExit(f"publishing page {ids['homestay']} answered {answer.value.status}: {errors}")
            page.wait_for_load_state()
            times.append(elapsed)
        out["publish_s"] = statistics.median(times)
        context.close()
    finally:
        browser.close()
    return out


def measure(setup_info: dict) -> dict:
    """One column, on a freshly started stack with every cache empty."""
    from playwright.sync_api import sync_playwright

    bench.flush_redis()
    server = bench.start_stack()
    try:
        col = {"pages": {}, "layers": {}, "load_before": bench.load()}
        for label, url in setup_info["pages"]:
            bench.fetch(bench.BACKEND + url)
            rps, p50, _p99, bad = bench.wrk(url, bench.BACKEND)
            body, headers = bench.fetch(bench.BASE + url)
            col["pages"][url] = {"rps": rps, "p50": p50, "bad": bad, "gzip": len(body), "raw": len(bench.decode(body, headers))}
            print(f"  {label} {url}: {rps:,.1f} renders/s, p50 {p50:.0f} ms, {len(body):,} bytes", flush=True)
        for name in setup_info["layers"]:
            sizes, times = [], []
            # ?bbox=&zoom= as the API documents it, and ?view=&zoom= as map.js asks for a view
            for zoom in ZOOMS:
                for form in GEO_FORMS:
                    url = f"/api/geo/{name}.geojson?{form}={XINING_BBOX}&zoom={zoom}"
                    sizes.append((len(bench.fetch(bench.BASE + url)[0]), f"z{zoom} {form}"))
                    times.append((median_ms(bench.BACKEND + url, 5), f"z{zoom} {form}"))
            whole = len(bench.fetch(bench.BASE + f"/api/geo/{name}.geojson")[0])
            col["layers"][name] = {"max_bytes": max(sizes), "max_ms": max(times), "whole": whole}
            print(
                f"  geo:{name}: max {max(sizes)[0]:,} bytes ({max(sizes)[1]}), slowest {max(times)[0]:.0f} ms ({max(times)[1]}); whole layer {whole:,} bytes",
                flush=True,
            )
        search = "/search/?q=%E6%B0%91%E5%AE%BF"
        col["search_ms"] = median_ms(bench.BACKEND + search, 20)
        print(f"  search: {col['search_ms']:.0f} ms", flush=True)
        with sync_playwright() as pw:
            col.update(browser_measures(pw, setup_info))
        print(
            f"  /map/ first markers {col['first_markers_s']:.2f} s; explorer {col['explorer_ms']:.0f} ms; "
            f"stations snippets {col['snippets_ms']:.0f} ms; publish {col['publish_s']:.2f} s",
            flush=True,
        )
        col["load_after"] = bench.load()
    finally:
        bench.stop_stack(server)
    return col


def load_scale() -> float:
    args = []
    for item in SIZES.split(","):
        name, _, number = item.strip().partition("=")
        args += [f"--{name.strip()}", str(int(number))]
    start = time.monotonic()
    bench.run([bench.PY, "manage.py", "load_scale", *args, "--seed", SEED])
    return time.monotonic() - start


def table(a_info, c_info, a, c) -> tuple[str, list[str]]:
    misses = []
    rows = [
        "| what | A: demo | C: scale | C/A | target | |",
        "|---|---:|---:|---:|---|:-:|",
        "| content: homestays / stations / products / news | {} | {} | | | |".format(
            " / ".join(f"{a_info['counts'][k]:,}" for k in ("homestays", "stations", "products", "news")),
            " / ".join(f"{c_info['counts'][k]:,}" for k in ("homestays", "stations", "products", "news")),
        ),
    ]

    def row(what, a_text, c_text, ratio, target, ok):
        mark = "" if ok is None else ("✓" if ok else "✗")
        rows.append(f"| {what} | {a_text} | {c_text} | {'' if ratio is None else f'{ratio:.2f}'} | {target} | {mark} |")
        if ok is False:
            misses.append(f"{what}: A {a_text}, C {c_text} ({target})")

    for label, url in a_info["pages"]:
        pa, pc = a["pages"][url], c["pages"][url]
        ratio = pc["rps"] / pa["rps"] if pa["rps"] else 0
        bad = f" ({pa['bad'] + pc['bad']} non-2xx)" if pa["bad"] or pc["bad"] else ""
        row(
            f"{label} `{url}` cold renders/s (p50){bad}",
            f"{pa['rps']:,.1f} ({pa['p50']:.0f} ms)",
            f"{pc['rps']:,.1f} ({pc['p50']:.0f} ms)",
            ratio,
            "C/A ≥ 0.67",
            ratio >= MIN_COLD_RATIO and not bad,
        )
        qa, qc = a_info["queries"][url]["queries"], c_info["queries"][url]["queries"]
        row(f"{label} SQL queries (cold)", qa, qc, None, "C = A", qa == qc)
        row(
            f"{label} HTML bytes gzip (raw)",
            f"{pa['gzip']:,} ({pa['raw']:,})",
            f"{pc['gzip']:,} ({pc['raw']:,})",
            pc["gzip"] / pa["gzip"] if pa["gzip"] else None,
            "",
            None,
        )
    for name in a_info["layers"]:
        la, lc = a["layers"][name], c["layers"].get(name)
        if lc is None:
            continue
        row(
            f"geo:{name} largest answer, zoom 5–14 over Xining, gzip (which)",
            f"{la['max_bytes'][0]:,} ({la['max_bytes'][1]})",
            f"{lc['max_bytes'][0]:,} ({lc['max_bytes'][1]})",
            None,
            "≤ 150 KB",
            lc["max_bytes"][0] <= MAX_GEO_BYTES,
        )
        row(
            f"geo:{name} slowest of those, median ms from gunicorn (which)",
            f"{la['max_ms'][0]:.0f} ({la['max_ms'][1]})",
            f"{lc['max_ms'][0]:.0f} ({lc['max_ms'][1]})",
            lc["max_ms"][0] / la["max_ms"][0] if la["max_ms"][0] else None,
            "",
            None,
        )
        row(f"geo:{name} whole layer (no bbox), gzip", f"{la['whole']:,}", f"{lc['whole']:,}", None, "", None)
    row(
        f"largest GeoJSON /map/ loads, gzip (`{c['map_geo'][1]}` in C)",
        f"{a['map_geo'][0]:,}",
        f"{c['map_geo'][0]:,}",
        None,
        "≤ 150 KB",
        c["map_geo"][0] <= MAX_GEO_BYTES,
    )
    row(
        "/map/ first layer marker, phone 390×844, CPU 4× (first marker of any kind)",
        f"{a['first_markers_s']:.2f} s ({a['first_any_marker_s']:.2f} s)",
        f"{c['first_markers_s']:.2f} s ({c['first_any_marker_s']:.2f} s)",
        None,
        "≤ 1.5 s",
        c["first_markers_s"] <= MAX_FIRST_MARKERS_S,
    )
    ratio = c["publish_s"] / a["publish_s"]
    row(
        "publish one homestay in the admin (click to answer, median of 5)",
        f"{a['publish_s']:.2f} s",
        f"{c['publish_s']:.2f} s",
        ratio,
        "C/A ≤ 1.5",
        ratio <= MAX_PUBLISH_RATIO,
    )
    row(
        "search `/search/?q=民宿`, gunicorn, median of 20",
        f"{a['search_ms']:.0f} ms",
        f"{c['search_ms']:.0f} ms",
        c["search_ms"] / a["search_ms"],
        "≤ 150 ms",
        c["search_ms"] <= MAX_SEARCH_MS,
    )
    row(
        f"admin page explorer, homestays `{c['explorer_url']}`, median of 10",
        f"{a['explorer_ms']:.0f} ms",
        f"{c['explorer_ms']:.0f} ms",
        c["explorer_ms"] / a["explorer_ms"],
        "≤ 300 ms",
        c["explorer_ms"] <= MAX_ADMIN_MS,
    )
    row(
        f"admin snippets, stations `{c['snippets_url']}`, median of 10",
        f"{a['snippets_ms']:.0f} ms",
        f"{c['snippets_ms']:.0f} ms",
        c["snippets_ms"] / a["snippets_ms"],
        "≤ 300 ms",
        c["snippets_ms"] <= MAX_ADMIN_MS,
    )
    return "\n".join(rows), misses


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `apt-get install wrk` (make bench-scale does this)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise SystemExit("playwright is missing: `make install-test` (make bench-scale does this)") from None
    if not Path(bench.CHROME).exists():
        raise SystemExit(f"{bench.CHROME} is missing: `make browser-deps`")
    print(f"A: the demo in {bench.DB_NAME}", flush=True)
    bench.prepare_database()
    states = [code_state()]
    a_info = setup()
    a = measure(a_info)
    states.append(code_state())
    print(f"C: load_scale {SIZES}", flush=True)
    load_seconds = load_scale()
    states.append(code_state())
    c_info = setup(a_info)
    c = measure(c_info)
    states.append(code_state())
    text, misses = table(a_info, c_info, a, c)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    about = (
        f"{when}; {bench.machine()}; A: the demo, C: `load_scale` {SIZES.replace(',', ', ')} (seed {SEED}, {load_seconds:.0f} s) "
        f"on top of it; each column on a freshly started stack (Varnish {bench.varnish_version()}, gunicorn gthread, PostgreSQL, "
        f"Redis flushed). Cold renders: wrk -t2 -c{bench.CONNECTIONS} -d{bench.SECONDS}s straight to gunicorn over loopback; "
        f"/map/: Chromium, median of {MAP_RUNS} loads; admin rows signed in as `{ADMIN_USER}` with production's two-factor "
        f"sign-in; load average (1, 5, 15 min) A: {a['load_before']} before, {a['load_after']} after; "
        f"C: {c['load_before']} before, {c['load_after']} after (the machine is shared: compare ratios with that in mind)"
    )
    verdict = "All targets met." if not misses else "Targets missed:\n" + "\n".join(f"- {m}" for m in misses)
    if len(set(states)) > 1:
        verdict += (
            f"\n\nWarning: the working tree changed during the run (fingerprints {' → '.join(states)}: "
            "A's start and end, C's start and end), so the columns may have measured different code."
        )
    print("\n" + text + "\n\n" + about + "\n\n" + verdict)
    out = bench.ROOT / "artifacts"
    out.mkdir(exist_ok=True)
    (out / "bench-scale.md").write_text(text + "\n\n" + about + "\n\n" + verdict + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
