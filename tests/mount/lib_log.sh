# shellcheck shell=bash
# Verbs of the daemon-log tests (source after lib.sh):
#
#   mount_logdex_foreground LOGDIR MNT STDERR_FILE [ARGS...]
#   wait_for_line FILE REGEX WHAT
#   count_lines FILE REGEX

# mount_logdex_foreground LOGDIR MNT STDERR_FILE [ARGS...]: `logdex mount -f` in the background,
# its stderr to STDERR_FILE; waits (with the ready timeout) until the kernel shows the mount. The
# EXIT trap's unmount ends the daemon (and kills it by pid if it lingers).
mount_logdex_foreground() {
  local logdir=$1 mnt=$2 err=$3 waited=0 pid
  shift 3
  LIB_MOUNTS+=("$mnt")
  "$LOGDEX" mount "$logdir" "$mnt" -f "$@" 2>"$err" &
  pid=$!
  until timeout 5 mountpoint -q -- "$mnt" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || fail "logdex mount -f $* exited before mounting: $(cat -- "$err")"
    if [ "$waited" -ge $((READY_TIMEOUT * 10)) ]; then
      fail "mount not ready after ${READY_TIMEOUT}s: $mnt"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# count_lines FILE REGEX: how many lines of FILE match the extended REGEX (0 if none or no FILE).
count_lines() {
  local n
  n=$(grep -cE -- "$2" "$1" 2>/dev/null) || true
  echo "${n:-0}"
}

# wait_for_line FILE REGEX WHAT: waits up to 10 s for a line of FILE matching REGEX.
wait_for_line() {
  local file=$1 re=$2 what=$3
  for _ in $(seq 100); do
    [ "$(count_lines "$file" "$re")" -gt 0 ] && return 0
    sleep 0.1
  done
  echo "--- $file:" >&2
  tail -n 20 -- "$file" >&2 2>/dev/null || true
  fail "$what: no line matching '$re' in $file after 10 s"
}

# A line of a log file or of stderr: ISO-8601 UTC time, pid, level.
# shellcheck disable=SC2034  # used by the tests that source this
LOG_LINE_PREFIX='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z logdex\[[0-9]+\] '
