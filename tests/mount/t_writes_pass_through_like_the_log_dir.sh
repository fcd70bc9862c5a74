#!/usr/bin/env bash
# Without -o ro, create, write, append, truncate, rename, unlink, mkdir, rmdir, chmod, utimens
# and symlink through the mount do to the log dir what the same command does to a plain copy of
# it: same exit code, same error (stderr with the path normalized, so strerror shows the errno),
# and afterwards the same names, types, modes, sizes, bytes and symlink targets; set times are
# equal too, and the mount shows exactly what the log dir holds (times included).
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
ref=$(make_dir ref)   # the same starting tree, changed by the same commands, no mount involved
mkdir -p "$logdir/proj" "$logdir/full"
printf '%s\n' '{"type":"a","id":"1"}' '{"type":"b","id":"2"}' >"$logdir/proj/one.jsonl"
printf '%s\n' '{"type":"c","id":"3"}' >"$logdir/full/keep.jsonl"
printf 'plain text\n' >"$logdir/notes.txt"
cp -a -- "$logdir/." "$ref/"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
# Every kind of write, through the mount, on every entry of the log dir (the same on $ref).
expect_log_changes "$logdir"/{proj,proj2,full,notes.txt,empty,private,dangling}

# mtimes ROOT: mtime (ns) of every non-directory (symlinks not followed).
mtimes() {
  (cd -- "$1" && on_mount find . -mindepth 1 \( -path ./index.ndjson -o -path ./.logdex \) -prune -o \
    ! -type d -printf '%p %T@\n' | sort) || fail "could not list times of $1"
}

step=0
# same WHAT CMD ARGS...: runs the command twice, with every argument's leading '@' replaced by
# the mount, then by the reference copy; both runs must exit alike with the same normalized
# stderr, and the log dir must then equal the reference copy, and the mount the log dir.
same() {
  local what=$1 rc_m=0 rc_r=0 arg
  shift
  step=$((step + 1))
  local -a args_m=() args_r=()
  for arg in "$@"; do
    if [ "${arg:0:1}" = "@" ]; then args_m+=("$mnt${arg:1}"); args_r+=("$ref${arg:1}"); else args_m+=("$arg"); args_r+=("$arg"); fi
  done
  on_mount "${args_m[@]}" >"$TEST_DIR/out.m" 2>"$TEST_DIR/err.m" || rc_m=$?
  "${args_r[@]}" >"$TEST_DIR/out.r" 2>"$TEST_DIR/err.r" || rc_r=$?
  [ "$rc_m" -ne 124 ] || fail "step $step ($what): timed out through the mount"
  assert_eq "$rc_r" "$rc_m" "step $step ($what): exit code through the mount vs on a plain dir"
  sed "s|$mnt|ROOT|g" "$TEST_DIR/err.m" >"$TEST_DIR/err.m.n"
  sed "s|$ref|ROOT|g" "$TEST_DIR/err.r" >"$TEST_DIR/err.r.n"
  assert_same_bytes "$TEST_DIR/err.r.n" "$TEST_DIR/err.m.n" "step $step ($what): error message (errno)"
  tree_state "$ref" >"$TEST_DIR/state.r"
  tree_state "$logdir" >"$TEST_DIR/state.l"
  tree_state "$mnt" >"$TEST_DIR/state.m"
  assert_same_bytes "$TEST_DIR/state.r" "$TEST_DIR/state.l" "step $step ($what): log dir vs plain dir"
  assert_same_bytes "$TEST_DIR/state.l" "$TEST_DIR/state.m" "step $step ($what): mount vs log dir"
  mtimes "$logdir" >"$TEST_DIR/times.l"
  mtimes "$mnt" >"$TEST_DIR/times.m"
  assert_same_bytes "$TEST_DIR/times.l" "$TEST_DIR/times.m" "step $step ($what): mount's mtimes vs log dir's"
}

frame='{"type":"n","id":"new"}'
# create, write, append, truncate
same "create a file" sh -c 'printf "%s\n" "$1" >"$2"' _ "$frame" @/proj/two.jsonl
same "create with O_EXCL on an existing file fails" sh -c 'set -C; : >"$1"' _ @/proj/two.jsonl
same "create in a missing directory fails" sh -c ': >"$1"' _ @/nodir/x.jsonl
same "overwrite bytes in the middle" sh -c 'printf XY | dd of="$1" bs=1 seek=3 conv=notrunc status=none' _ @/notes.txt
same "append with >>" sh -c 'printf "%s\n" "$1" >>"$2"' _ "$frame" @/proj/one.jsonl
same "truncate shorter" truncate -s 10 @/proj/one.jsonl
same "truncate longer" truncate -s 100 @/notes.txt
same "truncate to zero with >" sh -c ': >"$1"' _ @/notes.txt
same "truncate a missing file without creating fails" truncate -c -s 0 @/missing.jsonl
same "truncate a directory fails" truncate -s 0 @/proj
# rename
same "rename a file" mv -T @/proj/two.jsonl @/proj/three.jsonl
same "rename over an existing file" mv -T @/notes.txt @/proj/three.jsonl
same "rename a file into a directory" mv @/proj/three.jsonl @/full/
same "rename a file onto a directory fails" mv -T @/full/three.jsonl @/proj
same "rename a directory onto a non-empty one fails" mv -T @/proj @/full
same "rename a missing file fails" mv -T @/missing.jsonl @/other.jsonl
same "rename a directory" mv -T @/proj @/proj2
# unlink, mkdir, rmdir
same "unlink a file" rm @/full/three.jsonl
same "unlink a missing file fails" rm @/full/three.jsonl
same "unlink a directory fails" rm @/proj2
same "mkdir" mkdir @/empty
same "mkdir of an existing name fails" mkdir @/empty
same "mkdir -m 700" mkdir -m 700 @/private
same "rmdir of a non-empty directory fails" rmdir @/full
same "rmdir of a file fails" rmdir @/full/keep.jsonl
same "rmdir of an empty directory" rmdir @/empty
same "rmdir of a missing directory fails" rmdir @/empty
# chmod, utimens
same "chmod 600" chmod 600 @/full/keep.jsonl
same "chmod 751 on a directory" chmod 751 @/private
same "chmod of a missing file fails" chmod 600 @/missing.jsonl
same "set mtime and atime" touch -d '2020-02-03 04:05:06.123456789' @/full/keep.jsonl
same "set only mtime" touch -m --date=@1500000000.5 @/proj2/one.jsonl
same "touch -c of a missing file creates nothing" touch -c --date=@1500000000 @/missing.jsonl
assert_eq "$(stat -c '%X %Y' "$ref/full/keep.jsonl")" "$(stat -c '%X %Y' "$logdir/full/keep.jsonl")" \
  "atime and mtime set through the mount vs on a plain dir"
assert_eq "$(stat -c '%Y' "$ref/proj2/one.jsonl")" "$(stat -c '%Y' "$logdir/proj2/one.jsonl")" \
  "mtime set through the mount vs on a plain dir"
assert_eq "$(stat -c '%.9Y' "$logdir/full/keep.jsonl")" "$(on_mount stat -c '%.9Y' "$mnt/full/keep.jsonl")" \
  "mount shows the log dir's nanosecond mtime"
# symlink
same "symlink to a relative target" ln -s ../full/keep.jsonl @/proj2/link.jsonl
same "symlink to a missing target" ln -s /nonexistent/target @/dangling
same "symlink onto an existing name fails" ln -s x @/dangling
same "read through a symlink" cat @/proj2/link.jsonl
same "unlink a symlink" rm @/dangling
assert_eq "../full/keep.jsonl" "$(on_mount readlink "$mnt/proj2/link.jsonl")" "symlink target through the mount"
assert_eq "../full/keep.jsonl" "$(readlink "$logdir/proj2/link.jsonl")" "symlink target in the log dir"
[ "$step" -eq 38 ] || fail "only $step steps ran"
