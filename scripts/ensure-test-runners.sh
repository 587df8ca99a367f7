#!/usr/bin/env bash
# Makes sure real pytest and Go exist for the tests gate's runner tests (idempotent; Debian/Ubuntu).
# The Debian packages land in /usr/bin: /usr/bin/python3 -m pytest and /usr/bin/go (or /usr/lib/go/bin/go).
set -euo pipefail
need=()
/usr/bin/python3 -m pytest --version >/dev/null 2>&1 || need+=(python3-pytest)
command -v go >/dev/null 2>&1 || [ -x /usr/lib/go/bin/go ] || need+=(golang-go)
if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-test-runners: ${need[*]} missing and apt-get is not available; install them by hand" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
/usr/bin/python3 -m pytest --version 2>&1 | head -1 || true
(command -v go >/dev/null 2>&1 && go version) || /usr/lib/go/bin/go version || true
