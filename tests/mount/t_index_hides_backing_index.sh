#!/usr/bin/env bash
# A real index.ndjson and .logdex/ at the root of the log dir are hidden by the virtual ones and
# are not indexed.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
clean=$(make_dir clean)
mnt=$(make_dir mnt)
printf '%s\n' '{"type":"user","id":"u1","timestamp":"2026-01-01T00:00:00Z"}' \
  '{"type":"assistant","id":"a1","parentId":"u1"}' >"$logdir/a.jsonl"
cp -a "$logdir/." "$clean/"
# Log-shaped content, so it would show up in the index if it were indexed.
printf '%s\n' '{"type":"stale","id":"s1"}' '{"type":"stale","id":"s2"}' >"$logdir/index.ndjson"
mkdir "$logdir/.logdex"
printf '%s\n' '{"type":"hidden","id":"h1"}' >"$logdir/.logdex/x.jsonl"
cp "$logdir/index.ndjson" "$TEST_DIR/backing-index.ndjson"

timeout 60 "$LOGDEX" index "$clean" >"$TEST_DIR/want.ndjson" || fail "logdex index (clean) failed"
timeout 60 "$LOGDEX" index "$logdir" >"$TEST_DIR/cli.ndjson" || fail "logdex index failed"
assert_same_bytes "$TEST_DIR/want.ndjson" "$TEST_DIR/cli.ndjson" "logdex index must skip root index.ndjson and .logdex/"
assert_eq "a.jsonl" "$(jq -r .file "$TEST_DIR/cli.ndjson" | sort -u)" "files in logdex index"

mount_logdex "$logdir" "$mnt"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/mounted.ndjson"
assert_same_bytes "$TEST_DIR/want.ndjson" "$TEST_DIR/mounted.ndjson" "mounted index.ndjson must be the synthesized one"
on_mount ls -a "$mnt/.logdex" >"$TEST_DIR/logdex-dir.txt"
grep -qx status.json "$TEST_DIR/logdex-dir.txt" || fail "mounted .logdex/ lacks status.json"
! grep -qx x.jsonl "$TEST_DIR/logdex-dir.txt" || fail "backing .logdex/x.jsonl shows through the virtual .logdex/"
assert_eq 444 "$(on_mount stat -c %a "$mnt/index.ndjson")" "mode of the virtual index.ndjson"

# The backing files are untouched.
assert_same_bytes "$TEST_DIR/backing-index.ndjson" "$logdir/index.ndjson" "backing index.ndjson"
