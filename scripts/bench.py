#!/usr/bin/env python
"""`make bench`: production settings under gunicorn with PostgreSQL and Redis, loaded over loopback.

Prints: page | req/s | p50 | p99 | SQL queries (cold) | bytes (HTML+CSS+JS, compressed, first load).
Bounded: each URL gets BENCH_SECONDS of load from wrk (16 connections, 2 threads) on 127.0.0.1 only.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = int(os.environ.get("BENCH_PORT", "8090"))
BASE = f"http://127.0.0.1:{PORT}"
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
DB_NAME = os.environ.get("BENCH_DB", "portal_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "REDIS_URL": os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/5"),
    "PORT": str(PORT),
}


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, env=ENV, check=True, **kw)


def prepare_database():
    subprocess.run(["psql", PG + "/postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {DB_NAME}", "-c", f"CREATE DATABASE {DB_NAME}"], check=True)
    run([PY, "manage.py", "migrate", "--noinput", "-v", "0"])
    run([PY, "manage.py", "load_demo"], stdout=subprocess.DEVNULL)
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"])
    subprocess.run(["redis-cli", "-n", ENV["REDIS_URL"].rsplit("/", 1)[-1], "flushdb"], check=False, stdout=subprocess.DEVNULL)


# Discovery, cold query counts and the byte budget run inside Django (same database, same cache).
INSPECT = r"""
import json, sys
import django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page
from portal.registry import registry

urls = []
seen = set()
for page in Page.objects.live().public().filter(depth__gt=1, locale__language_code="zh-hans").specific().order_by("path"):
    name = type(page).__name__
    if name in seen:
        continue
    seen.add(name)
    urls.append((name, page.url))
urls.append(("Search 民宿", "/search/?q=%E6%B0%91%E5%AE%BF"))
layers = [("geo:" + n, f"/api/geo/{n}.geojson") for n in sorted(registry.layers)]
out = []
client = Client()
for label, url in urls + layers:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    out.append({"label": label, "url": url, "status": r.status_code, "queries": len(ctx.captured_queries)})
cache.clear()
print(json.dumps(out))
"""


def inspect():
    import json

    res = subprocess.run([PY, "-c", INSPECT], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def fetch(url, encoding="br, gzip"):
    req = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = resp.read()
        return body, resp.headers


def page_weight(url) -> int:
    """Compressed bytes of the HTML and every same-site stylesheet and script it loads."""
    body, headers = fetch(BASE + url)
    html = body
    if headers.get("Content-Encoding") == "gzip":
        html = gzip.decompress(body)
    elif headers.get("Content-Encoding") == "br":
        import brotli

        html = brotli.decompress(body)
    total = len(body)
    text = html.decode("utf-8", "replace")
    assets = set(re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', text)) | set(re.findall(r'<script[^>]+src="([^"]+)"', text))
    for asset in assets:
        if asset.startswith("/"):
            data, _ = fetch(BASE + asset)
            total += len(data)
    return total


def wrk(url):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-H", "Accept-Encoding: br, gzip", BASE + url],
        capture_output=True,
        text=True,
        timeout=SECONDS + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, lat.get("50", "?"), lat.get("99", "?"), int(non2xx.group(1)) if non2xx else 0


def wait_up():
    for _ in range(100):
        try:
            fetch(BASE + "/healthz")
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `apt-get install wrk` (make bench does this)")
    prepare_database()
    rows = inspect()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            os.environ.get("WEB_CONCURRENCY", "2"),
            "--worker-class",
            "gthread",
            "--threads",
            os.environ.get("GUNICORN_THREADS", "4"),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
        start_new_session=True,
    )
    try:
        wait_up()
        lines = ["| page | req/s | p50 | p99 | SQL queries (cold) | bytes (compressed, first load) |", "|---|---:|---:|---:|---:|---:|"]
        for row in rows:
            for _ in range(3):  # warm the cache
                fetch(BASE + row["url"])
            rps, p50, p99, bad = wrk(row["url"])
            weight = page_weight(row["url"]) if not row["label"].startswith("geo:") else len(fetch(BASE + row["url"])[0])
            note = f" ({bad} non-2xx)" if bad else ""
            lines.append(f"| {row['label']} `{row['url']}` | {rps:,.0f}{note} | {p50} | {p99} | {row['queries']} | {weight:,} |")
            print(lines[-1], flush=True)
        table = "\n".join(lines)
        machine = f"{os.cpu_count()} cores, {subprocess.run(['uname', '-m'], capture_output=True, text=True).stdout.strip()}, wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, gunicorn gthread 2×4"
        print("\n" + table + "\n\n" + machine)
        out = ROOT / "artifacts"
        out.mkdir(exist_ok=True)
        (out / "bench.md").write_text(table + "\n\n" + machine + "\n")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
