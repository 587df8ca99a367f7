#!/usr/bin/env bash
# Makes sure Debian's Chromium exists for the browser tests of the web view (idempotent; Debian/Ubuntu).
# playwright-core drives it via executablePath /usr/bin/chromium; `npx playwright install` cannot download here.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: /usr/bin/chromium is missing and apt-get is not available; install Chromium by hand" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # --no-install-recommends: no chromium-sandbox/fonts extras; the tests run headless with --no-sandbox.
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null | head -1 || true
