#!/usr/bin/env bash
# MNT/.logdex/sessions is a virtual read-only directory (SPEC §10; issue 11): mode 0555, its files
# 0444, both owned by the log dir root's owner; writing, appending, truncating, creating, removing,
# renaming into or out of it, mkdir and chmod all fail and change nothing, in the mount or the log
# dir. It is hidden from `ls` of the root like all of .logdex (listed by `ls -a MNT/.logdex`), and
# its files are no logs: no row of index.ndjson points into .logdex.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_sessions.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sessions "$logdir"
# An owner that is not the caller's, so "owner = the log dir root's owner" is not "owner = root".
chown 65534:65533 -- "$logdir"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
sdir=$(sessions_dir "$mnt")
sess=$(session_file "$mnt" 55550000-0000-4000-8000-000000000001)
(cd "$logdir" && find . -printf '%P %y %s %m\n' | sort) >"$TEST_DIR/tree-before.txt"
on_mount cat -- "$sess" >"$TEST_DIR/before.ndjson" || fail "cat $sess exited $?"

assert_eq "555 directory 65534:65533" "$(on_mount stat -c '%a %F %u:%g' -- "$sdir")" "mode, type and owner of .logdex/sessions"
on_mount find "$sdir" -mindepth 1 -printf '%m %y %U:%G\n' | sort | uniq -c | sed 's/^ *//' >"$TEST_DIR/modes.txt"
assert_eq "$(on_mount ls -A -- "$sdir" | wc -l) 444 f 65534:65533" "$(cat "$TEST_DIR/modes.txt")" "mode, type and owner of every session file"
on_mount ls -A -- "$sdir" | grep -qv '\.ndjson$' && fail "a name in .logdex/sessions does not end in .ndjson"

assert_fails "overwrite a session file" sh -c 'echo x >"$1"' sh "$sess"
assert_fails "append to a session file" sh -c 'echo x >>"$1"' sh "$sess"
assert_fails "open a session file read-write" sh -c 'exec 3<>"$1"' sh "$sess"
assert_fails "truncate a session file" truncate -s 0 "$sess"
assert_fails "chmod a session file" chmod 0644 "$sess"
assert_fails "rm a session file" rm -f "$sess"
assert_fails "mv a session file within the dir" mv "$sess" "$sdir/renamed.ndjson"
assert_fails "mv a session file out" mv "$sess" "$mnt/misc/moved.ndjson"
assert_fails "mv a log file in" mv "$mnt/misc/weird-ids.ndjson" "$sdir/weird.ndjson"
assert_fails "create a file" sh -c 'echo "{}" >"$1"' sh "$sdir/new.ndjson"
assert_fails "touch a new file" touch "$sdir/new2.ndjson"
assert_fails "mkdir" mkdir "$sdir/d"
assert_fails "symlink" ln -s /etc/passwd "$sdir/link.ndjson"
assert_fails "rmdir the dir" rmdir "$sdir"
assert_fails "chmod the dir" chmod 0777 "$sdir"
assert_fails "mv the dir" mv "$sdir" "$mnt/sessions"

on_mount cat -- "$sess" >"$TEST_DIR/after.ndjson" || fail "cat $sess exited $?"
assert_same_bytes "$TEST_DIR/before.ndjson" "$TEST_DIR/after.ndjson" "the session file after the attempts"
for name in renamed.ndjson new.ndjson new2.ndjson d link.ndjson weird.ndjson; do
  [ ! -e "$sdir/$name" ] && [ ! -L "$sdir/$name" ] || fail "$name appeared in .logdex/sessions"
done
[ ! -e "$mnt/misc/moved.ndjson" ] && [ ! -e "$mnt/sessions" ] || fail "something was moved out of .logdex/sessions"
(cd "$logdir" && find . -printf '%P %y %s %m\n' | sort) >"$TEST_DIR/tree-after.txt"
assert_same_bytes "$TEST_DIR/tree-before.txt" "$TEST_DIR/tree-after.txt" "log dir after the attempts"

# Hidden, listed with -a, never logs.
on_mount ls -- "$mnt" | grep -qx .logdex && fail ".logdex listed by plain ls of the root"
on_mount ls -a -- "$mnt/.logdex" | grep -qx sessions || fail "sessions missing from ls -a $mnt/.logdex"
[ ! -e "$logdir/.logdex" ] || fail "a .logdex appeared in the log dir"
read_index "$mnt" "$TEST_DIR/index.ndjson"
! grep -q '"file":"\.logdex' -- "$TEST_DIR/index.ndjson" || fail "index.ndjson has rows of .logdex files"
cli_index "$logdir" "$TEST_DIR/cli.ndjson"
assert_same_bytes "$TEST_DIR/cli.ndjson" "$TEST_DIR/index.ndjson" "index.ndjson after reading the session views (nothing more indexed)"
assert_eq "$(status_get "$mnt" '.frames | if type == "object" then .total else . end')" "$(line_count "$TEST_DIR/index.ndjson")" "status.json frames (the session files not counted)"
