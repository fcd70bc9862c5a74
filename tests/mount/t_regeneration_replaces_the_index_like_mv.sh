#!/usr/bin/env bash
# A regeneration replaces index.ndjson the way `mv new index.ndjson` would (SPEC §4, whole rows):
# the new index has a new inode number; a descriptor opened before it reads on to the end of the
# index it opened (exactly those bytes, then EOF) and fstat on it still shows the old inode and
# size; every new open reads the new, canonical index. Between regenerations it is one file that
# only grows: an append keeps the inode number, and a descriptor already at EOF reads the new
# row. `tail -F` streams an append, then follows the regenerated index by name: it prints the new
# index from its start and the rows appended after it, and every line it prints is a whole row.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
# Its files sort first (0-regen/), so a regeneration moves every row after theirs: a read that went
# on in the new version would be torn.
mkdir -p "$logdir/0-regen"
frames() {  # frames PREFIX: three frames
  printf '{"type":"r","id":"%s1"}\n{"type":"r","id":"%s2"}\n{"type":"r","id":"%s3"}\n' "$1" "$1" "$1"
}
for name in trunc moved grow; do frames "$name" >"$logdir/0-regen/$name.jsonl"; done
expect_log_changes "$logdir"/0-regen/{trunc,moved,MOVED,grow}.jsonl
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
assert_index_canonical "$mnt" "$logdir" "fresh mount"

# index_ino / index_size: st_ino / st_size of MNT/index.ndjson by name (a fresh lookup).
index_ino() { on_mount stat -c %i -- "$mnt/index.ndjson" || fail "stat index.ndjson exited $?"; }
index_size() { on_mount stat -c %s -- "$mnt/index.ndjson" || fail "stat index.ndjson exited $?"; }
# fd_stat FD: "st_ino st_size" by fstat(2) on descriptor FD (`stat -` stats standard input).
fd_stat() { on_mount stat -c '%i %s' - <&"$1" || fail "fstat of fd $1 exited $?"; }
# append_frame ID: one frame, through the mount, at the end of 0-regen/grow.jsonl.
append_frame() {
  printf '{"type":"r","id":"%s"}\n' "$1" |
    on_mount dd of="$mnt/0-regen/grow.jsonl" oflag=append conv=notrunc status=none ||
    fail "append of $1 through the mount exited $?"
}
# all_whole_rows FILE WHAT: every line of FILE is a JSON object and FILE ends in "\n" (or is empty).
all_whole_rows() {
  jq -e -n 'all(inputs; type == "object")' <"$1" >/dev/null 2>&1 ||
    fail "$2: not every line is a whole row: $(jq -c . <"$1" 2>&1 >/dev/null | head -n 1)"
  [ -z "$(tail -c 1 -- "$1")" ] || fail "$2: ends inside a row"
}

# Descriptors 3 and 4 (below) would keep the mount busy at a failure: close them first.
at_exit 'exec 3<&- 4<&-'

# 1. A descriptor opened before a regeneration reads the old index to its end.
# (The open is a shell redirection, which no `timeout` can wrap; the stat first shows that the
# mount answers, and run_all.sh's hard timeout covers a hang after it.)
ino_old=$(index_ino)
on_mount cat -- "$mnt/index.ndjson" >"$TEST_DIR/old.ndjson" || fail "cat index.ndjson exited $?"
size_old=$(wc -c <"$TEST_DIR/old.ndjson" | tr -d ' ')
exec 3<"$mnt/index.ndjson"
# Read up to 5 bytes into the middle row: the rest of fd 3 must complete that very row.
part=$(($(head -n $(($(line_count "$TEST_DIR/old.ndjson") / 2)) -- "$TEST_DIR/old.ndjson" | wc -c) + 5))
on_mount head -c "$part" <&3 >"$TEST_DIR/old.part1" || fail "reading the first $part bytes of fd 3 exited $?"
assert_eq "$part" "$(wc -c <"$TEST_DIR/old.part1" | tr -d ' ')" "bytes read from fd 3 before the regeneration"
assert_eq "$ino_old $size_old" "$(fd_stat 3)" "fstat of fd 3 before the regeneration"
# Regenerate: truncate an indexed file to its first frame, through the mount.
on_mount truncate -s "$(head -n 1 "$logdir/0-regen/trunc.jsonl" | wc -c)" -- "$mnt/0-regen/trunc.jsonl" ||
  fail "truncate through the mount exited $?"
ino_new=$(index_ino)
assert_ne "$ino_old" "$ino_new" "st_ino of index.ndjson after a regeneration (a new file, as after mv)"
assert_eq "$ino_old $size_old" "$(fd_stat 3)" "fstat of fd 3 (opened before the regeneration) after it"
on_mount cat <&3 >"$TEST_DIR/old.part2" || fail "reading fd 3 to EOF exited $?"
cat -- "$TEST_DIR/old.part1" "$TEST_DIR/old.part2" >"$TEST_DIR/old.via-fd"
assert_same_bytes "$TEST_DIR/old.ndjson" "$TEST_DIR/old.via-fd" \
  "fd 3 read across a regeneration vs the index it opened"
exec 3<&-
assert_index_canonical "$mnt" "$logdir" "a new open after the regeneration"
read_index "$mnt" "$TEST_DIR/new.ndjson"
! cmp -s "$TEST_DIR/old.ndjson" "$TEST_DIR/new.ndjson" ||
  fail "the regeneration did not change the index (the case proves nothing)"

# 2. Between regenerations the same file only grows.
ino=$(index_ino)
size=$(index_size)
exec 4<"$mnt/index.ndjson"
on_mount cat <&4 >"$TEST_DIR/grow.before" || fail "reading fd 4 to EOF exited $?"
append_frame grow-a1
assert_eq "$ino" "$(index_ino)" "st_ino of index.ndjson after an append (the same file)"
size_after=$(index_size)
[ "$size_after" -gt "$size" ] || fail "st_size of index.ndjson after an append: $size -> $size_after, must grow"
on_mount cat <&4 >"$TEST_DIR/grow.more" || fail "reading fd 4 after the append exited $?"
exec 4<&-
assert_eq 1 "$(line_count "$TEST_DIR/grow.more")" "rows fd 4 read after the append (it was at EOF)"
assert_eq grow-a1 "$(jq -r .entryId <"$TEST_DIR/grow.more")" "the row fd 4 read after the append"
read_index "$mnt" "$TEST_DIR/grown.ndjson"
cat -- "$TEST_DIR/grow.before" "$TEST_DIR/grow.more" | cmp -s - "$TEST_DIR/grown.ndjson" ||
  fail "fd 4's bytes before and after the append are not index.ndjson"

# 3. `tail -F` streams appends, then follows the regenerated index by name.
out="$TEST_DIR/tail.out"
timeout -k 5 60 tail -n 0 -s 0.2 -F -- "$mnt/index.ndjson" >"$out" 2>"$TEST_DIR/tail.err" &
tail_timeout=$!
kill_on_exit "$tail_timeout"
wait_until 10 "tail -F to open index.ndjson" child_has_open "$tail_timeout" "$mnt/index.ndjson"
has_row() { grep -qF "\"entryId\":\"$1\"" -- "$out"; }
append_frame tail-b1
wait_until 10 "tail -F to print the row of an append (before any regeneration)" has_row tail-b1
assert_eq tail-b1 "$(jq -r .entryId <"$out" | tr '\n' ' ' | sed 's/ $//')" "tail -F output after one append"
ino=$(index_ino)
# Regenerate: rename an indexed file to a name of the same length, so the index keeps its size
# (a tail that never reopened would see no change at all and print nothing).
on_mount mv -T -- "$mnt/0-regen/moved.jsonl" "$mnt/0-regen/MOVED.jsonl" || fail "mv through the mount exited $?"
assert_ne "$ino" "$(index_ino)" "st_ino of index.ndjson after a rename regenerated it"
append_frame tail-a1
wait_until 15 "tail -F to print the row of an append after the regeneration" has_row tail-a1
read_index "$mnt" "$TEST_DIR/final.ndjson"
# tail -F reopened the new index and printed it from its start: its output ends with all of it.
ends_with() {  # ends_with FILE PART: the last bytes of FILE are PART's
  cmp -s -- "$2" <(tail -c "$(wc -c <"$2")" -- "$1")
}
wait_until 10 "tail -F's output to end with the whole regenerated index" ends_with "$out" "$TEST_DIR/final.ndjson"
all_whole_rows "$out" "tail -F output"
assert_eq tail-b1 "$(head -n 1 "$out" | jq -r .entryId)" "tail -F's first line"
assert_index_invariant "$mnt" "$logdir" "at the end"
