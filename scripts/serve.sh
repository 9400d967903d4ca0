#!/usr/bin/env bash
# The one-machine production stack: Varnish on $PORT in front of gunicorn on $BACKEND_PORT.
# `make serve` runs it after collectstatic and migrate; `make bench` and the proxy tests start it
# the same way. Stops both on exit (Ctrl-C or SIGTERM).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
BACKEND_PORT="${BACKEND_PORT:-$((PORT + 1))}"
VARNISH_STORAGE="${VARNISH_STORAGE:-256m}"
VARNISH_WORKDIR="${VARNISH_WORKDIR:-/tmp/portal-varnish-$PORT}"
VARNISHD="$(command -v varnishd || echo /usr/sbin/varnishd)"
[ -x "$VARNISHD" ] || { echo "varnishd is missing: run scripts/install-varnish.sh (make serve does)"; exit 1; }

export BACKEND_PORT
# Varnish appends the visitor's address to X-Forwarded-For: one proxy to trust (two behind nginx).
export PORTAL_TRUSTED_PROXY_COUNT="${PORTAL_TRUSTED_PROXY_COUNT:-1}"
# gunicorn's workers purge through Varnish (portal.cache, Wagtail's frontend cache).
export PORTAL_VARNISH_URL="${PORTAL_VARNISH_URL:-http://127.0.0.1:$PORT}"
# Several workers must agree on the content version (portal.cache): a shared cache, Redis.
if [ -z "${REDIS_URL:-}" ]; then
  if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    export REDIS_URL="redis://127.0.0.1:6379/1"
  else
    echo "warning: REDIS_URL is not set and no Redis answers on 127.0.0.1:6379; workers cannot share the content version" >&2
  fi
fi

mkdir -p "$VARNISH_WORKDIR"
vcl="$VARNISH_WORKDIR/portal.vcl"
sed "s/\.port = \"8001\";/.port = \"$BACKEND_PORT\";/" deploy/varnish/portal.vcl > "$vcl"

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/gunicorn portal.wsgi:application ${GUNICORN_ARGS:-} &
pids+=($!)
# -j none: no privilege separation, so an ordinary user can run it as well as root.
"$VARNISHD" -F -j none -n "$VARNISH_WORKDIR" -a "127.0.0.1:$PORT" -f "$vcl" -s "malloc,$VARNISH_STORAGE" \
  -p default_ttl=0 ${VARNISH_ARGS:-} &
pids+=($!)
echo ""
echo "  Varnish (page cache, ${VARNISH_STORAGE} of memory) on http://127.0.0.1:$PORT/  →  gunicorn on 127.0.0.1:$BACKEND_PORT"
echo "  Purges: PORTAL_VARNISH_URL=$PORTAL_VARNISH_URL; cache of the app: ${REDIS_URL:-local memory}"
echo ""
wait -n "${pids[@]}"
