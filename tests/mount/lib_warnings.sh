# shellcheck shell=bash
# Verbs for the tests of exhaustion (SPEC §5 "Any tree size", issue 6): running out of
# descriptors, inotify watches or cache space makes the mount slower or leaves the cache unsaved,
# says so in status.json (`health`, `warnings`) and metrics.prom, and never serves a wrong row.
# Source it after lib.sh and lib_live.sh:
#
#   . "$(dirname "$0")/lib.sh" "$1"
#   . "$(dirname "$0")/lib_live.sh"
#   . "$(dirname "$0")/lib_warnings.sh"
#
# What the verbs rely on, in status.json: `health` is "ok" or "degraded" (degraded exactly while
# `warnings` is not empty); `warnings` is an array (empty when healthy) of
# {"kind": K, "message": M, "count": N, "since": RFC 3339 time}, at most one per kind, K one of
# WARNING_KINDS (or another kind the daemon adds). In metrics.prom, one line each, value an integer:
#   logdex_health_degraded 0|1
#   logdex_warning{kind="descriptors"|"inotify_watches"|"cache_save"|"log_dir"} 0|1 (all, always)
#   logdex_cache_save_errors_total, logdex_inotify_unwatched_dirs (>= 0),
#   logdex_descriptors_held (>= 0, or -1 when the daemon could not count them)

readonly WARNING_KINDS=(descriptors inotify_watches cache_save log_dir)
readonly RFC3339_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'

# metric_value MNT SERIES: the value of SERIES, written exactly as in the file (name and labels,
# e.g. 'logdex_warning{kind="cache_save"}'), in MNT/.logdex/metrics.prom; returns 1 when absent.
metric_value() {
  on_mount cat -- "$1/.logdex/metrics.prom" 2>/dev/null |
    awk -v s="$2" '$1 == s && !found { v = $2; found = 1 } END { if (found) print v; exit !found }'
}

# metric_get MNT SERIES WHAT: metric_value, but a missing series or a value that is not a
# non-negative integer fails the test.
metric_get() {
  local value
  value=$(metric_value "$1" "$2") || fail "$3: metrics.prom has no series $2"
  [[ "$value" =~ ^[0-9]+$ ]] || fail "$3: metrics.prom $2 is '$value', not a non-negative integer"
  printf '%s\n' "$value"
}

# status_summary MNT: health and warnings from status.json, one line (for failure messages).
status_summary() {
  on_mount jq -c '{health, warnings}' -- "$1/.logdex/status.json" 2>/dev/null || echo "(status.json unreadable)"
}

# has_warning MNT KIND [TEXT]: true when status.json says degraded with a KIND warning whose
# message contains TEXT.
# shellcheck disable=SC2016  # $k and $t are jq variables
has_warning() {
  on_mount jq -e --arg k "$2" --arg t "${3:-}" \
    '.health == "degraded" and any(.warnings[]?; .kind == $k and (.message | type == "string" and contains($t)))' \
    -- "$1/.logdex/status.json" >/dev/null 2>&1
}

# is_healthy MNT: true when status.json says ok with an empty warnings array.
is_healthy() {
  on_mount jq -e '.health == "ok" and .warnings == []' -- "$1/.logdex/status.json" >/dev/null 2>&1
}

# lacks_warning MNT KIND: true when status.json has a warnings array without a KIND entry.
# shellcheck disable=SC2016  # $k is a jq variable
lacks_warning() {
  on_mount jq -e --arg k "$2" '(.warnings | type == "array") and all(.warnings[]; .kind != $k)' \
    -- "$1/.logdex/status.json" >/dev/null 2>&1
}

# wait_for_warning SECS MNT KIND TEXT: polls until has_warning; on timeout fails with what
# status.json says instead.
wait_for_warning() {
  local secs=$1 mnt=$2 kind=$3 text=$4 tries=0
  until has_warning "$mnt" "$kind" "$text"; do
    tries=$((tries + 1))
    [ "$tries" -lt $((secs * 10)) ] ||
      fail "timed out after ${secs}s waiting for health \"degraded\" with a \"$kind\" warning mentioning '$text'; status.json has $(status_summary "$mnt")"
    sleep 0.1
  done
}

# wait_for_no_warning SECS MNT KIND: polls until status.json has no KIND warning.
wait_for_no_warning() {
  local secs=$1 mnt=$2 kind=$3 tries=0
  until lacks_warning "$mnt" "$kind"; do
    tries=$((tries + 1))
    [ "$tries" -lt $((secs * 10)) ] ||
      fail "timed out after ${secs}s waiting for the \"$kind\" warning to clear; status.json has $(status_summary "$mnt")"
    sleep 0.1
  done
}

# assert_warning_shape STATUS_FILE WHAT: every warnings[] entry is a well-formed warning: a kind
# (at most one entry per kind; kinds beyond WARNING_KINDS are allowed), a non-empty message, an
# integer count >= 1, an RFC 3339 since; health is "degraded" exactly when there is one.
assert_warning_shape() {
  local file=$1 what=$2
  jq -e '.warnings | type == "array"' -- "$file" >/dev/null ||
    fail "$what: status.json has no warnings array: $(jq -c '{health, warnings}' -- "$file")"
  jq -e --arg re "$RFC3339_RE" '
    all(.warnings[];
        type == "object"
        and (.kind | type == "string" and length > 0)
        and (.message | type == "string" and length > 0)
        and (.count | type == "number" and . >= 1 and . == floor)
        and (.since | type == "string" and test($re)))
    and ([.warnings[].kind] | length == (unique | length))
    and ((.health == "degraded") == (.warnings | length > 0))
    and (.health == "ok" or .health == "degraded")' -- "$file" >/dev/null ||
    fail "$what: malformed warnings or health in status.json: $(jq -c '{health, warnings}' -- "$file")"
}

# assert_warning MNT KIND TEXT WHAT: status.json says degraded with exactly one KIND warning,
# whose message contains TEXT; every warning is well formed; metrics.prom agrees
# (logdex_health_degraded 1, logdex_warning{kind=KIND} 1) and has every series of the contract.
assert_warning() {
  local mnt=$1 kind=$2 text=$3 what=$4 snap k value
  snap=$(mktemp "$TEST_DIR/status.XXXXXX")
  on_mount cat -- "$mnt/.logdex/status.json" >"$snap" || fail "$what: cannot read status.json"
  assert_warning_shape "$snap" "$what"
  assert_eq degraded "$(jq -r .health -- "$snap")" "$what: status.json health"
  assert_eq 1 "$(jq --arg k "$kind" '[.warnings[] | select(.kind == $k)] | length' -- "$snap")" \
    "$what: number of \"$kind\" warnings in status.json (has $(jq -c .warnings -- "$snap"))"
  jq -e --arg k "$kind" --arg t "$text" 'any(.warnings[]; .kind == $k and (.message | contains($t)))' \
    -- "$snap" >/dev/null ||
    fail "$what: the \"$kind\" warning's message does not mention '$text': $(jq -c --arg k "$kind" '.warnings[] | select(.kind == $k)' -- "$snap")"
  rm -f -- "$snap"
  assert_eq 1 "$(metric_get "$mnt" logdex_health_degraded "$what")" "$what: metrics.prom logdex_health_degraded"
  for k in "${WARNING_KINDS[@]}"; do
    value=$(metric_get "$mnt" "logdex_warning{kind=\"$k\"}" "$what")
    [ "$value" = 0 ] || [ "$value" = 1 ] || fail "$what: metrics.prom logdex_warning{kind=\"$k\"} is $value, not 0 or 1"
  done
  assert_eq 1 "$(metric_get "$mnt" "logdex_warning{kind=\"$kind\"}" "$what")" "$what: metrics.prom logdex_warning{kind=\"$kind\"}"
  metric_get "$mnt" logdex_cache_save_errors_total "$what" >/dev/null
  metric_get "$mnt" logdex_inotify_unwatched_dirs "$what" >/dev/null
  value=$(metric_value "$mnt" logdex_descriptors_held) || fail "$what: metrics.prom has no series logdex_descriptors_held"
  # -1: the daemon could not count them (counting takes a descriptor too).
  [[ "$value" =~ ^(-1|[0-9]+)$ ]] || fail "$what: metrics.prom logdex_descriptors_held is '$value', not an integer >= -1"
}

# assert_healthy MNT WHAT: status.json says ok with no warnings, metrics.prom says 0 for health
# and for every warning kind.
assert_healthy() {
  local mnt=$1 what=$2 snap k
  snap=$(mktemp "$TEST_DIR/status.XXXXXX")
  on_mount cat -- "$mnt/.logdex/status.json" >"$snap" || fail "$what: cannot read status.json"
  assert_warning_shape "$snap" "$what"
  assert_eq ok "$(jq -r .health -- "$snap")" "$what: status.json health (warnings: $(jq -c .warnings -- "$snap"))"
  rm -f -- "$snap"
  assert_eq 0 "$(metric_get "$mnt" logdex_health_degraded "$what")" "$what: metrics.prom logdex_health_degraded"
  for k in "${WARNING_KINDS[@]}"; do
    assert_eq 0 "$(metric_get "$mnt" "logdex_warning{kind=\"$k\"}" "$what")" "$what: metrics.prom logdex_warning{kind=\"$k\"}"
  done
}

# assert_daemon_alive MNT WHAT: a logdex daemon still serves MNT.
assert_daemon_alive() {
  [ -n "$(daemon_pids "$1")" ] || fail "$2: no logdex daemon serves $1 any more"
  is_mounted "$1" || fail "$2: $1 is no longer mounted"
}

# random_frames N TAG: N JSONL frames with pseudo-random ids (deterministic per TAG), so a cache
# of them compresses badly.
random_frames() {
  awk -v n="$1" -v tag="$2" 'BEGIN {
    seed = 0; for (i = 1; i <= length(tag); i++) seed = seed * 31 + index("abcdefghijklmnopqrstuvwxyz0123456789-", substr(tag, i, 1))
    srand(seed % 2147483647)
    for (i = 0; i < n; i++)
      printf "{\"type\":\"%s\",\"id\":\"%s-%08x%08x\",\"n\":%d,\"pad\":\"%08x\"}\n", tag, tag, int(rand() * 2147483647), int(rand() * 2147483647), i, int(rand() * 2147483647)
  }'
}

# mount_scratch_tmpfs DIR OPTIONS WHAT: mounts a tmpfs with OPTIONS (e.g. "size=16k" or
# "ro,size=1m") at DIR, to be a daemon's cache dir; it is unmounted at exit after the FUSE mounts
# (whose daemons write into it) and before the test dir is removed.
mount_scratch_tmpfs() {
  local dir=$1
  mount -t tmpfs -o "$2" tmpfs "$dir" || fail "cannot mount a tmpfs ($2) at $dir for $3"
  after_unmount "unmount_scratch_tmpfs '$dir'"
  mountpoint -q -- "$dir" || fail "no tmpfs at $dir"
}
unmount_scratch_tmpfs() {
  mountpoint -q -- "$1" || return 0
  umount -- "$1" 2>/dev/null || umount -l -- "$1" ||
    { echo "FAIL [$TEST_NAME]: could not unmount the tmpfs at $1" >&2; return 1; }
}
