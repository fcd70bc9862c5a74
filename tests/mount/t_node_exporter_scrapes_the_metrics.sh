#!/usr/bin/env bash
# Prometheus' node_exporter, its textfile collector pointed at MNT/.logdex, scrapes metrics.prom
# without an error (node_textfile_scrape_error 0), and logdex's row counts there equal the rows
# of index.ndjson by source and state; the request metrics are there too. node_exporter is a test
# dependency (scripts/install_deps.sh): without it the test fails, it does not skip.
. "$(dirname "$0")/lib.sh" "$1"

exporter=$(command -v prometheus-node-exporter || command -v node_exporter) ||
  fail "prometheus-node-exporter is not installed (scripts/install_deps.sh installs it)"
command -v curl >/dev/null || fail "curl is not installed"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mount_logdex "$logdir" "$mnt"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/index.ndjson"

# A free port: node_exporter exits at once when its port is taken; then try another.
exporter_pid=""
at_exit '[ -z "$exporter_pid" ] || { kill "$exporter_pid" 2>/dev/null; wait "$exporter_pid" 2>/dev/null; }'
port=""
for _ in $(seq 20); do
  try=$((20000 + RANDOM % 20000))
  "$exporter" --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory="$mnt/.logdex" --web.listen-address="127.0.0.1:$try" \
    >"$TEST_DIR/exporter.log" 2>&1 &
  exporter_pid=$!
  for _ in $(seq 100); do  # up to 10 s to answer
    if curl -fsS --max-time 2 "http://127.0.0.1:$try/metrics" >/dev/null 2>&1; then
      port=$try
      break
    fi
    kill -0 "$exporter_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -z "$port" ] || break
  kill "$exporter_pid" 2>/dev/null || true
  wait "$exporter_pid" 2>/dev/null || true
  exporter_pid=""
done
[ -n "$port" ] || fail "node_exporter never answered: $(tail -n 5 "$TEST_DIR/exporter.log")"

on_mount curl -fsS --max-time 20 "http://127.0.0.1:$port/metrics" >"$TEST_DIR/scrape.txt" ||
  fail "scraping node_exporter failed"
grep -qx 'node_textfile_scrape_error 0' "$TEST_DIR/scrape.txt" ||
  fail "node_textfile_scrape_error is not 0: $(grep -E 'textfile|error' "$TEST_DIR/scrape.txt" | head -n 5; tail -n 5 "$TEST_DIR/exporter.log")"

# logdex_rows{source,state} against index.ndjson, for every source and state.
for source in pi codex claude jsonl; do
  for state in active corrupt; do
    want=$(jq -r --arg s "$source" --arg t "$state" 'select(.source == $s and .state == $t) | 1' \
      "$TEST_DIR/index.ndjson" | wc -l | tr -d ' ')
    got=$(awk -v k="logdex_rows{source=\"$source\",state=\"$state\"}" '$1 == k { print $2 }' \
      "$TEST_DIR/scrape.txt")
    assert_eq "$want" "$got" "logdex_rows{source=$source,state=$state} scraped vs index.ndjson"
  done
done
total=$(wc -l <"$TEST_DIR/index.ndjson" | tr -d ' ')
[ "$total" -gt 0 ] || fail "index.ndjson has no rows"
grep -qE '^logdex_fuse_requests_total\{op="read"\} [1-9][0-9]*$' "$TEST_DIR/scrape.txt" ||
  fail "no read requests counted in the scrape"
grep -qE '^logdex_fuse_request_duration_seconds_bucket\{op="read",le="\+Inf"\} [1-9]' "$TEST_DIR/scrape.txt" ||
  fail "no read latency histogram in the scrape"
