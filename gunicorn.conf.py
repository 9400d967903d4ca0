"""gunicorn settings for `make serve` and `make bench` (gunicorn reads ./gunicorn.conf.py by itself).

gunicorn sits behind Varnish (scripts/serve.sh), which answers cached pages itself, so gunicorn
sees misses, passes and form posts. gthread workers keep Varnish's backend connections alive;
cores × 2 + 1 processes, as gunicorn's docs advise, because each Python process holds the GIL
while it renders.
"""

import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('BACKEND_PORT', '8001')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
