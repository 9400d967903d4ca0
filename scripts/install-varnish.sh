#!/usr/bin/env bash
# The production page cache is Debian's Varnish (deploy/varnish/portal.vcl); install it when missing.
# --optional (make test): without root or sudo, say so and go on; the proxy tests are then skipped.
set -euo pipefail
command -v varnishd >/dev/null 2>&1 || [ -x /usr/sbin/varnishd ] && exit 0
echo "Installing Debian's varnish (the page cache in front of gunicorn)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Need root (or sudo) to apt-get install varnish${1:+; the proxy tests will be skipped}." >&2
    [ "${1:-}" = "--optional" ] && exit 0 || exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends varnish >/dev/null
# Debian starts a varnish service on port 6081 on install where systemd runs; the portal starts its own.
$SUDO systemctl disable --now varnish >/dev/null 2>&1 || true
