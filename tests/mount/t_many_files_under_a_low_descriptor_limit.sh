#!/usr/bin/env bash
# Started with RLIMIT_NOFILE 1024 (soft and hard) over a tree of 5,000 files, the daemon serves
# every one of them (SPEC §5 "Any tree size"): `find | xargs cat` and `grep -r` through the mount
# give what they give on the log dir, with no EMFILE, and the daemon holds far fewer descriptors
# than the limit while the kernel still knows every node. Nodes it reopens after that resolve to
# what the log dir holds now: after directories and files are renamed, swapped, deleted and
# recreated straight in the log dir, the new paths read the right bytes and the old ones ENOENT,
# never another file's bytes. The index stays the log dir's and status says health "ok".
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

readonly NOFILE=1024          # soft and hard RLIMIT_NOFILE the daemon is started with
readonly MAX_DAEMON_FDS=512   # descriptors the daemon may hold with every node known
readonly DIRS=50 FILES_PER_DIR=100

logdir=$(make_dir logs)
mnt=$(make_dir mnt)

# The tree: d00..d49, each with f000..f099.jsonl holding 1-3 frames. Every line of dNN/fMMM.jsonl
# carries the token tok_dNN_fMMM in "msg" (a member no row copies, so index.ndjson never matches).
# One awk process writes all 5,000 files (closing each, so it never holds many descriptors).
dirs=()
for ((d = 0; d < DIRS; d++)); do printf -v dir '%s/d%02d' "$logdir" "$d"; dirs+=("$dir"); done
mkdir -- "${dirs[@]}"
awk -v root="$logdir" -v dirs="$DIRS" -v per="$FILES_PER_DIR" 'BEGIN {
  for (d = 0; d < dirs; d++) for (f = 0; f < per; f++) {
    path = sprintf("%s/d%02d/f%03d.jsonl", root, d, f)
    lines = (d * per + f) % 3 + 1
    for (i = 1; i <= lines; i++)
      printf "{\"type\":\"t\",\"id\":\"%d\",\"msg\":\"tok_d%02d_f%03d line %d\"}\n", i, d, f, i > path
    close(path)
  }
}'
total_files=$((DIRS * FILES_PER_DIR))
assert_eq "$total_files" "$(find "$logdir" -type f -name '*.jsonl' | wc -l)" "files made in the log dir"

mount_logdex_under_limit "$NOFILE" "$logdir" "$mnt"

pids=$(daemon_pids "$mnt")
[ -n "$pids" ] || fail "no logdex daemon found for $mnt"
[ "$(wc -w <<<"$pids")" -eq 1 ] || fail "more than one logdex process serves $mnt: $pids"
pid=$pids
limits=$(awk '/^Max open files/ { print $4, $5 }' "/proc/$pid/limits")
# Started at NOFILE:NOFILE, the daemon may raise its soft limit only up to its hard one, which stays.
assert_eq "$NOFILE $NOFILE" "$limits" "daemon $pid's RLIMIT_NOFILE (soft hard)"

# every_file ROOT OUT: the sorted list of .jsonl files under ROOT into OUT.list and their bytes,
# concatenated in that order, into OUT.bytes; stderr into OUT.err. Fails on any error.
every_file() {
  local root=$1 out=$2 rc=0
  (cd -- "$root" && on_mount find . -type f -name '*.jsonl' -printf '%P\n' | sort) >"$out.list" 2>"$out.err" ||
    fail "find in $root: $(head -n 3 "$out.err")"
  (cd -- "$root" && tr '\n' '\0' <"$out.list" | on_mount xargs -0 cat --) >"$out.bytes" 2>"$out.err" || rc=$?
  if [ "$rc" -ne 0 ] || [ -s "$out.err" ]; then
    fail "xargs cat of every file under $root exited $rc ($(grep -c . "$out.err") error lines): $(head -n 3 "$out.err")"
  fi
}
# same_tree WHAT: every file reads through the mount as it does in the log dir.
same_tree() {
  every_file "$logdir" "$TEST_DIR/want"
  every_file "$mnt" "$TEST_DIR/got"
  assert_same_bytes "$TEST_DIR/want.list" "$TEST_DIR/got.list" "$1: the files under the mount"
  assert_same_bytes "$TEST_DIR/want.bytes" "$TEST_DIR/got.bytes" "$1: the bytes of every file"
}

# 1. The kernel looks up and reads all 5,000 files, 5x the daemon's limit.
(cd -- "$mnt" && on_mount find . -type f -name '*.jsonl' -print0 | on_mount xargs -0 cat --) \
  >/dev/null 2>"$TEST_DIR/first.err" || fail "find MNT | xargs cat failed: $(head -n 3 "$TEST_DIR/first.err")"
[ ! -s "$TEST_DIR/first.err" ] || fail "find MNT | xargs cat printed errors: $(head -n 3 "$TEST_DIR/first.err")"
same_tree "every file, read in path order"
assert_eq "$total_files" "$(line_count "$TEST_DIR/got.list")" "files read through the mount"

# 2. grep -r: one token in exactly its file; a count per file for all of them.
token_file=d23/f077.jsonl
assert_eq "$mnt/$token_file" "$(on_mount grep -rl -- tok_d23_f077 "$mnt" 2>&1)" "grep -rl of one file's token"
grep_counts() {  # grep_counts ROOT OUT: `grep -rc tok_ ROOT` per .jsonl file, sorted, ROOT removed
  local rc=0
  (cd -- "$1" && on_mount grep -rc -- tok_ .) >"$2.raw" 2>"$2.err" || rc=$?
  if [ "$rc" -ne 0 ] || [ -s "$2.err" ]; then fail "grep -rc tok_ $1 exited $rc: $(head -n 3 "$2.err")"; fi
  grep '\.jsonl:' "$2.raw" | sort >"$2"
}
grep_counts "$logdir" "$TEST_DIR/grep.want"
grep_counts "$mnt" "$TEST_DIR/grep.got"
assert_same_bytes "$TEST_DIR/grep.want" "$TEST_DIR/grep.got" "grep -rc: matching lines per file"
assert_eq "$total_files" "$(grep -vc ':0$' "$TEST_DIR/grep.got")" "files grep -rc finds the token in"
! grep -E '^\./(index\.ndjson|\.logdex/.*):[1-9]' "$TEST_DIR/grep.got.raw" ||
  fail "grep -rc found a token in the mount's virtual files"

# 3. The kernel still holds every node it just looked up (it forgets only under memory pressure
#    or at unmount), yet the daemon holds few descriptors.
fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
echo "daemon $pid holds $fds open descriptors with $total_files files looked up (limit $NOFILE)"
[ "$fds" -lt "$MAX_DAEMON_FDS" ] || fail "daemon holds $fds descriptors, not fewer than $MAX_DAEMON_FDS"

# 4. The index of the whole tree.
read_index "$mnt" "$TEST_DIR/index.ndjson"
rows=$(line_count "$TEST_DIR/index.ndjson")
[ "$rows" -ge "$total_files" ] || fail "index.ndjson has $rows rows, fewer than the $total_files files"
assert_index_invariant "$mnt" "$logdir" "after reading every file"

# 5. Changes straight in the log dir, on nodes the kernel looked up long ago (their descriptors,
#    if any, long evicted): reopening by a remembered path must not hit what lives there now.
expect_log_changes "$logdir"/{d01,d02,swap.tmp,d03/f000.jsonl,d03/f001.jsonl,d03/swap.tmp,d04,d04-moved} \
  "$logdir"/{d05/f007.jsonl,d06/renamed.jsonl,d07/f010.jsonl}
mv -T -- "$logdir/d01" "$logdir/swap.tmp"   # swap two directories
mv -T -- "$logdir/d02" "$logdir/d01"
mv -T -- "$logdir/swap.tmp" "$logdir/d02"
mv -T -- "$logdir/d03/f000.jsonl" "$logdir/d03/swap.tmp"   # swap two files
mv -T -- "$logdir/d03/f001.jsonl" "$logdir/d03/f000.jsonl"
mv -T -- "$logdir/d03/swap.tmp" "$logdir/d03/f001.jsonl"
mv -T -- "$logdir/d04" "$logdir/d04-moved"                 # rename a directory
mv -T -- "$logdir/d05/f007.jsonl" "$logdir/d06/renamed.jsonl"   # move a file to another directory
rm -- "$logdir/d07/f010.jsonl"                               # delete, then a new file at that name
printf '{"type":"new","id":"n1","msg":"a different file at d07/f010, longer than the old one"}\n' \
  >"$logdir/d07/f010.jsonl"

# read_same REL WHAT: MNT/REL reads exactly LOGDIR/REL's bytes.
read_same() {
  on_mount cat -- "$mnt/$1" >"$TEST_DIR/read.got" 2>"$TEST_DIR/read.err" ||
    fail "$2: cat $mnt/$1: $(cat "$TEST_DIR/read.err")"
  assert_same_bytes "$logdir/$1" "$TEST_DIR/read.got" "$2: $1"
}
# gone REL WHAT: MNT/REL is ENOENT, as LOGDIR/REL is.
gone() {
  local rc=0
  [ ! -e "$logdir/$1" ] || fail "$2: $logdir/$1 exists"
  on_mount cat -- "$mnt/$1" >"$TEST_DIR/read.got" 2>"$TEST_DIR/read.err" || rc=$?
  [ "$rc" -ne 0 ] || fail "$2: $mnt/$1 still reads ($(head -c 100 "$TEST_DIR/read.got"))"
  grep -q 'No such file or directory' "$TEST_DIR/read.err" ||
    fail "$2: reading $mnt/$1: expected ENOENT, got: $(cat "$TEST_DIR/read.err")"
  rc=0
  on_mount test -e "$mnt/$1" || rc=$?
  [ "$rc" -eq 1 ] || fail "$2: test -e $mnt/$1 exited $rc, not 1 (no such file)"
}
read_same d01/f000.jsonl "swapped directory (was d02)"
read_same d02/f099.jsonl "swapped directory (was d01)"
grep -q tok_d02_f000 "$logdir/d01/f000.jsonl" || fail "the directory swap did not happen in the log dir"
read_same d03/f000.jsonl "swapped file (was f001)"
read_same d03/f001.jsonl "swapped file (was f000)"
read_same d04-moved/f050.jsonl "file in a renamed directory"
gone d04/f050.jsonl "file under a directory's old name"
gone d04 "a renamed directory's old name"
read_same d06/renamed.jsonl "file moved to another directory"
gone d05/f007.jsonl "a moved file's old name"
read_same d07/f010.jsonl "new file at a deleted file's name"
assert_eq "$(stat -c %s "$logdir/d07/f010.jsonl")" "$(on_mount stat -c %s "$mnt/d07/f010.jsonl")" \
  "size of the new file at a deleted file's name"
same_tree "every file after the changes behind the mount"
assert_index_invariant "$mnt" "$logdir" "after the changes behind the mount"

assert_eq ok "$(status_get "$mnt" .health)" "status.json .health at the end"
