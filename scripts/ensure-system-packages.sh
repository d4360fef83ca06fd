#!/usr/bin/env bash
# Installs what plytix-prima needs from Debian when it is missing: the libxml2, zlib and SQLite
# headers (found through pkg-config). Safe to run again; does nothing when all is present.
set -euo pipefail

need_install=0
command -v pkg-config >/dev/null 2>&1 || need_install=1
if [ "$need_install" = 0 ]; then
  pkg-config --exists libxml-2.0 zlib sqlite3 || need_install=1
fi

if [ "$need_install" = 1 ]; then
  echo "==> installing libxml2-dev zlib1g-dev libsqlite3-dev pkg-config"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "error: run as root (or install sudo) to install system packages" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq libxml2-dev zlib1g-dev libsqlite3-dev pkg-config >/dev/null
fi

# The Swift toolchain: on PATH, or where this machine kind keeps it (see scripts/env.sh).
. "$(dirname "$0")/env.sh"
command -v swift >/dev/null 2>&1 || { echo "error: no Swift 6 toolchain found (on PATH or at /opt/swift/usr/bin)" >&2; exit 1; }
