#!/usr/bin/env bash
# A pi store's index/offsets.jsonl reads, through the mount, as the rows pi's own rebuild would
# write for its segments (SPEC §5), byte for byte, whatever the backing copy holds: right, missing
# (index/ then still shows it), missing with its directory, with a ghost row, stale (truncated),
# with a wrong CRC. status.json and metrics.prom say how the backing copy drifted; the segments
# and the backing copy are never changed by reading.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
store=pi/sessions/demo.v2
# The sample store's own offsets.jsonl is right (written by pi's rules, checked by hand against
# its segments): it is what the view must read as, whatever happens to the backing copy.
expected="$TEST_DIR/expected-offsets.jsonl"
cp -- "$logdir/$store/index/offsets.jsonl" "$expected"
segments_digest() { (cd -- "$logdir/$store/segments" && md5sum -- *); }
segs_before=$(segments_digest)
# The test rewrites, removes and restores the backing copy and its directory.
expect_log_changes "$logdir/$store/index"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
view="$mnt/$store/index/offsets.jsonl"

# assert_view WHAT: the view's bytes and st_size are the expected ones.
assert_view() {
  on_mount cat -- "$view" >"$TEST_DIR/view" || fail "$1: cat of the view exited $?"
  assert_same_bytes "$expected" "$TEST_DIR/view" "$1: the view vs pi's rebuild"
  assert_eq "$(wc -c <"$expected" | tr -d ' ')" "$(on_mount stat -c %s -- "$view")" "$1: st_size of the view"
}
# drift_of: the store's drift kind in status.json ("ok" when not listed).
drift_of() {
  on_mount jq -r --arg s "$store" '([.pi.listed[] | select(.store == $s) | .drift] + ["ok"])[0]' \
    -- "$mnt/.logdex/status.json"
}
# metric SERIES: its value in metrics.prom.
metric() {
  on_mount awk -v s="$1" '$1 == s { print $2 }' "$mnt/.logdex/metrics.prom"
}

assert_view "backing copy right"
assert_eq ok "$(drift_of)" "drift of a right backing copy"
assert_eq 1 "$(status_get "$mnt" .pi.stores)" "pi stores counted"
assert_eq 0 "$(status_get "$mnt" .pi.drifted)" "no store drifted"

# Ghost row: a copy of the last row appended to the backing copy.
tail -n 1 -- "$expected" >>"$logdir/$store/index/offsets.jsonl"
assert_view "backing copy with a ghost row"
assert_eq ghost_rows "$(drift_of)" "drift with a ghost row"
assert_eq 1 "$(metric 'logdex_pi_stores_drifted{kind="ghost_rows"}')" "metrics: ghost rows"

# Stale: the backing copy lost its last rows (a crash before pi wrote them).
head -n 2 -- "$expected" >"$logdir/$store/index/offsets.jsonl"
assert_view "stale backing copy"
assert_eq stale "$(drift_of)" "drift of a truncated backing copy"
assert_eq 4 "$(status_get "$mnt" '.pi.listed[0].missing_rows')" "missing rows of the stale copy"

# Wrong CRC in one row.
sed 's/"crc32c":"0CF00284"/"crc32c":"00000000"/' -- "$expected" >"$logdir/$store/index/offsets.jsonl"
assert_view "backing copy with a wrong CRC"
assert_eq wrong_rows "$(drift_of)" "drift with a wrong CRC"

# Missing file: the view is still there, and listed in index/.
rm -- "$logdir/$store/index/offsets.jsonl"
assert_view "backing copy missing"
assert_eq missing "$(drift_of)" "drift of a missing backing copy"
assert_eq offsets.jsonl "$(on_mount ls -- "$mnt/$store/index")" "index/ lists the view"
assert_eq 1 "$(metric 'logdex_pi_stores_drifted{kind="missing"}')" "metrics: missing"

# Missing directory: index/ is shown (0700, like pi's own) and holds the view.
rmdir -- "$logdir/$store/index"
assert_eq "drwx------" "$(on_mount stat -c %A -- "$mnt/$store/index")" "mode of the shown index/"
assert_eq offsets.jsonl "$(on_mount ls -- "$mnt/$store/index")" "the shown index/ lists the view"
assert_view "index/ missing"
[ ! -e "$logdir/$store/index" ] || fail "reading the view made index/ in the log dir"

# Reading never changed a segment.
assert_eq "$segs_before" "$(segments_digest)" "segment bytes after all the reads"

# Back to right: the drift is gone.
mkdir -m 0700 -- "$logdir/$store/index"
cp -- "$expected" "$logdir/$store/index/offsets.jsonl"
assert_view "backing copy restored"
assert_eq ok "$(drift_of)" "drift once restored"
