# shellcheck shell=bash
# Extra verbs for the tests of a live, self-healing index (write-through, freshness, growth,
# persisted cache, recovery). Source it after lib.sh:
#
#   . "$(dirname "$0")/lib.sh" "$1"
#   . "$(dirname "$0")/lib_live.sh"
#
# Every verb that reads the mount goes through on_mount (a hung mount fails the test). Waiting is
# always polling with a deadline (wait_until), never a fixed sleep.

# cli_index LOGDIR OUT: `logdex index LOGDIR` into OUT (the canonical index, SPEC §4).
cli_index() {
  local rc=0
  timeout -k 5 120 "$LOGDEX" index "$1" >"$2" || rc=$?
  [ "$rc" -eq 0 ] || fail "logdex index $1 exited $rc"
}

# read_index MNT OUT: index.ndjson's bytes into OUT; fails unless st_size, taken right after,
# equals the byte count read (SPEC §5: exact st_size). Only for a quiet log dir.
read_index() {
  on_mount cat -- "$1/index.ndjson" >"$2" || fail "cat $1/index.ndjson exited $?"
  assert_eq "$(wc -c <"$2" | tr -d ' ')" "$(on_mount stat -c %s -- "$1/index.ndjson")" \
    "st_size of $1/index.ndjson vs bytes read"
}

# assert_index_invariant MNT LOGDIR WHAT: SPEC §4's invariant. Sorting the mount's rows
# canonically must give exactly `logdex index LOGDIR`. Checked as: both, sorted with the same
# byte order (LC_ALL=C sort), are the same bytes. Why that is equivalent: `logdex index` is
# canonical by definition, and each row holds its (file, byteOffset), which is unique, so no two
# rows are equal; two sets of distinct lines are equal exactly when their sorted forms are, and
# the mount's rows sorted canonically equal `logdex index` exactly when they are the same set.
# (A missing, duplicated or changed row makes the sorted bytes differ.) The log dir must be quiet.
assert_index_invariant() {
  local mnt=$1 logdir=$2 what=$3 tmp
  tmp=$(mktemp -d "$TEST_DIR/invariant.XXXXXX")
  read_index "$mnt" "$tmp/mounted.ndjson"
  cli_index "$logdir" "$tmp/cli.ndjson"
  sort -- "$tmp/mounted.ndjson" >"$tmp/mounted.sorted"
  sort -- "$tmp/cli.ndjson" >"$tmp/cli.sorted"
  assert_same_bytes "$tmp/cli.sorted" "$tmp/mounted.sorted" "$what: index.ndjson sorted vs logdex index sorted"
  rm -rf -- "$tmp"
}

# assert_index_canonical MNT LOGDIR WHAT: stronger than the invariant: index.ndjson is exactly
# `logdex index LOGDIR`, in canonical order (a fresh build or a regeneration, SPEC §4).
assert_index_canonical() {
  local mnt=$1 logdir=$2 what=$3 tmp
  tmp=$(mktemp -d "$TEST_DIR/canonical.XXXXXX")
  read_index "$mnt" "$tmp/mounted.ndjson"
  cli_index "$logdir" "$tmp/cli.ndjson"
  assert_same_bytes "$tmp/cli.ndjson" "$tmp/mounted.ndjson" "$what: index.ndjson vs logdex index (canonical order)"
  rm -rf -- "$tmp"
}

# wait_until SECONDS WHAT CMD...: polls CMD every 0.1 s until it succeeds; fails the test with
# WHAT when it has not after SECONDS.
wait_until() {
  local secs=$1 what=$2
  shift 2
  wait_showing "$secs" "$what" "" "$@"
}

# wait_showing SECS WHAT SHOW CMD...: wait_until, but a timeout's message ends with the output of
# the command SHOW (if not empty), run at that moment: what the state was instead.
wait_showing() {
  local secs=$1 what=$2 show=$3 tries=0
  shift 3
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge $((secs * 10)) ]; then
      [ -z "$show" ] || what+="; instead: $($show 2>&1)"
      fail "timed out after ${secs}s waiting for: $what"
    fi
    sleep 0.1
  done
}

# status_get MNT JQ_FILTER: the filter applied to MNT/.logdex/status.json, raw output.
status_get() {
  local out rc=0
  out=$(on_mount jq -er "$2" -- "$1/.logdex/status.json") || rc=$?
  [ "$rc" -eq 0 ] || fail "status.json: '$2' gave no value (jq exit $rc)"
  printf '%s\n' "$out"
}

# line_count FILE: number of \n in FILE.
line_count() {
  wc -l <"$1" | tr -d ' '
}

# kill9_daemon MNT: SIGKILLs the daemon serving MNT (by pid) and waits until it is gone; the
# mount stays behind, dead (ENOTCONN), as after a crash.
kill9_daemon() {
  local mnt=$1 pids pid
  pids=$(daemon_pids "$mnt")
  [ -n "$pids" ] || fail "no logdex daemon found for $mnt"
  for pid in $pids; do kill -9 "$pid"; done
  wait_until 10 "daemon of $mnt to die after kill -9" daemons_gone "$mnt"
}

# daemons_gone MNT: true when no logdex process serves MNT any more.
daemons_gone() {
  [ -z "$(daemon_pids "$1")" ]
}

# kill_on_exit PID: at exit, PID is killed (by pid, TERM) and waited for before lib.sh's cleanup
# unmounts, so a background reader (tail -f, a writer) never keeps a mount busy or outlives the
# test.
LIVE_PIDS=()
kill_on_exit() {
  [ "${#LIVE_PIDS[@]}" -gt 0 ] || at_exit live_kill_all
  LIVE_PIDS+=("$1")
}
live_kill_all() {
  local pid
  for pid in "${LIVE_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${LIVE_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
}

# child_has_open PARENT PATH: true when a child of process PARENT holds PATH open (readiness of a
# reader started under `timeout`, whose child is the reader itself).
child_has_open() {
  local pid
  for pid in $(pgrep -P "$1"); do has_open "$pid" "$2" && return 0; done
  return 1
}

# has_open PID PATH: true when process PID holds PATH open (readiness of a background reader).
has_open() {
  local fd
  for fd in /proc/"$1"/fd/*; do
    [ "$(readlink -- "$fd" 2>/dev/null)" = "$2" ] && return 0
  done
  return 1
}

# unmount_clean MNT: a plain `fusermount3 -u` must succeed and the daemon must then exit by
# itself (it saves the cache on the way out); no lazy unmount, no kill.
unmount_clean() {
  local rc=0
  timeout -k 5 20 fusermount3 -u -- "$1" || rc=$?
  [ "$rc" -eq 0 ] || fail "fusermount3 -u $1 exited $rc"
  wait_until 20 "the daemon of $1 to exit after unmount" daemons_gone "$1"
}

# cache_listing CACHE_DIR: the names in the cache dir, sorted, one line.
cache_listing() {
  (cd -- "$1" && find . -mindepth 1 -printf '%P\n' | sort | tr '\n' ' ' | sed 's/ $//')
}

# save_good_cache LOGDIR MNT CACHE_DIR: mounts, reads the index, unmounts: a good index.cache.
save_good_cache() {
  mount_logdex "$1" "$2" -o "cache_dir=$3"
  read_index "$2" "$TEST_DIR/saved-with-cache.ndjson"
  unmount_clean "$2"
  [ -s "$3/index.cache" ] || fail "no index.cache saved in $3"
}

# assert_cache_moved_aside LOGDIR MNT CACHE_DIR KIND WHAT: the index.cache now in CACHE_DIR must
# not be trusted: a mount serves exactly `logdex index`, status says cache.start KIND, the cache
# is kept as index.cache.bad (same bytes); the unmount saves a new cache the next mount reuses.
assert_cache_moved_aside() {
  local logdir=$1 mnt=$2 cache=$3 kind=$4 what=$5
  cp -- "$cache/index.cache" "$TEST_DIR/bad-copy"
  mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
  assert_index_canonical "$mnt" "$logdir" "$what: index"
  assert_eq "$kind" "$(status_get "$mnt" .cache.start)" "$what: cache.start"
  [ -e "$cache/index.cache.bad" ] || fail "$what: no index.cache.bad in the cache dir (has: $(cache_listing "$cache"))"
  assert_same_bytes "$TEST_DIR/bad-copy" "$cache/index.cache.bad" "$what: index.cache.bad vs the bad cache"
  unmount_clean "$mnt"
  [ -s "$cache/index.cache" ] || fail "$what: no new index.cache after the unmount"
  ! cmp -s "$TEST_DIR/bad-copy" "$cache/index.cache" || fail "$what: the bad cache was saved again as index.cache"
  mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
  assert_index_canonical "$mnt" "$logdir" "$what: index at the next mount"
  assert_eq reused "$(status_get "$mnt" .cache.start)" "$what: the next mount reuses the new cache"
  unmount_clean "$mnt"
}
