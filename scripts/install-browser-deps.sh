#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with Debian's CJK fonts, and the HTML checker runs on Java; install them when missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)  # the Nu HTML Checker (tests/test_html_validity.py)
command -v exiftool >/dev/null 2>&1 || missing+=(libimage-exiftool-perl)  # checks stored photos carry no metadata (tests/test_hardening_images.py)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages for the browser tests: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Need root (or sudo) to apt-get install ${missing[*]}; the browser tests will be skipped." >&2; exit 0; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
