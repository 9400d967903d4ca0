"""gunicorn settings for `make serve` and `make bench` (gunicorn reads ./gunicorn.conf.py by itself).

gthread workers keep connections alive (sync workers close each one), so a phone on a slow link or
a load balancer reuses its connection; cores × 2 + 1 processes, as gunicorn's docs advise, because
each Python process holds the GIL while it renders. Anonymous cache hits never reach Django
(portal.cache.PageCacheWSGI), so a few threads per process are enough.
"""

import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
