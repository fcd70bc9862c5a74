#!/usr/bin/env bash
# usage: scripts/build.sh [BUILD_DIR] [extra cmake args...] [-- TARGET...]
# Configures (RelWithDebInfo unless the extra args say otherwise) and builds with all cores:
# every target, or only the TARGETs named after `--`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-$repo/build}
shift || true

configure=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do configure+=("$1"); shift; done
[ $# -eq 0 ] || shift
targets=()
for t in "$@"; do targets+=(--target "$t"); done

cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${configure[@]}"
cmake --build "$build_dir" -j"$(nproc)" "${targets[@]}"
