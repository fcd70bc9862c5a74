#!/usr/bin/env bash
# A log shown for its NAME.lz4 cannot be written, appended to or truncated through the mount
# (EACCES, like index.ndjson), even by root; chmod and touch go to the .lz4; rm NAME removes
# NAME.lz4, mv NAME T renames it to T.lz4 and ln NAME T links it as T.lz4 when T is a log name
# (logrotate-style deletion and rotation); mv to any other name copies the decompressed bytes
# (EXDEV); the index follows. A NAME.lz4 beside a real NAME shows as itself, untouched, and is not indexed.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_lz4.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
printf '{"type":"a","id":"1"}\n{"type":"a","id":"2"}\n' >"$TEST_DIR/a"
lz4 -q "$TEST_DIR/a" "$logdir/a.jsonl.lz4"
lz4 -q "$TEST_DIR/a" "$logdir/b.jsonl.lz4"
lz4 -q "$TEST_DIR/a" "$logdir/e.jsonl.lz4"
printf '{"type":"real"}\n' >"$logdir/r.jsonl"
printf '{"type":"hidden"}\n' | lz4 -q -c >"$logdir/r.jsonl.lz4"
mount_logdex "$logdir" "$mnt"
# chmod, touch, rm, mv and ln through the mount act on these .lz4 files (and e.txt is mv's copy).
expect_log_changes "$logdir"/{a,b,c,e,l}.jsonl.lz4 "$logdir/e.txt"

f="$mnt/a.jsonl"
out=$(on_mount sh -c 'echo x >>"$1"' sh "$f" 2>&1) && fail "append succeeded"
case $out in *"Permission denied"*) ;; *) fail "append: expected EACCES, got: $out" ;; esac
assert_fails "overwrite" sh -c 'echo x >"$1"' sh "$f"
assert_fails "open read-write" sh -c 'exec 3<>"$1"' sh "$f"
assert_fails "truncate" truncate -s 0 "$f"
assert_same_bytes "$TEST_DIR/a" "$f" "a.jsonl after the attempts"
lz4 -q -d -c "$logdir/a.jsonl.lz4" | cmp -s - "$TEST_DIR/a" || fail "the .lz4 changed"

assert_succeeds "chmod" chmod 0600 "$f"
assert_eq 600 "$(stat -c %a "$logdir/a.jsonl.lz4")" "chmod reached the .lz4"
assert_eq 400 "$(on_mount stat -c %a "$f")" "mode shown after chmod"
assert_succeeds "touch -d" touch -d 2020-01-02T03:04:05Z "$f"
assert_eq "$(stat -c %Y "$logdir/a.jsonl.lz4")" "$(on_mount stat -c %Y "$f")" "mtime shown is the .lz4's"

# The real r.jsonl wins; r.jsonl.lz4 is an ordinary file of its own name.
assert_eq '{"type":"real"}' "$(on_mount cat "$mnt/r.jsonl")" "r.jsonl is the real file"
on_mount cmp -s "$mnt/r.jsonl.lz4" "$logdir/r.jsonl.lz4" || fail "r.jsonl.lz4 shows its own bytes"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/idx"
grep -q hidden "$TEST_DIR/idx" && fail "r.jsonl.lz4 was indexed"
grep -q '"file":"a.jsonl"' "$TEST_DIR/idx" || fail "a.jsonl not indexed"

assert_succeeds "rm" rm "$mnt/b.jsonl"
[ ! -e "$logdir/b.jsonl.lz4" ] || fail "rm left b.jsonl.lz4"
assert_succeeds "mv" mv "$mnt/a.jsonl" "$mnt/c.jsonl"
[ -e "$logdir/c.jsonl.lz4" ] && [ ! -e "$logdir/a.jsonl.lz4" ] || fail "mv did not rename the .lz4: $(ls "$logdir")"
assert_same_bytes "$TEST_DIR/a" "$mnt/c.jsonl" "c.jsonl after mv"
assert_succeeds "ln" ln "$mnt/c.jsonl" "$mnt/l.jsonl"
[ "$logdir/c.jsonl.lz4" -ef "$logdir/l.jsonl.lz4" ] || fail "ln did not link the .lz4 as l.jsonl.lz4"
assert_same_bytes "$TEST_DIR/a" "$mnt/l.jsonl" "l.jsonl after ln"
rc=0; out=$(on_mount python3 -c 'import os, sys; os.rename(sys.argv[1], sys.argv[2])' "$mnt/e.jsonl" "$mnt/e.txt" 2>&1) || rc=$?
case $out in *"Invalid cross-device link"*) ;; *) fail "rename to a name that is not a log: expected EXDEV, got: $out" ;; esac
assert_succeeds "mv to a name that is not a log" mv "$mnt/e.jsonl" "$mnt/e.txt"
[ ! -e "$logdir/e.jsonl.lz4" ] || fail "mv left e.jsonl.lz4"
assert_same_bytes "$TEST_DIR/a" "$logdir/e.txt" "e.txt holds the decompressed bytes"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/idx"
"$LOGDEX" index "$logdir" >"$TEST_DIR/want"
assert_same_bytes "$TEST_DIR/want" "$TEST_DIR/idx" "index after rm, mv and ln"
