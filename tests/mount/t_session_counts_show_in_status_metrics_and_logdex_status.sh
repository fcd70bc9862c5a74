#!/usr/bin/env bash
# status.json, metrics.prom and `logdex status` count the session files and the ids that got no
# file (SPEC §10; issue 11): .sessions.files / .ids_without_file / .memory_bytes in status.json,
# the gauges logdex_session_files, logdex_session_ids_without_file and
# logdex_session_memory_bytes in metrics.prom, and a `sessions: N (M ids without a file)` line
# from `logdex status`. The counts are those the log dir implies (computed from `logdex index`),
# equal the names listed, and follow a new session, a new id without a file and a session whose
# only file is removed.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_sessions.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sessions "$logdir"
codex=codex/sessions/2025/01/04/rollout-2025-01-04T09-00-00-golden-codex-001.jsonl
expect_log_changes "$logdir/misc/new-sessions.ndjson" "$logdir/$codex"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"

# metric NAME: the value of the sample NAME (no labels) in metrics.prom.
metric() {
  on_mount cat -- "$mnt/.logdex/metrics.prom" | awk -v n="$1" '$1 == n { print $2; found = 1 } END { exit !found }' ||
    fail "metrics.prom has no sample $1"
}
# check_counts FILES WITHOUT WHAT: every place that counts sessions says FILES and WITHOUT.
check_counts() {
  local files=$1 without=$2 what=$3 listed mem out rc
  listed=$(on_mount ls -A -- "$(sessions_dir "$mnt")" | wc -l) || fail "$what: ls of the sessions exited $?"
  assert_eq "$files" "$listed" "$what: names listed in .logdex/sessions"
  assert_eq "$files" "$(status_get "$mnt" .sessions.files)" "$what: status.json .sessions.files"
  assert_eq "$without" "$(status_get "$mnt" .sessions.ids_without_file)" "$what: status.json .sessions.ids_without_file"
  mem=$(status_get "$mnt" .sessions.memory_bytes)
  [[ $mem =~ ^[0-9]+$ ]] && [ "$mem" -gt 0 ] || fail "$what: status.json .sessions.memory_bytes is '$mem', want a byte count > 0"
  assert_eq "$files" "$(metric logdex_session_files)" "$what: metrics.prom logdex_session_files"
  assert_eq "$without" "$(metric logdex_session_ids_without_file)" "$what: metrics.prom logdex_session_ids_without_file"
  [[ $(metric logdex_session_memory_bytes) =~ ^[0-9]+$ ]] || fail "$what: logdex_session_memory_bytes is no byte count"
  # Exit 1: the fixture's corrupt rows are damage (SPEC §8); 0 or 1 both print the summary.
  rc=0
  out=$(timeout -k 5 30 "$LOGDEX" status "$mnt") || rc=$?
  [ "$rc" -le 1 ] || fail "$what: logdex status exited $rc: $out"
  grep -Eq "sessions:?[[:space:]]+$files([^0-9]|$)" <<<"$out" || fail "$what: logdex status shows no 'sessions: $files' line:
$out"
  if [ "$without" -gt 0 ]; then
    grep -Eq "sessions:?[[:space:]]+$files \($without ids? without a file\)" <<<"$out" ||
      fail "$what: logdex status does not say '($without ids without a file)':
$out"
  fi
}

cli_index "$logdir" "$TEST_DIR/cli.ndjson"
read -r files without <<<"$(expected_session_counts "$TEST_DIR/cli.ndjson" "$logdir")"
check_counts "$files" "$without" "fresh mount"
for gauge in logdex_session_files logdex_session_ids_without_file logdex_session_memory_bytes; do
  on_mount grep -qx "# TYPE $gauge gauge" -- "$mnt/.logdex/metrics.prom" || fail "metrics.prom does not declare $gauge a gauge"
done

# A frame of a new session and one of a new id too long for a name: one more of each.
{
  printf '{"type":"note","sessionId":"new-session"}\n'
  printf '{"type":"note","sessionId":"%s"}\n' "$(printf 'n%.0s' $(seq 260))"
} >"$logdir/misc/new-sessions.ndjson"
check_counts $((files + 1)) $((without + 1)) "after a new session and a new id without a file"

# The codex session's only file goes (through the mount): its session file goes with it.
on_mount rm -- "$mnt/$codex" || fail "rm through the mount exited $?"
check_counts "$files" $((without + 1)) "after the codex session's file was removed"
[ ! -e "$(sessions_dir "$mnt")/golden-codex-001.ndjson" ] || fail "golden-codex-001.ndjson is still there after its file was removed"
