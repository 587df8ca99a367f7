#!/usr/bin/env bash
# Makes sure bubblewrap exists for the sandbox tests (idempotent; Debian/Ubuntu). gaterun itself does
# not need it: without bwrap (or where user/mount namespaces are off) commands run unsandboxed and the
# ledger says so (sandbox: none).
set -euo pipefail
if ! command -v bwrap >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-bwrap: bwrap is missing and apt-get is not available; install bubblewrap by hand" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null
fi
# A real trial: bwrap can be installed yet unable to start (namespaces off in some containers).
if bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid --die-with-parent true 2>/dev/null; then
  bwrap --version
else
  echo "ensure-bwrap: $(bwrap --version) is installed but cannot start here (user/mount namespaces off?); sandbox tests will report sandbox: none" >&2
fi
