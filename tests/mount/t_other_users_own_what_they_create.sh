#!/usr/bin/env bash
# Mounted by root with -o allow_other (with and without default_permissions), what other users
# do through the mount is done with their own credentials (SPEC §5 "Other users"): a file,
# directory, FIFO or symlink they create is theirs, in the mount and in the log dir; they may
# chmod and append to their own 0600 file, and another user may not read it, write it, chmod it,
# or remove or rename it from a sticky directory; a supplementary group grants what it grants on
# the log dir. Every step gives the same exit code and error as the same step done by the same
# user straight on a plain directory of the same filesystem, and leaves the same owners and modes.
# Users working at the same time each get their own credentials, never another request's.
. "$(dirname "$0")/lib.sh" "$1"

readonly OWNER=65534 OTHER=65533 GROUP=65500   # nobody; a second user; a supplementary group

[ "$(id -u)" -eq 0 ] || fail "must run as root (CI does): only root can mount with -o allow_other here and switch to other users with setpriv"
command -v setpriv >/dev/null || fail "setpriv is missing: install util-linux"

# Other users must reach the mount points and the plain directories: mktemp made the test dir
# (and run_all.sh's temp root) 0700. Open them for traversal only; check every other ancestor.
chmod 0755 -- "$TEST_DIR"
[ -z "${LOGDEX_TEST_TMPROOT:-}" ] || chmod o+x -- "$LOGDEX_TEST_TMPROOT"
setpriv --reuid="$OWNER" --regid="$OWNER" --clear-groups -- test -x "$TEST_DIR" ||
  fail "user $OWNER cannot traverse $TEST_DIR: give every directory above it o+x (or set TMPDIR)"
assert_eq "$OWNER $OWNER 0000000000000000" \
  "$(setpriv --reuid="$OWNER" --regid="$OWNER" --clear-groups -- awk '/^Uid:/ { u = $3 } /^Gid:/ { g = $3 } /^CapEff:/ { c = $2 } END { print u, g, c }' /proc/self/status)" \
  "setpriv drops to uid and gid $OWNER with no capabilities"

# populate ROOT: the starting tree, owned by root: a sticky world-writable shared/, a root file
# inside it, and grp.txt readable by group GROUP only.
populate() {
  chmod 0755 -- "$1"
  mkdir -- "$1/shared"
  chmod 1777 -- "$1/shared"
  printf '{"type":"root","id":"r1"}\n' >"$1/shared/root.jsonl"
  chmod 0644 -- "$1/shared/root.jsonl"
  printf 'for group %s only\n' "$GROUP" >"$1/grp.txt"
  chown "0:$GROUP" -- "$1/grp.txt"
  chmod 0640 -- "$1/grp.txt"
}

# as WHO CMD...: runs CMD (under the I/O timeout) as WHO: root, UID (its own gid, no
# supplementary groups) or UID+GID (also supplementary group GID).
as() {
  local who=$1
  shift
  case $who in
    root) on_mount "$@" ;;
    *+*) on_mount setpriv --reuid="${who%%+*}" --regid="${who%%+*}" --groups="${who#*+}" -- "$@" ;;
    *) on_mount setpriv --reuid="$who" --regid="$who" --clear-groups -- "$@" ;;
  esac
}

# owner_is UID:GID REL WHAT: REL (not followed) has that owner in the mount and in the log dir.
owner_is() {
  assert_eq "$1" "$(as root stat -c %u:%g -- "$mnt/$2")" "$3: owner of $2 through the mount"
  assert_eq "$1" "$(stat -c %u:%g -- "$logdir/$2")" "$3: owner of $2 in the log dir"
}

tag() {  # tag ROOT: m for the mount, r for the plain dir
  if [ "$1" = "$mnt" ]; then echo m; else echo r; fi
}

step=0
# step EXPECT WHO WHAT CMD...: runs CMD as WHO twice, every argument's leading '@' replaced by
# the mount, then by the plain directory. EXPECT is "ok" (exit 0), "fails" (non-zero), or an
# error message (non-zero, and stderr says it). Both runs must give the same exit code and the
# same stderr (paths normalized); then the plain dir, the log dir and the mount must hold the
# same names, types, modes, owners and bytes.
step() {
  local expect=$1 who=$2 what=$3 arg root rc
  shift 3
  step=$((step + 1))
  local -A rcs=()
  for root in "$mnt" "$ref"; do
    local -a args=()
    for arg in "$@"; do
      if [ "${arg:0:1}" = "@" ]; then args+=("$root${arg:1}"); else args+=("$arg"); fi
    done
    rc=0
    as "$who" "${args[@]}" >/dev/null 2>"$TEST_DIR/err" || rc=$?
    [ "$rc" -ne 124 ] || fail "$label step $step ($what): timed out"
    rcs[$root]=$rc
    sed "s|$root|ROOT|g" "$TEST_DIR/err" >"$TEST_DIR/err.$(tag "$root")"
  done
  local where
  for root in "$ref" "$mnt"; do
    where=$([ "$root" = "$mnt" ] && echo "through the mount" || echo "on the plain dir")
    case $expect in
      ok) [ "${rcs[$root]}" -eq 0 ] || fail "$label step $step ($what) as $who $where: exited ${rcs[$root]}: $(cat "$TEST_DIR/err.$(tag "$root")")" ;;
      fails) [ "${rcs[$root]}" -ne 0 ] || fail "$label step $step ($what) as $who $where: succeeded but must fail" ;;
      *) [ "${rcs[$root]}" -ne 0 ] || fail "$label step $step ($what) as $who $where: succeeded but must fail with '$expect'" ;;
    esac
  done
  [ "${rcs[$ref]}" -eq 0 ] || [ "$expect" = fails ] || [ "$expect" = ok ] || grep -qF -- "$expect" "$TEST_DIR/err.r" ||
    fail "$label step $step ($what) on the plain dir: expected '$expect', got: $(cat "$TEST_DIR/err.r")"
  assert_eq "${rcs[$ref]}" "${rcs[$mnt]}" "$label step $step ($what) as $who: exit code through the mount vs on the plain dir"
  assert_same_bytes "$TEST_DIR/err.r" "$TEST_DIR/err.m" "$label step $step ($what) as $who: error message through the mount vs on the plain dir"
  tree_state "$ref" --owners >"$TEST_DIR/state.r"
  tree_state "$logdir" --owners >"$TEST_DIR/state.l"
  tree_state "$mnt" --owners >"$TEST_DIR/state.m"
  assert_same_bytes "$TEST_DIR/state.r" "$TEST_DIR/state.l" "$label step $step ($what) as $who: log dir vs plain dir (names, modes, owners, bytes)"
  assert_same_bytes "$TEST_DIR/state.l" "$TEST_DIR/state.m" "$label step $step ($what) as $who: mount vs log dir (names, modes, owners, bytes)"
}

frame='{"type":"u","id":"appended"}'
# scenario LABEL MOUNT_OPTIONS: a fresh log dir, plain dir and mount; every step; unmount.
scenario() {
  label=$1
  step=0
  logdir=$(make_dir "logs-$label")
  ref=$(make_dir "ref-$label")
  mnt=$(make_dir "mnt-$label")
  populate "$logdir"
  populate "$ref"
  mount_logdex "$logdir" "$mnt" -o "$2"
  # What the users make in shared/ (all but the racers' g.* and n.* files are gone at the end).
  expect_log_changes "$logdir"/shared/{mine.jsonl,dir,fifo,link,theirs.jsonl,setid.jsonl,private} \
    "$logdir"/shared/{g,n}.{0..199}

  # The owner creates one of each kind in the sticky directory.
  step ok "$OWNER" "create a 0600 file" sh -c 'umask 077; printf "%s\n" "{\"type\":\"u\",\"id\":\"1\"}" >"$1"' _ @/shared/mine.jsonl
  step ok "$OWNER" "mkdir" mkdir @/shared/dir
  step ok "$OWNER" "mkfifo" mkfifo @/shared/fifo
  step ok "$OWNER" "symlink" ln -s mine.jsonl @/shared/link
  for name in mine.jsonl dir fifo link; do owner_is "$OWNER:$OWNER" "shared/$name" "$label: created by $OWNER"; done
  assert_eq 600 "$(stat -c %a -- "$logdir/shared/mine.jsonl")" "$label: mode of the file created with umask 077"
  step "Permission denied" "$OWNER" "create in root's 0755 directory" sh -c ': >"$1"' _ @/not-mine.jsonl

  # The owner may chmod and append to its own file; the bytes land in the log dir.
  step ok "$OWNER" "chmod 644 of its own file" chmod 644 @/shared/mine.jsonl
  step ok "$OWNER" "chmod 600 of its own file" chmod 600 @/shared/mine.jsonl
  step ok "$OWNER" "append to its own file" sh -c 'printf "%s\n" "$1" >>"$2"' _ "$frame" @/shared/mine.jsonl
  assert_eq "$frame" "$(tail -n 1 -- "$logdir/shared/mine.jsonl")" "$label: the appended frame in the log dir"
  step ok "$OWNER" "access(W_OK) of its own file" test -w @/shared/mine.jsonl

  # Another user may not touch it.
  step "Permission denied" "$OTHER" "read another's 0600 file" cat @/shared/mine.jsonl
  step "Permission denied" "$OTHER" "append to another's 0600 file" sh -c 'printf x >>"$1"' _ @/shared/mine.jsonl
  step fails "$OTHER" "access(R_OK) of another's 0600 file" test -r @/shared/mine.jsonl
  step "Operation not permitted" "$OTHER" "chmod another's file" chmod 666 @/shared/mine.jsonl
  step "Operation not permitted" "$OTHER" "remove another's file from a sticky dir" rm -f @/shared/mine.jsonl
  step "Operation not permitted" "$OTHER" "rename another's file in a sticky dir" mv -T @/shared/mine.jsonl @/shared/stolen.jsonl
  step "Operation not permitted" "$OTHER" "remove another's symlink from a sticky dir" rm -f @/shared/link
  step "Operation not permitted" "$OTHER" "rmdir another's empty dir in a sticky dir" rmdir @/shared/dir
  step "Permission denied" "$OTHER" "create in another's 0755 dir" sh -c ': >"$1"' _ @/shared/dir/x
  step "Operation not permitted" "$OWNER" "remove root's file from a sticky dir" rm -f @/shared/root.jsonl

  # The second user's own file, and its supplementary group.
  step ok "$OTHER" "create its own file" sh -c 'printf "%s\n" "{\"type\":\"o\",\"id\":\"1\"}" >"$1"' _ @/shared/theirs.jsonl
  owner_is "$OTHER:$OTHER" shared/theirs.jsonl "$label: created by $OTHER"
  step ok "$OTHER+$GROUP" "read a 0640 file of a supplementary group" cat @/grp.txt
  step ok "$OTHER+$GROUP" "access(R_OK) of a 0640 file of a supplementary group" test -r @/grp.txt
  step "Permission denied" "$OTHER" "read a 0640 file of a group it is not in" cat @/grp.txt
  step fails "$OTHER" "access(R_OK) of a 0640 file of a group it is not in" test -r @/grp.txt
  step "Permission denied" "$OTHER+$GROUP" "append to a 0640 file of a supplementary group" sh -c 'printf x >>"$1"' _ @/grp.txt
  step "Operation not permitted" "$OTHER" "chgrp of its own file to a group it is not in" chgrp "$GROUP" @/shared/theirs.jsonl
  step ok "$OTHER+$GROUP" "chgrp of its own file to its supplementary group" chgrp "$GROUP" @/shared/theirs.jsonl
  owner_is "$OTHER:$GROUP" shared/theirs.jsonl "$label: after chgrp"

  # Set-ID bits: writing or truncating a set-ID file clears them, also when the writer is not
  # its owner (the kernel asks for that chmod on the writer's behalf); other changes still
  # need the owner.
  step ok "$OWNER" "create a set-ID file others may write" sh -c 'printf "%s\n" x >"$1" && chmod 6777 "$1"' _ @/shared/setid.jsonl
  step ok "$OTHER" "a write by another user clears its set-ID bits" sh -c 'printf "%s\n" y >>"$1"' _ @/shared/setid.jsonl
  step ok "$OWNER" "set the set-ID bits again" chmod 6777 @/shared/setid.jsonl
  step ok "$OTHER" "a truncate by another user clears them too" truncate -s 0 @/shared/setid.jsonl
  step "Operation not permitted" "$OTHER" "another user may not set them" chmod 6777 @/shared/setid.jsonl
  step ok "$OWNER" "remove its set-ID file" rm -f @/shared/setid.jsonl
  # A directory its owner may read but not search (0600) can still be listed.
  step ok "$OWNER" "make a 0600 directory" sh -c 'mkdir "$1" && chmod 600 "$1"' _ @/shared/private
  step ok "$OWNER" "list its own 0600 directory" ls @/shared/private
  step ok "$OWNER" "rmdir its 0600 directory" rmdir @/shared/private

  # The owner removes what it made.
  step ok "$OWNER" "remove its own file from a sticky dir" rm -f @/shared/mine.jsonl
  step ok "$OWNER" "remove its own FIFO" rm -f @/shared/fifo
  step ok "$OWNER" "remove its own symlink" rm -f @/shared/link
  step ok "$OWNER" "rmdir its own dir" rmdir @/shared/dir
  step ok "$OTHER" "remove its own file" rm -f @/shared/theirs.jsonl
  [ "$step" -eq 41 ] || fail "$label: only $step steps ran"

  # Users at the same time: each request has its own caller's credentials, never another's
  # (e.g. a process-wide setgroups or setresuid racing between request threads).
  local -a racers=()
  local pid rc
  as "$OTHER+$GROUP" sh -c 'i=0; while [ $i -lt 200 ]; do
      read -r x <"$1" || exit 1; : >"$2/g.$i" || exit 1; i=$((i + 1)); done' _ "$mnt/grp.txt" "$mnt/shared" &
  racers+=($!)
  as "$OWNER" sh -c 'i=0; while [ $i -lt 200 ]; do
      if read -r x <"$1"; then exit 1; fi 2>/dev/null; : >"$2/n.$i" || exit 1; i=$((i + 1)); done' _ "$mnt/grp.txt" "$mnt/shared" &
  racers+=($!)
  as "$OTHER" sh -c 'i=0; while [ $i -lt 200 ]; do
      if read -r x <"$1"; then exit 1; fi 2>/dev/null; i=$((i + 1)); done' _ "$mnt/grp.txt" &
  racers+=($!)
  local failed=""
  for pid in "${racers[@]}"; do  # wait for all (each is bounded by the I/O timeout), then judge
    rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || failed+=" $pid:$rc"
  done
  [ -z "$failed" ] || fail "$label: concurrent users: racers (pid:exit)$failed failed (a read allowed or denied wrongly, or a create failed)"
  assert_eq "200 200" "$(find "$logdir/shared" -name 'g.*' -user "$OTHER" -group "$OTHER" | wc -l) $(find "$logdir/shared" -name 'n.*' -user "$OWNER" -group "$OWNER" | wc -l)" \
    "$label: concurrent users: files each created that are owned by it"

  unmount_logdex "$mnt" || fail "$label: could not unmount $mnt"
}

scenario default_permissions allow_other,default_permissions
scenario daemon_checks allow_other
