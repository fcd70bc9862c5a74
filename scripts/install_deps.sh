#!/usr/bin/env bash
# Installs every Debian 12 package logdex needs to build, test and mount. Idempotent: safe to
# run again; apt-get skips what is already installed. Runs as root, through sudo if it can, and
# otherwise prints the command for the user to run.
set -euo pipefail

packages=(
  build-essential g++ cmake pkg-config
  libfuse3-dev fuse3
  libsimdjson-dev libabsl-dev liblz4-dev lz4 libisal-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  clang libclang-rt-14-dev
  jq util-linux procps python3
  dpkg-dev file man-db prometheus-node-exporter
)

# Already complete? Then there is nothing to do (and no network needed).
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ] && [ "${LOGDEX_FORCE_APT:-0}" != 1 ]; then
  echo "install_deps: all ${#packages[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1; then
  run=(sudo)
else
  echo "install_deps: not root and no sudo; as root, run:" >&2
  echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages[*]}" >&2
  exit 1
fi

echo "install_deps: installing ${missing[*]}"
"${run[@]}" apt-get update
"${run[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${packages[@]}"
