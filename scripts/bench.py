#!/usr/bin/env python
"""`make bench`: the production stack of `make serve` (Varnish in front of gunicorn, PostgreSQL,
Redis), loaded over loopback.

Prints one table: page | through Varnish (req/s, p50, p99, × the rate of a static file) | cold,
Varnish bypassed (renders/s and p50 straight from gunicorn, SQL queries of one render with every
cache empty) | bytes (HTML+CSS+JS, compressed, first load); then Lighthouse's mobile performance
score for the home page, a route and the map page, the machine, and which targets (README
"Performance") each row misses. The static file (the site's stylesheet, through Varnish) is loaded
in the same run: it is the ceiling a cached page is compared with.

Bounded: each URL gets BENCH_ROUNDS rounds of BENCH_SECONDS of load from wrk (BENCH_CONNECTIONS
connections, 2 threads) through Varnish and one round straight to gunicorn, on 127.0.0.1 only;
nothing leaves the machine. A row shows the median round by p99: on a shared 2-core machine one
stall of the host lifts a single round's p99 over any target, so the worst round of each URL is
printed below the table as well, not hidden.

Environment: BENCH_PG (server URL, default postgres://postgres@127.0.0.1:5432), BENCH_DB (database,
dropped and re-created: default portal_bench), BENCH_REDIS (default redis://127.0.0.1:6379/5, flushed),
BENCH_PORT (Varnish; gunicorn on the next port), BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (16), BENCH_LIGHTHOUSE=0 to skip Lighthouse, BENCH_LIGHTHOUSE_RUNS (3, median),
BENCH_SKIP_LOAD=1 to reuse the database of the previous run. The table is also written to
artifacts/bench.md.

`make bench-scale` (scripts/bench_scale.py) uses this module's stack and helpers to compare the demo
with ten times Xining's content (issue 27).
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = int(os.environ.get("BENCH_PORT", "8090"))
BACKEND_PORT = PORT + 1
BASE = f"http://127.0.0.1:{PORT}"  # Varnish
BACKEND = f"http://127.0.0.1:{BACKEND_PORT}"  # gunicorn, bypassing Varnish
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "3")))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
DB_NAME = os.environ.get("BENCH_DB", "portal_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")

# Targets (issues 10 and 19): cached pages and layers at ≥ 0.8× a static file's rate with p99 ≤ 20 ms,
# cold renders within the query budget, weight, Lighthouse.
MIN_STATIC_RATIO, MAX_P99_MS, MAX_QUERIES, MAX_BYTES, MAX_MAP_BYTES, MIN_LIGHTHOUSE = 0.8, 20.0, 15, 100 * 1024, 200 * 1024, 95

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",  # load_demo's workflow mails
    "PORTAL_SERVE_MEDIA": "1",  # no nginx here: Django serves the demo's photos (portal/urls_media.py)
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "REDIS_URL": os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/5"),
    "PORT": str(PORT),
    "BACKEND_PORT": str(BACKEND_PORT),
    "PORTAL_SEARCH_RATE": "1000000/m",  # the cold round loads search straight from one address
    "VARNISH_WORKDIR": str(Path(tempfile.gettempdir()) / f"portal-bench-varnish-{PORT}"),
}


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, env=ENV, check=True, **kw)


def prepare_database():
    if os.environ.get("BENCH_SKIP_LOAD") != "1":
        subprocess.run(["psql", PG + "/postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {DB_NAME}", "-c", f"CREATE DATABASE {DB_NAME}"], check=True)
        run([PY, "manage.py", "migrate", "--noinput", "-v", "0"])
        run([PY, "manage.py", "load_demo"], stdout=subprocess.DEVNULL)
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"])
    flush_redis()


def flush_redis():
    subprocess.run(["redis-cli", "-n", ENV["REDIS_URL"].rsplit("/", 1)[-1], "flushdb"], check=False, stdout=subprocess.DEVNULL)


# Discovery and cold query counts run inside Django (same database, same cache): one page of every
# type (Chinese, the default language), an event, search results and the map layers.
INSPECT = r"""
import json
import django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page
from portal.registry import registry

urls, seen = [], set()
for page in Page.objects.live().public().filter(depth__gt=1, locale__language_code="zh-hans").specific().order_by("path"):
    name = type(page).__name__
    if name == "NewsPage" and getattr(page, "is_event", False):
        name = "NewsPage (event)"
    if name in seen:
        continue
    seen.add(name)
    urls.append((name, page.url))
urls.append(("Search 民宿", "/search/?q=%E6%B0%91%E5%AE%BF"))
layers = [("geo:" + n, f"/api/geo/{n}.geojson") for n in sorted(registry.layers)]
out = []
client = Client(HTTP_HOST="127.0.0.1")
for label, url in urls + layers:
    client.get(url)  # renditions are made once, as on a running site
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    out.append({"label": label, "url": url, "status": r.status_code, "queries": len(ctx.captured_queries)})
cache.clear()
print(json.dumps(out))
"""


def inspect():
    res = subprocess.run([PY, "-c", INSPECT], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def fetch(url, encoding="gzip"):
    req = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read(), resp.headers


def decode(body, headers) -> bytes:
    if headers.get("Content-Encoding") == "gzip":
        return gzip.decompress(body)
    if headers.get("Content-Encoding") == "br":
        import brotli

        return brotli.decompress(body)
    return body


def page_weight(url) -> int:
    """Compressed bytes of the HTML and every same-site stylesheet and script it loads, as sent."""
    body, headers = fetch(BASE + url)
    total = len(body)
    text = decode(body, headers).decode("utf-8", "replace")
    assets = set(re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', text)) | set(re.findall(r'<script[^>]+src="([^"]+)"', text))
    for asset in assets:
        if asset.startswith("/"):
            data, _ = fetch(BASE + asset)
            total += len(data)
    return total


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url, base=BASE):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-H", "Accept-Encoding: gzip", base + url],
        capture_output=True,
        text=True,
        timeout=SECONDS + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, to_ms(lat["50"]), to_ms(lat["99"]), int(non2xx.group(1)) if non2xx else 0


def lighthouse(url) -> int | None:
    """Lighthouse's mobile performance score (0-100) with Debian's Chromium, headless."""
    if not LIGHTHOUSE.exists() or not Path(CHROME).exists():
        print(f"  (Lighthouse skipped: {'npm ci' if not LIGHTHOUSE.exists() else CHROME} missing)")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [
                str(LIGHTHOUSE),
                BASE + url,
                "--only-categories=performance",
                "--output=json",
                f"--output-path={report}",
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                "--quiet",
            ],
            env={**os.environ, "CHROME_PATH": CHROME},
            check=False,
            timeout=180,
        )
        if not report.exists():
            return None
        data = json.loads(report.read_text())
        artifacts = ROOT / "artifacts"
        artifacts.mkdir(exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", url.strip("/").lower()) or "home"
        (artifacts / f"lighthouse-{slug}.json").write_text(json.dumps(data))
        score = data["categories"]["performance"]["score"]
        return None if score is None else round(score * 100)


def wait_up():
    for _ in range(150):
        try:
            fetch(BASE + "/healthz")
            fetch(BACKEND + "/healthz")
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise SystemExit("Varnish and gunicorn did not start (scripts/serve.sh)")


def measured(url, base=BASE):
    """(rps, p50, p99, non-2xx, worst p99) of the median round by p99, after a 1 s warm-up."""
    fetch(base + url)
    subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", "-d1s", "-H", "Accept-Encoding: gzip", base + url], capture_output=True, timeout=30)
    rounds = sorted((wrk(url, base) for _ in range(ROUNDS)), key=lambda r: r[2])
    rps, p50, p99, _bad = rounds[len(rounds) // 2]
    return rps, p50, p99, max(r[3] for r in rounds), rounds[-1][2]


def start_stack() -> subprocess.Popen:
    """scripts/serve.sh, as `make serve`: Varnish on PORT, gunicorn (gunicorn.conf.py) on PORT + 1.
    Returns once every gunicorn worker has booted; stop_stack() ends both."""
    server = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=ROOT, env=ENV, start_new_session=True, stdout=subprocess.DEVNULL)
    try:
        wait_up()
        # /healthz answers as soon as one worker is up; the others may still be importing Django.
        # A few seconds of load let every worker boot before the first row is measured.
        subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", "-d3s", BACKEND + "/healthz"], capture_output=True, timeout=30)
    except BaseException:
        stop_stack(server)
        raise
    return server


def stop_stack(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=10)


def machine() -> str:
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {model}"


def varnish_version() -> str:
    found = subprocess.run([shutil.which("varnishd") or "/usr/sbin/varnishd", "-V"], capture_output=True, text=True)
    match = re.search(r"varnish-([\d.]+)", found.stdout + found.stderr)
    return match.group(1) if match else "?"


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `apt-get install wrk` (make bench does this)")
    prepare_database()
    rows = inspect()
    flush_redis()
    server = start_stack()
    misses = []
    worst = []  # each URL's worst round (p99)
    try:
        load_before = load()
        home = decode(*fetch(BASE + "/")).decode("utf-8", "replace")
        stylesheet = re.search(r'<link[^>]+rel="stylesheet"[^>]+href="(/static/[^"]+)"', home).group(1)
        static_rps, static_p50, static_p99, _bad, static_worst = measured(stylesheet)
        worst.append(f"static {static_worst:.1f} ms")
        lines = [
            "| page | req/s (Varnish) | p50 | p99 | × static | cold renders/s (gunicorn) | cold p50 | SQL queries (cold) | bytes (compressed, first load) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| static file `{stylesheet.split('/')[-1]}` | {static_rps:,.0f} | {static_p50:.1f} ms | {static_p99:.1f} ms | 1.00 | | | | |",
        ]
        print(lines[-1], flush=True)
        for row in rows:
            rps, p50, p99, bad, worst_p99 = measured(row["url"])
            worst.append(f"{row['label']} {worst_p99:.1f} ms")
            cold_rps, cold_p50, _p99, cold_bad = wrk(row["url"], BACKEND)
            ratio = rps / static_rps
            is_layer = row["label"].startswith("geo:")
            weight = len(fetch(BASE + row["url"])[0]) if is_layer else page_weight(row["url"])
            note = f" ({bad} non-2xx)" if bad else ""
            lines.append(
                f"| {row['label']} `{row['url']}` | {rps:,.0f}{note} | {p50:.1f} ms | {p99:.1f} ms | {ratio:.2f} | {cold_rps:,.0f} | {cold_p50:.0f} ms | {row['queries']} | {weight:,} |"
            )
            print(lines[-1], flush=True)
            limit = MAX_MAP_BYTES if row["label"] == "MapPage" else MAX_BYTES
            for failed, what in [
                (ratio < MIN_STATIC_RATIO, f"{rps:,.0f} req/s is {ratio:.2f}× the static file's {static_rps:,.0f} (< {MIN_STATIC_RATIO})"),
                (p99 > MAX_P99_MS, f"p99 {p99:.1f} ms > {MAX_P99_MS:.0f}"),
                (not is_layer and row["queries"] > MAX_QUERIES, f"{row['queries']} queries > {MAX_QUERIES}"),
                (not is_layer and weight > limit, f"{weight:,} bytes > {limit:,}"),
                (bool(bad or cold_bad), f"{bad + cold_bad} non-2xx"),
            ]:
                if failed:
                    misses.append(f"{row['label']}: {what}")
        load_after = load()
        scores = []
        if os.environ.get("BENCH_LIGHTHOUSE", "1") != "0":
            targets = [("home", "/")] + [(r["label"], r["url"]) for r in rows if r["label"] in ("RoutePage", "MapPage")]
            runs = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "3"))
            for label, url in targets:
                # Lighthouse varies from run to run (more so on a busy machine): the median of a few
                # runs, as Lighthouse's own docs advise; a run that fails (e.g. NO_NAVSTART) is dropped.
                results = sorted(s for s in (lighthouse(url) for _ in range(runs)) if s is not None)
                score = results[len(results) // 2] if results else None
                scores.append(f"| {label} `{url}` | {score if score is not None else '–'} |")
                print(scores[-1], flush=True)
                if score is None or score < MIN_LIGHTHOUSE:
                    misses.append(f"Lighthouse {label}: {score} < {MIN_LIGHTHOUSE}")
        when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        about = (
            f"{when}; {machine()}; wrk -t2 -c{CONNECTIONS} -d{SECONDS}s over loopback on the same machine, median of {ROUNDS} rounds "
            f"through Varnish, one round straight to gunicorn; Varnish {varnish_version()} in front of gunicorn gthread (gunicorn.conf.py), "
            f"PostgreSQL, Redis; load average {load_before} before, {load_after} after"
        )
        table = "\n".join(lines)
        if ROUNDS > 1:
            table += f"\n\np99 of the worst of {ROUNDS} rounds: " + "; ".join(worst)
        if scores:
            table += "\n\n| Lighthouse (mobile, performance) | score |\n|---|---:|\n" + "\n".join(scores)
        verdict = "All targets met." if not misses else "Targets missed:\n" + "\n".join(f"- {m}" for m in misses)
        print("\n" + table + "\n\n" + about + "\n\n" + verdict)
        out = ROOT / "artifacts"
        out.mkdir(exist_ok=True)
        (out / "bench.md").write_text(table + "\n\n" + about + "\n\n" + verdict + "\n")
    finally:
        stop_stack(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
