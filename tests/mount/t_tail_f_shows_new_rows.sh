#!/usr/bin/env bash
# `tail -n0 -f MNT/index.ndjson` prints each new row as it happens: an append through the
# mount, an append straight into the log dir, and a new file each show up as one line, in that
# order, and those lines are exactly the last rows of index.ndjson; nothing else is printed.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mkdir -p "$logdir/tail"
printf '%s\n' '{"type":"tail","id":"t0"}' >"$logdir/tail/own.jsonl"
expect_log_changes "$logdir/tail/own.jsonl" "$logdir/tail/new.jsonl"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
read_index "$mnt" "$TEST_DIR/before.ndjson"

out="$TEST_DIR/tail.out"
timeout -k 5 60 tail -n0 -f -- "$mnt/index.ndjson" >"$out" &
tail_timeout=$!
kill_on_exit "$tail_timeout"
# Ready once tail (the child of timeout) holds the index open.
wait_until 10 "tail -f to open index.ndjson" child_has_open "$tail_timeout" "$mnt/index.ndjson"

has_lines() { [ "$(line_count "$out")" -ge "$1" ]; }
printf '%s\n' '{"type":"tail","id":"t1"}' >>"$mnt/tail/own.jsonl"
wait_until 10 "tail -f to print the row of an append through the mount" has_lines 1
printf '%s\n' '{"type":"tail","id":"t2"}' >>"$logdir/tail/own.jsonl"
wait_until 10 "tail -f to print the row of an append into the log dir" has_lines 2
printf '%s\n' '{"type":"tail","id":"t3"}' >"$logdir/tail/new.jsonl"
wait_until 10 "tail -f to print the row of a new file" has_lines 3

read_index "$mnt" "$TEST_DIR/after.ndjson"
assert_eq $(($(line_count "$TEST_DIR/before.ndjson") + 3)) "$(line_count "$TEST_DIR/after.ndjson")" "rows after 3 frames"
tail -n 3 "$TEST_DIR/after.ndjson" >"$TEST_DIR/last3.ndjson"
assert_same_bytes "$TEST_DIR/last3.ndjson" "$out" "tail -f output vs the index's last 3 rows"
assert_eq "t1 t2 t3" "$(jq -r .entryId "$out" | tr '\n' ' ' | sed 's/ $//')" "rows in the order the frames were written"
# Nothing more comes: after 2 more of tail's 1 s polls, still exactly those 3 lines. (A fixed
# wait is the only way to see that something does not happen; readiness above is polled.)
sleep 2
assert_same_bytes "$TEST_DIR/last3.ndjson" "$out" "tail -f output 2 s later"
assert_index_invariant "$mnt" "$logdir" "after the appends"
