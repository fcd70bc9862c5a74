#!/usr/bin/env bash
# index.ndjson of the bundled sample equals the committed expected index byte for byte, equals
# `logdex index`, has an exact st_size and mode 0444, parses with jq, and shows corrupt rows.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mount_logdex "$logdir" "$mnt"

on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/mounted.ndjson"
assert_same_bytes "$SAMPLE_EXPECTED_INDEX" "$TEST_DIR/mounted.ndjson" "index.ndjson vs tests/data/sample-logs.expected.ndjson"

timeout 60 "$LOGDEX" index "$logdir" >"$TEST_DIR/cli.ndjson" || fail "logdex index exited $?"
assert_same_bytes "$SAMPLE_EXPECTED_INDEX" "$TEST_DIR/cli.ndjson" "logdex index vs expected"

assert_eq "$(wc -c <"$SAMPLE_EXPECTED_INDEX" | tr -d ' ')" "$(on_mount stat -c %s "$mnt/index.ndjson")" "st_size of index.ndjson"
assert_eq 444 "$(on_mount stat -c %a "$mnt/index.ndjson")" "mode of index.ndjson"
assert_eq "regular file" "$(on_mount stat -c %F "$mnt/index.ndjson")" "type of index.ndjson"

rows=$(wc -l <"$TEST_DIR/mounted.ndjson")
parsed=$(jq -c . "$TEST_DIR/mounted.ndjson" | wc -l) || fail "jq could not parse index.ndjson"
assert_eq "$rows" "$parsed" "rows parsed by jq"
corrupt=$(on_mount jq -s 'map(select(.state == "corrupt")) | length' "$mnt/index.ndjson")
[ "$corrupt" -gt 0 ] || fail "no corrupt rows in the sample's index"
sources=$(jq -r .source "$TEST_DIR/mounted.ndjson" | sort -u | tr '\n' ' ')
assert_eq "claude codex jsonl pi " "$sources" "sources seen in the sample"
