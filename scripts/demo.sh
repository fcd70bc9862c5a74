#!/usr/bin/env bash
# usage: scripts/demo.sh [--once] [LOGDIR]
# Installs dependencies, builds, mounts LOGDIR (default: the bundled tests/data/sample-logs,
# read-only) on a fresh mount point and shows the tree, index.ndjson through jq, and
# `logdex status` (a summary of .logdex/status.json).
# Leaves it mounted for you to explore, unless --once is given or stdin is not a terminal (then
# `logdex unmount`).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

once=0
logdir=
for arg in "$@"; do
  case $arg in
    --once) once=1 ;;
    -h | --help) sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "demo.sh: unknown option $arg" >&2; exit 2 ;;
    *) [ -z "$logdir" ] || { echo "demo.sh: one LOGDIR only" >&2; exit 2; }; logdir=$arg ;;
  esac
done
mount_opts=()
if [ -z "$logdir" ]; then
  # The bundled sample is a test fixture: mount it read-only so the demo cannot change it.
  logdir=$repo/tests/data/sample-logs
  mount_opts=(-o ro)
fi
[ -d "$logdir" ] || { echo "demo.sh: not a directory: $logdir" >&2; exit 2; }
logdir=$(cd "$logdir" && pwd)
[ -t 0 ] || once=1

bash "$repo/scripts/install_deps.sh"
bash "$repo/scripts/build.sh" "$repo/build" -DBUILD_TESTING=OFF -DLOGDEX_SANITIZE=OFF >"${TMPDIR:-/tmp}/logdex-demo-build.log" 2>&1 || {
  tail -n 40 "${TMPDIR:-/tmp}/logdex-demo-build.log" >&2
  echo "demo.sh: build failed (full log: ${TMPDIR:-/tmp}/logdex-demo-build.log)" >&2
  exit 1
}
logdex=$repo/build/fs/logdex
[ -x "$logdex" ] || logdex=$(find "$repo/build" -type f -name logdex -perm -u+x | head -n 1)
[ -x "$logdex" ] || { echo "demo.sh: built, but no logdex binary under build/" >&2; exit 1; }

mnt=$(mktemp -d "${TMPDIR:-/tmp}/logdex-demo.XXXXXX")
unmount() {
  timeout 20 fusermount3 -u "$mnt" 2>/dev/null || timeout 20 fusermount3 -uz "$mnt" 2>/dev/null || true
  rmdir "$mnt" 2>/dev/null || true
}
# Until the demo has shown everything, any failure unmounts.
trap unmount EXIT

echo
echo "\$ logdex mount $logdir $mnt ${mount_opts[*]}"
timeout 120 "$logdex" mount "$logdir" "$mnt" "${mount_opts[@]}"
for _ in $(seq 200); do timeout 5 mountpoint -q "$mnt" && break; sleep 0.1; done
timeout 5 mountpoint -q "$mnt" || { echo "demo.sh: $mnt did not become a mount point" >&2; exit 1; }
echo "mounted at: $mnt"

show() {
  echo
  echo "\$ $*"
  timeout 30 "$@"
}
show ls -la "$mnt"
echo
echo "\$ jq -c '{file,source,state,entryType}' $mnt/index.ndjson | head"
(set +o pipefail; timeout 30 jq -c '{file,source,state,entryType}' "$mnt/index.ndjson" | head)
echo
echo "\$ jq -c -s 'map(.source) | group_by(.) | map({(.[0]): length}) | add' $mnt/index.ndjson"
timeout 30 jq -c -s 'map(.source) | group_by(.) | map({(.[0]): length}) | add' "$mnt/index.ndjson"
echo
echo "\$ jq -c 'select(.state == \"corrupt\")' $mnt/index.ndjson | head -n 3"
(set +o pipefail; timeout 30 jq -c 'select(.state == "corrupt")' "$mnt/index.ndjson" | head -n 3)
echo
echo "\$ ls -lt $mnt/.logdex/sessions | head -n 6    # one file per session, latest first"
(set +o pipefail; timeout 30 ls -lt "$mnt/.logdex/sessions" | head -n 6)
echo
echo "\$ logdex status $mnt"
timeout 30 "$logdex" status "$mnt" || true  # exit 1: the sample has damage on purpose

echo
if [ "$once" -eq 1 ]; then
  echo "\$ logdex unmount $mnt"
  timeout 90 "$logdex" unmount "$mnt" || unmount
  rmdir "$mnt" 2>/dev/null || true
  trap - EXIT
  echo "(--once, or no terminal on stdin)"
else
  trap - EXIT
  echo "The mount stays up. Explore it, e.g.:  tail -f $mnt/index.ndjson"
  echo "Check it with: $logdex status $mnt   (--json for all of status.json)"
  echo "Unmount with:  $logdex unmount $mnt"
fi
