#!/usr/bin/env bash
# -o sources=LIST indexes only the listed sources; other log files are still shown and readable.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mount_logdex "$logdir" "$mnt" -o sources=pi+codex

on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/mounted.ndjson"
assert_eq "codex pi " "$(jq -r .source "$TEST_DIR/mounted.ndjson" | sort -u | tr '\n' ' ')" "sources in the index"
jq -c 'select(.source == "pi" or .source == "codex")' "$SAMPLE_EXPECTED_INDEX" >"$TEST_DIR/want.ndjson"
assert_same_bytes "$TEST_DIR/want.ndjson" "$TEST_DIR/mounted.ndjson" "index.ndjson with sources=pi+codex"
on_mount cmp "$logdir/misc/app.ndjson" "$mnt/misc/app.ndjson" || fail "unindexed log file not readable through the mount"
