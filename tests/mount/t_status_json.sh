#!/usr/bin/env bash
# .logdex/status.json is valid JSON whose frame count equals the rows of index.ndjson, and
# .logdex is hidden from plain ls but listed by ls -a.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mount_logdex "$logdir" "$mnt"

rows=$(on_mount cat "$mnt/index.ndjson" | wc -l)
[ "$rows" -gt 0 ] || fail "index.ndjson has no rows"
on_mount cat "$mnt/.logdex/status.json" >"$TEST_DIR/status.json"
jq -e 'type == "object"' "$TEST_DIR/status.json" >/dev/null || fail "status.json is not a JSON object"
frames=$(jq -r '.frames | if type == "object" then .total else . end' "$TEST_DIR/status.json")
assert_eq "$rows" "$frames" "status.json .frames vs rows of index.ndjson"
# The sample ends misc/app.ndjson with a torn tail (bytes after the last newline).
torn=$(jq -r '.torn_tails' "$TEST_DIR/status.json")
[ "$torn" -ge 1 ] 2>/dev/null || fail "status.json .torn_tails should count misc/app.ndjson's torn tail, got '$torn'"
assert_eq 444 "$(on_mount stat -c %a "$mnt/.logdex/status.json")" "mode of status.json"
assert_eq "$(wc -c <"$TEST_DIR/status.json" | tr -d ' ')" "$(on_mount stat -c %s "$mnt/.logdex/status.json")" "st_size of status.json"

on_mount ls "$mnt" >"$TEST_DIR/ls.txt"
on_mount ls -a "$mnt" >"$TEST_DIR/ls-a.txt"
! grep -qx .logdex "$TEST_DIR/ls.txt" || fail ".logdex listed by plain ls"
grep -qx .logdex "$TEST_DIR/ls-a.txt" || fail ".logdex missing from ls -a"
grep -qx index.ndjson "$TEST_DIR/ls.txt" || fail "index.ndjson missing from ls"
assert_fails "writing status.json" sh -c 'echo x >"$1"' sh "$mnt/.logdex/status.json"
