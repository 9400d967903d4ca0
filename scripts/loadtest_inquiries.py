#!/usr/bin/env python
"""Load test of the homestay inquiry form: N submissions from C concurrent clients, then a check in
the database that every one was saved exactly once (none lost, none duplicated).

Each client behaves like a browser behind our nginx: it fetches a CSRF token from
`<listing>/inquire/?format=token` (as homestays.js does), keeps the cookie, and posts the form over
"https" (X-Forwarded-Proto) from its own address (X-Forwarded-For, so the per-address rate limit
sees many visitors). Every message carries a unique marker; the check counts the markers.

    make serve                                   # production settings, PostgreSQL (another terminal)
    DJANGO_SETTINGS_MODULE=portal.settings.production DJANGO_SECRET_KEY=… DATABASE_URL=… \\
        .venv/bin/python scripts/loadtest_inquiries.py http://127.0.0.1:8000 /homestays/<slug>/ --total 200 --clients 20

The server needs PORTAL_TRUSTED_PROXY_COUNT=1 (it sits behind "nginx"). tests/test_security_load.py
runs this against gunicorn on the PostgreSQL test database in `make test`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit


def client_address(n: int) -> str:
    return f"10.{20 + n // 62500}.{(n // 250) % 250}.{n % 250 + 1}"


def submit(base_url: str, listing_path: str, n: int, marker: str, timeout: float = 30) -> tuple[int, str]:
    """One visitor: GET a token, POST the form. Returns (status, Location or error)."""
    parts = urlsplit(base_url)
    host = parts.netloc
    origin = f"https://{host}"
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": client_address(n), "Host": host, "User-Agent": "portal-loadtest"}
    inquire = listing_path.rstrip("/") + "/inquire/"
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", inquire + "?format=token", headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            return response.status, f"token: {body[:200]!r}"
        token = json.loads(body)["csrfToken"]
        cookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie.load(header)
        cookies = "; ".join(f"{k}={v.value}" for k, v in cookie.items())
        today = dt.date.today()
        form = {
            "csrfmiddlewaretoken": token,
            "name": f"压力测试{n}",
            "phone": f"139{n:08d}",
            "arrival": (today + dt.timedelta(days=20)).isoformat(),
            "departure": (today + dt.timedelta(days=22)).isoformat(),
            "guests": "2",
            "message": marker,
            "consent": "on",
            "website": "",
        }
        post_headers = {
            **headers,
            "Cookie": cookies,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": origin + inquire,
        }
        connection.request("POST", inquire, body=urlencode(form), headers=post_headers)
        response = connection.getresponse()
        body = response.read()
        return response.status, response.headers.get("Location") or body[:300].decode("utf-8", "replace")
    except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
        return 0, f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()


def run(base_url: str, listing_path: str, total: int = 200, clients: int = 20, run_id: str | None = None) -> dict:
    """Fire `total` submissions from `clients` threads; return the markers and what came back."""
    run_id = run_id or uuid.uuid4().hex[:8]
    markers = [f"LOAD-{run_id}-{n:05d}" for n in range(total)]
    results: dict[str, tuple[int, str]] = {}
    lock = threading.Lock()

    def one(n):
        outcome = submit(base_url, listing_path, n, markers[n])
        with lock:
            results[markers[n]] = outcome

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(total)))
    seconds = time.monotonic() - started
    accepted = [m for m, (status, _) in results.items() if status == 302]
    failures = {m: r for m, r in results.items() if r[0] != 302}
    return {"run_id": run_id, "markers": markers, "accepted": accepted, "failures": failures, "seconds": round(seconds, 2)}


def verify(run_id: str, markers: list[str]) -> dict:
    """Count the saved inquiries per marker (needs Django configured for the same database)."""
    from collections import Counter

    from homestays.models import Inquiry

    counts = Counter(Inquiry.objects.filter(message__startswith=f"LOAD-{run_id}-").values_list("message", flat=True))
    return {
        "saved": sum(counts.values()),
        "lost": [m for m in markers if counts[m] == 0],
        "duplicated": {m: c for m, c in counts.items() if c > 1},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("listing_path", help="e.g. /homestays/kayang-huahai/")
    parser.add_argument("--total", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--no-verify", action="store_true", help="only send (no database access from here)")
    args = parser.parse_args(argv)

    outcome = run(args.base_url, args.listing_path, args.total, args.clients)
    report = {k: v for k, v in outcome.items() if k != "markers"}
    report["accepted"] = len(outcome["accepted"])
    report["failures"] = dict(list(outcome["failures"].items())[:10])
    if not args.no_verify:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        import django

        django.setup()
        report.update(verify(outcome["run_id"], outcome["markers"]))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    ok = report["accepted"] == args.total and (args.no_verify or (report["saved"] == args.total and not report["lost"] and not report["duplicated"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
