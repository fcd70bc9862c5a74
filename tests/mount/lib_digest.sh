# shellcheck shell=bash
# The log-dir digest check (issue 10: the logs are never modified; SPEC §1, §9). Sourced by lib.sh.
#
# The first time a test mounts a log dir (mount_logdex, and so mount_logdex_under_limit), its state
# is recorded before the mount: every entry below it with its relative path, type, mode, owner,
# size, mtime, symlink target, and an MD5 of each regular file's bytes. After the test's last
# unmount (lib_cleanup, once every daemon has exited) the state is recorded again, and the test
# fails on any difference outside the paths it declared with `expect_log_changes`, printing the
# entries that differ. A test that mounts a log dir some other way (`mount -t fuse.logdex`, a
# direct `"$LOGDEX" mount`) calls `record_log_dir LOGDIR` before it.
#
# What counts as a difference: an entry added or removed (a rename is both); a change of type,
# mode, owner, mtime, symlink target, or, for a regular file, size or bytes. A directory's own
# size and mtime change whenever an entry in it is added, removed or renamed; they are excused when
# a declared path is an entry of that directory (the change is the declared one), and reported
# otherwise, which catches a temp file created and removed in a log dir. atime and ctime are never
# compared (reads move atime; ctime cannot be put back), but a regular file whose inode, size,
# mtime or ctime moved is hashed again, so a same-size rewrite with its mtime put back (`touch -r`)
# is caught by its bytes; an unchanged one keeps its recorded hash, which keeps the second walk of
# a 100,000-file tree cheap.
#
# Order in lib_cleanup: the check runs after the unmounts (a daemon may write at unmount, when it
# saves its cache: that must be seen) and before the after_unmount hooks, which are the test's own
# teardown (unmount a scratch tmpfs holding a log dir, remove a dir): what they do is not logdex's.
#
# State is kept in files under $TEST_DIR/.log-digest (a subshell's mount is recorded too); that dir
# and $XDG_CACHE_HOME are never part of a log dir's state, should a test put its log dir above them.

LIB_DIGEST_DIR="$TEST_DIR/.log-digest"

# The walker, recorder and comparer. argv: record ROOT OUT EXCLUDE... | check ROOT BEFORE -- DECL...
# The declared paths given to `check` are already relative to ROOT ("" is ROOT itself).
# shellcheck disable=SC2016
LIB_DIGEST_PY='
import hashlib, os, pickle, stat, sys

def file_hash(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        return "unreadable:%s" % os.strerror(e.errno)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "not-a-regular-file-when-opened"
        h = hashlib.md5()
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)
    except OSError as e:
        return "unreadable:%s" % os.strerror(e.errno)
    finally:
        os.close(fd)

def kind(mode):
    for test, k in ((stat.S_ISREG, "f"), (stat.S_ISDIR, "d"), (stat.S_ISLNK, "l"), (stat.S_ISFIFO, "p"),
                    (stat.S_ISSOCK, "s"), (stat.S_ISCHR, "c"), (stat.S_ISBLK, "b")):
        if test(mode):
            return k
    return "?"

def walk(root, excludes, before):
    """rel path (bytes) -> dict. before: an earlier walk whose hashes may be reused."""
    state = {}
    root_b = os.fsencode(root)
    try:
        st = os.stat(root_b)
    except OSError:
        return None
    stack = [b""]
    first = True
    while stack:
        rel = stack.pop()
        full = os.path.join(root_b, rel) if rel else root_b
        if not first:
            try:
                st = os.lstat(full)
            except OSError:
                continue  # vanished between readdir and lstat
        first = False
        k = kind(st.st_mode)
        e = {"type": k, "mode": "%o" % stat.S_IMODE(st.st_mode), "owner": "%d:%d" % (st.st_uid, st.st_gid),
             "size": st.st_size, "mtime": st.st_mtime_ns,
             "_key": (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)}
        if k == "l":
            try:
                e["target"] = show(os.readlink(full))
            except OSError as err:
                e["target"] = "unreadable:%s" % os.strerror(err.errno)
        elif k == "f":
            old = before.get(rel) if before else None
            if old is not None and old.get("_key") == e["_key"] and "hash" in old:
                e["hash"] = old["hash"]
            else:
                e["hash"] = file_hash(full)
        state[rel] = e
        if k == "d":
            try:
                names = os.listdir(full)
            except OSError as err:
                e["listing"] = "unreadable:%s" % os.strerror(err.errno)
                continue
            for n in names:
                child = os.path.join(rel, n) if rel else n
                if os.path.join(root_b, child) in excludes:
                    continue
                stack.append(child)
    return state

def show(rel):
    s = rel.decode("utf-8", "backslashreplace") if rel else "."
    return s.encode("unicode_escape").decode("ascii").replace("\\\\", "\\")

def describe(e):
    if e["type"] == "l":
        return "l -> %s" % e["target"]
    if e["type"] == "d":
        return "d %s %s" % (e["mode"], e["owner"])
    return "%s %s %s %d bytes" % (e["type"], e["mode"], e["owner"], e["size"])

def covered(rel, decls):
    for d in decls:
        if d == b"" or rel == d or rel.startswith(d + b"/"):
            return True
    return False

def parent(rel):
    return rel.rpartition(b"/")[0]

def main():
    op = sys.argv[1]
    if op == "record":
        root, out = sys.argv[2], sys.argv[3]
        excludes = set(os.fsencode(os.path.normpath(x)) for x in sys.argv[4:])
        state = walk(root, excludes, None)
        with open(out, "wb") as f:
            pickle.dump({"root": root, "state": state, "excludes": excludes}, f)
        return 0
    if op == "check":
        root, before_file = sys.argv[2], sys.argv[3]
        decls = [os.fsencode(d) for d in sys.argv[5:]]
        with open(before_file, "rb") as f:
            rec = pickle.load(f)
        before = rec["state"]
        if decls and b"" in decls:
            return 0  # the test declared the whole log dir
        after = walk(root, rec["excludes"], before)
        if before is None and after is None:
            return 0
        if after is None:
            print("    .: the log dir is gone (it was there at the first mount)")
            return 1
        if before is None:
            before = {}
            print("    .: the log dir is there now but was not at the first mount")
        excused_dirs = set(parent(d) for d in decls)
        diffs = []
        for rel in sorted(set(before) | set(after)):
            if covered(rel, decls):
                continue
            b, a = before.get(rel), after.get(rel)
            if b is None:
                diffs.append("    %s: new (%s)" % (show(rel), describe(a)))
                continue
            if a is None:
                diffs.append("    %s: removed (was %s)" % (show(rel), describe(b)))
                continue
            what = []
            for field in ("type", "mode", "owner", "target", "listing"):
                if b.get(field) != a.get(field):
                    what.append("%s %s -> %s" % (field, b.get(field), a.get(field)))
            if b["type"] == a["type"] == "d" and rel in excused_dirs:
                pass  # its size and mtime follow the declared entries in it
            else:
                if b["size"] != a["size"] and (b["type"] == a["type"]):
                    what.append("size %d -> %d" % (b["size"], a["size"]))
                if b["mtime"] != a["mtime"]:
                    what.append("mtime %d.%09d -> %d.%09d" % (b["mtime"] // 10**9, b["mtime"] % 10**9,
                                                             a["mtime"] // 10**9, a["mtime"] % 10**9))
            if b.get("hash") != a.get("hash") and b["type"] == a["type"]:
                what.append("content md5 %s -> %s" % (b.get("hash"), a.get("hash")))
            if what:
                diffs.append("    %s: %s" % (show(rel), "; ".join(what)))
        if not diffs:
            return 0
        for line in diffs[:60]:
            print(line)
        if len(diffs) > 60:
            print("    ... and %d more" % (len(diffs) - 60))
        return 1
    return 2

sys.exit(main())
'

# The file names under LIB_DIGEST_DIR for a log dir: its canonical path's MD5.
lib_digest_key() {
  printf '%s' "$1" | md5sum | cut -c1-32
}

# The canonical absolute path of DIR (symlinks resolved; DIR itself may be missing).
lib_digest_canonical() {
  readlink -f -- "$1" 2>/dev/null || realpath -m -- "$1"
}

# record_log_dir LOGDIR: records LOGDIR's state, unless this test recorded it already (a log dir
# mounted twice is compared with what it held at its first mount). mount_logdex calls it.
record_log_dir() {
  local given=$1 canon key
  canon=$(lib_digest_canonical "$given")
  key=$(lib_digest_key "$canon")
  mkdir -p -- "$LIB_DIGEST_DIR"
  # Every spelling the test used, so declarations may use any of them.
  printf '%s\0' "$(realpath -sm -- "$given")" >>"$LIB_DIGEST_DIR/$key.names"
  [ ! -e "$LIB_DIGEST_DIR/$key.before" ] || return 0
  printf '%s' "$canon" >"$LIB_DIGEST_DIR/$key.root"
  python3 -c "$LIB_DIGEST_PY" record "$canon" "$LIB_DIGEST_DIR/$key.before.part" \
    "$(lib_digest_canonical "$LIB_DIGEST_DIR")" "$(lib_digest_canonical "$XDG_CACHE_HOME")" ||
    fail "could not record the state of log dir $given"
  mv -- "$LIB_DIGEST_DIR/$key.before.part" "$LIB_DIGEST_DIR/$key.before"
}

# lib_digest_relative DECL ROOT NAMES_FILE: prints DECL relative to the log dir (empty for the log
# dir itself) and returns 0, or returns 1 when DECL is not in it. DECL is matched lexically against
# every spelling of the log dir the test used, then with its parent's symlinks resolved against the
# canonical path (DECL itself may be a symlink or gone).
lib_digest_relative() {
  local decl=$1 root=$2 names=$3 name forms=()
  forms+=("$(realpath -sm -- "$decl")")
  forms+=("$(realpath -m -- "$(dirname -- "$decl")")/$(basename -- "$decl")")
  local -a spellings=()
  mapfile -d '' -t spellings <"$names"
  spellings+=("$root")
  for decl in "${forms[@]}"; do
    for name in "${spellings[@]}"; do
      if [ "$decl" = "$name" ]; then printf '\n'; return 0; fi
      case $decl in
        "$name"/*) printf '%s\n' "${decl#"$name"/}"; return 0 ;;
      esac
    done
  done
  return 1
}

# lib_digest_check: compares every recorded log dir with its state now. Prints the undeclared
# differences and returns 1 when there are any.
lib_digest_check() {
  local before key root rc=0 decl rel
  [ -d "$LIB_DIGEST_DIR" ] || return 0
  local -A used=()
  for before in "$LIB_DIGEST_DIR"/*.before; do
    [ -e "$before" ] || continue
    key=$(basename -- "$before" .before)
    root=$(cat -- "$LIB_DIGEST_DIR/$key.root")
    local -a rels=()
    for decl in "${LIB_EXPECTED_LOG_CHANGES[@]}"; do
      if rel=$(lib_digest_relative "$decl" "$root" "$LIB_DIGEST_DIR/$key.names"); then
        rels+=("$rel")
        used[$decl]=1
      fi
    done
    local out
    if ! out=$(python3 -c "$LIB_DIGEST_PY" check "$root" "$before" -- "${rels[@]}" 2>&1); then
      echo "FAIL [$TEST_NAME]: log dir $root changed outside the paths the test declared with expect_log_changes:" >&2
      printf '%s\n' "$out" >&2
      rc=1
    fi
  done
  for decl in "${LIB_EXPECTED_LOG_CHANGES[@]}"; do
    [ -n "${used[$decl]:-}" ] ||
      echo "WARN [$TEST_NAME]: expect_log_changes $decl: not in any log dir this test mounted" >&2
  done
  return "$rc"
}
