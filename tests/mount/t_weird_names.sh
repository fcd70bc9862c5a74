#!/usr/bin/env bash
# Odd names and odd contents (spaces, newline, unicode, quotes, backslash, leading dash,
# non-UTF-8, dangling and looping symlinks, a binary file, deep nesting, an empty file) are
# listed and readable through the mount, and index.ndjson equals `logdex index` and parses.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
line='{"type":"t","id":"1","sessionId":"s"}'
names=(
  "with space.jsonl"
  $'new\nline.jsonl'
  "ünïcødé-日本語-🙂.jsonl"
  "quote\"back\\slash.jsonl"
  "-leading-dash.jsonl"
  $'tab\there.ndjson'
  $'bad-\xff\xfe-name.jsonl'
)
for name in "${names[@]}"; do
  printf '%s\n' "$line" >"$logdir/$name"
done
mkdir "$logdir/dir with space" "$logdir/"$'dir-\xff'
printf '%s\n' "$line" >"$logdir/dir with space/inner.jsonl"
printf '%s\n' "$line" >"$logdir/"$'dir-\xff/inside-non-utf8-dir.jsonl'
ln -s nowhere.jsonl "$logdir/dangling.jsonl"
ln -s loop-b.jsonl "$logdir/loop-a.jsonl"
ln -s loop-a.jsonl "$logdir/loop-b.jsonl"
ln -s . "$logdir/self-loop"
# A binary file with a log-file name: every byte value, NULs included, in a fixed pattern.
for i in $(seq 0 255); do printf '%b' "\\$(printf %03o "$i")"; done >"$TEST_DIR/bytes"
for i in 1 2 3 4; do cat "$TEST_DIR/bytes"; done >"$logdir/x.jsonl"
: >"$logdir/empty.jsonl"
# Nesting: 1000 deep is valid, 1100 deep is over the 1024 limit (corrupt), 100000 deep must not crash.
nest() { printf '{"type":"deep","v":'; printf "%${1}s" | tr ' ' '['; printf "%${1}s" | tr ' ' ']'; printf '}\n'; }
{ nest 1000; nest 1100; nest 100000; printf '%s\n' "$line"; } >"$logdir/deep.jsonl"

mount_logdex "$logdir" "$mnt"

on_mount ls -la "$mnt" >/dev/null || fail "ls -la of the mount failed"
list() {
  (cd "$1" && on_mount find . -mindepth 1 -printf '%P\t%y\t%s\t%l\0') |
    grep -zv -e '^index\.ndjson	' -e '^\.logdex' | sort -z
}
list "$logdir" >"$TEST_DIR/want.lst"
list "$mnt" >"$TEST_DIR/got.lst"
assert_same_bytes "$TEST_DIR/want.lst" "$TEST_DIR/got.lst" "listing (names, types, sizes, symlink targets)"

count=0
while IFS= read -r -d '' rel; do
  on_mount cmp -- "$logdir/$rel" "$mnt/$rel" || fail "bytes differ through the mount: $(printf '%q' "$rel")"
  count=$((count + 1))
done < <(cd "$logdir" && find . -type f -printf '%P\0')
assert_eq 12 "$count" "regular files compared"
assert_fails "reading a symlink loop" cat "$mnt/loop-a.jsonl"
assert_fails "reading a dangling symlink" cat "$mnt/dangling.jsonl"

timeout 60 "$LOGDEX" index "$logdir" >"$TEST_DIR/cli.ndjson" || fail "logdex index exited $?"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/mounted.ndjson"
assert_same_bytes "$TEST_DIR/cli.ndjson" "$TEST_DIR/mounted.ndjson" "index.ndjson vs logdex index"
rows=$(wc -l <"$TEST_DIR/mounted.ndjson")
parsed=$(jq -c . "$TEST_DIR/mounted.ndjson" | wc -l) || fail "jq could not parse index.ndjson"
assert_eq "$rows" "$parsed" "rows parsed by jq"
# Every UTF-8-named log file with frames is indexed (under its real name); non-UTF-8 ones are not.
jq -r .file "$TEST_DIR/mounted.ndjson" | sort -u >"$TEST_DIR/files.txt"
for name in "with space.jsonl" "ünïcødé-日本語-🙂.jsonl" "quote\"back\\slash.jsonl" \
  "-leading-dash.jsonl" "dir with space/inner.jsonl" x.jsonl deep.jsonl; do
  grep -qxF -- "$name" "$TEST_DIR/files.txt" || fail "no rows for $(printf '%q' "$name")"
done
[ "$(jq -r 'select(.file == "new\nline.jsonl") | .byteOffset' "$TEST_DIR/mounted.ndjson" | wc -l)" -eq 1 ] ||
  fail "no row for the name with a newline"
! grep -q 'bad-' "$TEST_DIR/files.txt" || fail "non-UTF-8 name was indexed"
! grep -q 'inside-non-utf8-dir' "$TEST_DIR/files.txt" || fail "file under a non-UTF-8 dir was indexed"
deep_states=$(jq -r 'select(.file == "deep.jsonl") | .state' "$TEST_DIR/mounted.ndjson" | tr '\n' ' ')
assert_eq "active corrupt corrupt active " "$deep_states" "states of deep.jsonl rows"
on_mount stat "$mnt/index.ndjson" >/dev/null || fail "mount died"
