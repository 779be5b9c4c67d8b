#!/usr/bin/env bash
# scripts/apt-install.sh PKG...: installs the Debian packages the project needs that the machine
# lacks. Every apt-get of the project goes through here, under one lock, so callers running at
# the same time (CI, the test setup) wait for each other instead of failing on dpkg's own lock.
# Exit 0: all installed (a no-op when they already were); 2: cannot here (not root, not Debian),
# with one line on stderr saying why; anything else: apt-get failed.
set -euo pipefail

LOCK=/var/lock/novaflow-apt.lock

missing() {
  local pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == *' ok installed' ]] || echo "$pkg"
  done
}

if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  echo "apt-install: cannot install $*: this is not a Debian machine (no apt-get)" >&2
  exit 2
fi
mapfile -t todo < <(missing "$@")
[ ${#todo[@]} -gt 0 ] || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "apt-install: ${todo[*]} missing, and only root may install packages (this is uid $(id -u))" >&2
  exit 2
fi

exec 9>"$LOCK"
if ! flock -w 900 9; then
  echo "apt-install: waited 15 minutes for $LOCK, held by another install" >&2
  exit 1
fi
# Whoever held the lock before may have installed them meanwhile.
mapfile -t todo < <(missing "$@")
[ ${#todo[@]} -gt 0 ] || exit 0
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${todo[@]}" >/dev/null
