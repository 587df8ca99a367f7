#!/usr/bin/env bash
# Makes sure a real OpenSSH server binary exists for the SSH tests (idempotent; Debian/Ubuntu).
set -euo pipefail
if [ ! -x /usr/sbin/sshd ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-sshd: /usr/sbin/sshd is missing and apt-get is not available; install OpenSSH server by hand" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # --no-install-recommends: no ncurses-term/xauth/etc.; the tests need only sshd, ssh, scp, ssh-keygen.
  $SUDO apt-get install -y -qq --no-install-recommends openssh-server openssh-client >/dev/null
fi
# sshd refuses to start without its privilege-separation directory.
if [ ! -d /run/sshd ]; then
  if [ "$(id -u)" -ne 0 ]; then sudo mkdir -p /run/sshd && sudo chmod 0755 /run/sshd; else mkdir -p /run/sshd && chmod 0755 /run/sshd; fi
fi
/usr/sbin/sshd -V 2>&1 | head -1 || true
