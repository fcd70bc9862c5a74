#!/usr/bin/env bash
# usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# Configures (RelWithDebInfo unless the extra args say otherwise) and builds with all cores.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-$repo/build}
shift || true

cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$build_dir" -j"$(nproc)"
