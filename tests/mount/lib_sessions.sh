# shellcheck shell=bash
# Verbs for the tests of session views (SPEC §10: MNT/.logdex/sessions/<id>.ndjson). Source it
# after lib.sh and lib_live.sh:
#
#   . "$(dirname "$0")/lib.sh" "$1"
#   . "$(dirname "$0")/lib_live.sh"
#   . "$(dirname "$0")/lib_sessions.sh"
#
# What a session file must hold is computed by lib_sessions.py from an index text and the log
# dir's own bytes (never from the mount's idea of a session); see that file's header.

command -v python3 >/dev/null || fail "python3 is needed to compute the expected session files"

LIB_SESSIONS_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib_sessions.py
SESSIONS_FIXTURE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data" && pwd)/sessions
# The mtime copy_sessions gives the first file (sorted by path); each next file is an hour older.
readonly SESSIONS_NEWEST=1772366400   # 2026-03-01T12:00:00Z

# sessions_py ARGS...: lib_sessions.py ARGS (see its header).
sessions_py() {
  python3 "$LIB_SESSIONS_PY" "$@"
}

# copy_sessions DEST: the session fixture (tests/data/sessions), copied; every file gets its own
# mtime (git does not keep them): the i-th path in byte order SESSIONS_NEWEST - i hours, so sessions
# have distinct "last new frame" times whose order is not their names' order.
copy_sessions() {
  local dest=$1 i=0 rel
  cp -a -- "$SESSIONS_FIXTURE/." "$dest/"
  while IFS= read -r -d '' rel; do
    touch -h -d "@$((SESSIONS_NEWEST - i * 3600))" -- "$dest/$rel"
    i=$((i + 1))
  done < <(cd -- "$dest" && find . -type f -printf '%P\0' | sort -z)
}

# sessions_dir MNT: the session views' directory of a mount.
sessions_dir() {
  printf '%s/.logdex/sessions\n' "$1"
}

# session_file MNT ID: the path of session ID's file in MNT (its name per SPEC §10).
session_file() {
  local name
  name=$(sessions_py name "$2") || fail "session id '$2' gets no file name"
  printf '%s/%s\n' "$(sessions_dir "$1")" "$name"
}

# assert_sessions_match MNT INDEX LOGDIR WHAT: MNT's session dir holds exactly the files INDEX
# implies for LOGDIR, byte for byte, each with an exact st_size. INDEX: `logdex index LOGDIR`
# on a fresh mount, the mount's own index.ndjson after appends (its order is the session files').
assert_sessions_match() {
  local mnt=$1 index=$2 logdir=$3 what=$4 out rc=0
  out=$(on_mount python3 "$LIB_SESSIONS_PY" compare "$index" "$logdir" "$(sessions_dir "$mnt")" 2>&1) || rc=$?
  [ "$rc" -eq 0 ] || fail "$what: the session files are not the frames of the index (rc $rc):
$out"
}

# expected_session_counts INDEX LOGDIR: "FILES IDS_WITHOUT_FILE" that INDEX implies.
expected_session_counts() {
  sessions_py expect "$1" "$2" "$TEST_DIR/expected-sessions.$$.$RANDOM" ||
    fail "lib_sessions.py expect $1 $2 failed"
}
