# shellcheck shell=bash
# Verbs for the tests of bad trees (issue 10): special files, symlinks, unreadable paths, a log
# dir that goes away. Source it after lib.sh, lib_live.sh and lib_warnings.sh.
#
# The skip counts compared: status.json's skipped.non_utf8_names and skipped.unreadable (files
# and directories), and `logdex verify --json`'s counts.non_utf8_names and
# counts.unreadable_files + counts.unreadable_dirs: a live mount counts what a fresh walk counts.

# mount_skips MNT: "NON_UTF8 UNREADABLE" from MNT's status.json.
mount_skips() {
  on_mount jq -r '"\(.skipped.non_utf8_names) \(.skipped.unreadable)"' -- "$1/.logdex/status.json" ||
    fail "cannot read $1/.logdex/status.json"
}

# verify_skips LOGDIR [PREFIX...]: "NON_UTF8 UNREADABLE" from `logdex verify --json LOGDIR`, run
# under PREFIX (say, setpriv as another user). verify exits 0 or 1 here; 2 fails the test.
verify_skips() {
  local logdir=$1 rc=0 out
  shift
  out=$(timeout -k 5 120 "$@" "$LOGDEX" verify --json "$logdir") || rc=$?
  [ "$rc" -le 1 ] || fail "logdex verify --json $logdir exited $rc"
  printf '%s\n' "$out" | jq -r '"\(.counts.non_utf8_names) \(.counts.unreadable_files + .counts.unreadable_dirs)"' ||
    fail "logdex verify --json $logdir printed no JSON"
}

# wait_skips SECS MNT WANT WHAT: waits until mount_skips MNT prints WANT. Each try first stats
# index.ndjson: what brings the index (and its counts) up to date with the log dir (SPEC §5).
wait_skips() {
  local secs=$1 mnt=$2 want=$3 what=$4
  skips_are() { on_mount stat -- "$mnt/index.ndjson" >/dev/null && [ "$(mount_skips "$mnt")" = "$want" ]; }
  wait_showing "$secs" "$what: status.json skips (non-UTF-8, unreadable) to be '$want'" \
    "mount_skips $(printf '%q' "$mnt")" skips_are
}

# wait_index_invariant SECS MNT LOGDIR WHAT: waits until the index sorted equals `logdex index`
# sorted (the log dir must be quiet), then asserts it once more.
wait_index_invariant() {
  local secs=$1 mnt=$2 logdir=$3 what=$4 tmp
  tmp=$(mktemp -d "$TEST_DIR/wait-invariant.XXXXXX")
  same_sorted() {
    on_mount cat -- "$mnt/index.ndjson" | sort >"$tmp/m" &&
      timeout -k 5 120 "$LOGDEX" index "$logdir" | sort >"$tmp/c" && cmp -s "$tmp/m" "$tmp/c"
  }
  # (SHOW is run as a word-split command, not eval'd: a function, not a pipeline.)
  invariant_diff() { diff -- "$tmp/c" "$tmp/m" | head -5 || true; }
  wait_showing "$secs" "$what: index.ndjson sorted to equal logdex index sorted" invariant_diff same_sorted
  rm -rf -- "$tmp"
  assert_index_invariant "$mnt" "$logdir" "$what"
}
