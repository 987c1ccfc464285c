#!/usr/bin/env bash
# Service start to first identify answer on a store made by `abis bench store --dir DIR`: starts
# `abis serve`, waits for /health, then asks one identify-from-id (the stored mated probe
# PROBE-F-0000000 or PROBE-FACE-0000000 of the "probes" gallery, against "register") and prints
# the seconds from the start of the process to the answer, for each modality in turn (finger
# first: the first identify of each modality builds or loads that modality's index).
# With `--no-snapshot` the store's index snapshots are moved aside first (and put back after).
# Then, with REPEAT=N, N more identify calls per modality (probes PROBE-*-0000000 to N-1, the
# index warm) and their wall-time p50 and p95 in ms, as an HTTP client sees them.
# Usage: bench/store/serve_first_answer.sh DIR [--no-snapshot]     (SYNTHETIC templates)
# Env: ABIS (default build/abis), PORT (default 18431), REPEAT (default 0).
set -euo pipefail
DIR=$1
MODE=${2:-}
ABIS=${ABIS:-$(dirname "$0")/../../build/abis}
PORT=${PORT:-18431}
REPEAT=${REPEAT:-0}
STORE="$DIR/store"
KEY=$(cat "$DIR/bench.key")
if [ "$MODE" = --no-snapshot ]; then
  mv "$STORE/index-snapshots" "$STORE/index-snapshots.aside"
  trap 'rm -rf "$STORE/index-snapshots"; mv "$STORE/index-snapshots.aside" "$STORE/index-snapshots"' EXIT
fi
start=$(date +%s.%N)
"$ABIS" --store "$STORE" serve --listen 127.0.0.1:$PORT --snapshot-interval-seconds 86400 >"$DIR/serve.log" 2>&1 &
SERVER=$!
until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; do kill -0 "$SERVER" || { cat "$DIR/serve.log"; exit 1; }; sleep 0.1; done
up=$(date +%s.%N)
echo "{\"synthetic\": true, \"mode\": \"${MODE:-with-snapshot}\", \"health_s\": $(echo "$up - $start" | bc)}"
for probe in PROBE-F-0000000 PROBE-FACE-0000000; do
  code=$(curl -s -o "$DIR/identify.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
    "http://127.0.0.1:$PORT/v1/identify/register/$probe?purpose=identity_verification&caseRef=BENCH-SERVE")
  now=$(date +%s.%N)
  echo "{\"probe\": \"$probe\", \"http\": $code, \"since_start_s\": $(echo "$now - $start" | bc), \"answer\": $(head -c 300 "$DIR/identify.json" | tr -d '\n' | python3 -c 'import json,sys; t=sys.stdin.read(); print(json.dumps(t))')}"
  start2=$(date +%s.%N)
done
if [ "$REPEAT" -gt 0 ]; then
  for prefix in PROBE-F PROBE-FACE; do
    times=()
    for ((i = 0; i < REPEAT; i++)); do
      probe=$(printf '%s-%07d' "$prefix" "$i")
      t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X POST -H "Authorization: Bearer $KEY" \
        "http://127.0.0.1:$PORT/v1/identify/register/$probe?purpose=identity_verification&caseRef=BENCH-SERVE")
      [ "${t%% *}" = 200 ] && times+=("${t#* }")
    done
    [ ${#times[@]} -eq 0 ] && continue
    printf '%s\n' "${times[@]}" | sort -n | awk -v p="$prefix" '{ v[NR] = $1 * 1000 } END {
      printf "{\"probes\": \"%s\", \"answers\": %d, \"p50_ms\": %.1f, \"p95_ms\": %.1f}\n",
        p, NR, v[int((NR + 1) / 2)], v[int(NR * 0.95 + 0.999)] }'
  done
fi
kill "$SERVER"
wait "$SERVER" || true
