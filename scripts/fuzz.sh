#!/usr/bin/env bash
# Fuzzes every libFuzzer target of a -DLOGDEX_FUZZ=ON build for SECONDS each, one after the
# other, each on a temp copy of its seed corpus (tests/fuzz/corpus/<target>, plus
# tests/fuzz/regressions/<target>), and prints libFuzzer's closing "Done N runs in S second(s)"
# line per target. Any crash, sanitizer report, leak, timeout or out-of-memory fails the script,
# which names the input libFuzzer saved and says how to check it in as a regression test.
# Never waits on a terminal; every run is bounded by `timeout`.
#
#   bash scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]
#
# Environment: FUZZ_TIMEOUT (per-input seconds, default 10), FUZZ_RSS_MB (default 2048),
# FUZZ_MAX_LEN (default 65536), FUZZ_KEEP=1 keeps the temp dir.
set -uo pipefail
usage() { echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
build=$1
seconds=$2
shift 2
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || usage
repo=$(cd "$(dirname "$0")/.." && pwd)
fuzz_dir="$build/tests/fuzz"
per_input=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
max_len=${FUZZ_MAX_LEN:-65536}

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  targets=()
  for d in "$repo"/tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi

# The corpus copies, logs and the targets' scratch files (tmpfs when there is one), all removed
# at the end, even when a target crashed.
shm=/dev/shm
[[ -d $shm && -w $shm ]] || shm=${TMPDIR:-/tmp}
work=$(mktemp -d "$shm/logdex-fuzz.XXXXXX")
[[ ${FUZZ_KEEP:-0} = 1 ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/scratch"
export LOGDEX_FUZZ_SCRATCH="$work/scratch"

# Inputs that failed are kept here, outside the temp dir, for CI to keep as artifacts.
failures="$(cd "$build" && pwd)/fuzz-failures"
failed=()
for t in "${targets[@]}"; do
  bin="$fuzz_dir/fuzz_$t"
  if [[ ! -x $bin ]]; then
    echo "fuzz.sh: $bin not built (configure with -DLOGDEX_FUZZ=ON, CXX=clang++-14)" >&2
    failed+=("$t")
    continue
  fi
  corpus="$work/$t/corpus"
  artifacts="$work/$t/artifacts"
  mkdir -p "$corpus" "$artifacts"
  cp "$repo/tests/fuzz/corpus/$t"/* "$corpus/" 2>/dev/null
  cp "$repo/tests/fuzz/regressions/$t"/* "$corpus/" 2>/dev/null
  log="$work/$t/log"
  # -max_total_time bounds the fuzzing; timeout bounds everything else (loading, a hung input
  # that libFuzzer's own -timeout fails to stop, leak checking at exit).
  timeout -k 10 $((seconds + per_input + 120)) "$bin" \
    -max_total_time="$seconds" -timeout="$per_input" -rss_limit_mb="$rss_mb" \
    -max_len="$max_len" -print_final_stats=0 -close_fd_mask=1 \
    -artifact_prefix="$artifacts/" "$corpus" > "$log" 2>&1 < /dev/null
  rc=$?
  done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1)
  if [[ $rc -eq 0 && -n $done_line ]]; then
    echo "fuzz_$t: $done_line"
    continue
  fi
  failed+=("$t")
  echo "fuzz_$t: FAILED (exit $rc${done_line:+; $done_line})"
  [[ $rc -eq 124 || $rc -eq 137 ]] && echo "  the run did not end within its time limit (hang)"
  grep -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:|fuzz property failed|ALARM|out-of-memory|Test unit written' "$log" | head -20 | sed 's/^/  /'
  echo "  --- last lines of the log ---"
  tail -40 "$log" | sed 's/^/  /'
  for a in "$artifacts"/*; do
    [[ -e $a ]] || continue
    saved="$failures/$t/$(basename "$a")"
    mkdir -p "$failures/$t"
    cp "$a" "$saved"
    echo "  input: $saved"
    echo "  reproduce: $bin $saved"
    echo "  once fixed, check it in as a regression test (ctest fuzz_replay_$t runs it in every build):"
    echo "    mkdir -p tests/fuzz/regressions/$t && cp $saved tests/fuzz/regressions/$t/"
  done
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, $seconds s each: no findings"
