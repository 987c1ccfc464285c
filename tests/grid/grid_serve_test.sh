#!/usr/bin/env bash
# The matcher grid against the single process (docs/SCALE.md): a store of synthetic fingers,
# `abis serve` and `mpirun -np 3 abis grid serve` on it; the identify candidate lists over HTTP
# must be equal (same persons, same scores, same order). Then one matcher is killed (kill -9):
# the next identify must be 503 within seconds, and so must the ones after it.
# Usage: grid_serve_test.sh ABIS [PERSONS]. Waits on events (the ready lines, HTTP answers).
set -euo pipefail
ABIS=$(realpath "$1")
PERSONS=${2:-300}
source "$(dirname "$0")/grid_harness.sh"

"$ABIS" synth finger-templates --count "$PERSONS" --out "$WORK/data" >/dev/null
STORE="$WORK/store"
ADMIN=$("$ABIS" init --store "$STORE" | sed -n 's/^api_key: //p' | tail -1)
ABIS_API_KEY="$ADMIN" "$ABIS" --store "$STORE" gallery create --name register >/dev/null
KEY=$(ABIS_API_KEY="$ADMIN" "$ABIS" --store "$STORE" user add --name grid --role enroller | sed -n 's/^api_key: //p' | tail -1)
ABIS_API_KEY="$KEY" "$ABIS" --store "$STORE" import batch --manifest "$WORK/data/manifest.csv" --gallery register \
  --purpose identity_verification --case GRID-1 --json >"$WORK/import.json"
export ABIS_API_KEY="$KEY"

# N:N deduplication on the grid: every person searched once; a second run resumes (skips them all).
for run in 1 2; do
  mpirun --oversubscribe --enable-recovery -np 3 "$ABIS" --store "$STORE" grid dedup --gallery register \
    --out "$WORK/dedup.jsonl" --case GRID-DEDUP --purpose identity_verification --all-candidates \
    --snapshot-interval-seconds 0 >"$WORK/dedup$run.out" 2>"$WORK/dedup$run.err" ||
    { echo "FAIL: grid dedup run $run"; cat "$WORK/dedup$run.err"; exit 1; }
  python3 - "$WORK/dedup$run.out" "$run" "$PERSONS" "$WORK/dedup.jsonl" <<'PY'
import json, sys
summary = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
run, persons = int(sys.argv[2]), int(sys.argv[3])
lines = open(sys.argv[4]).read().splitlines()
want = (persons, 0) if run == 1 else (0, persons)
if (summary["searched"], summary["skipped_done_before"]) != want or len(lines) != persons:
    print("FAIL: dedup run", run, summary, len(lines), "lines"); sys.exit(1)
print("ok: dedup run", run, json.dumps(summary))
PY
done
# The second grid found the first one's sealed shard snapshots and loaded them.
if ! grep -Eq "matcher rank 1 .* [1-9][0-9]* shard indexes loaded from snapshots" "$WORK/dedup2.err"; then
  echo "FAIL: the restarted grid did not load its shard snapshots"; cat "$WORK/dedup2.err"; exit 1
fi
echo "ok: the restarted grid loaded its shard snapshots"

"$ABIS" --store "$STORE" serve --listen 127.0.0.1:0 --snapshot-interval-seconds 0 >"$WORK/single.log" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/single.log" "serving" "${PIDS[-1]}"
SINGLE=$(sed -n 's/.*on http:\/\/\(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/single.log" | head -1)

mpirun --oversubscribe --enable-recovery -np 3 "$ABIS" --store "$STORE" grid serve --listen 127.0.0.1:0 \
  --snapshot-interval-seconds 0 --matcher-timeout-ms 5000 >"$WORK/grid.log" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/grid.log" "serving" "${PIDS[-1]}"
GRID=$(sed -n 's/.*on http:\/\/\(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/grid.log" | head -1)

python3 - "$SINGLE" "$GRID" "$KEY" "$PERSONS" <<'PY'
import json, sys, urllib.request
single, grid, key, persons = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def identify(host, person):
    request = urllib.request.Request(
        f"http://{host}/v1/identify/register/SYN-{person:07d}?purpose=identity_verification&caseRef=GRID-1&maxNbCand=5",
        data=b"", method="POST", headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())
def comparable(answer):
    # candidateId numbers the review queue's records: each search records its own.
    for candidate in answer:
        candidate.get("others", {}).pop("candidateId", None)
    return answer
compared = 0
candidates = 0
for person in range(0, persons, max(1, persons // 20)):
    a, b = comparable(identify(single, person)), comparable(identify(grid, person))
    if a != b:
        print("FAIL: person", person, "\nsingle:", json.dumps(a), "\ngrid:  ", json.dumps(b))
        sys.exit(1)
    compared += 1
    candidates += len(a)
if candidates == 0:
    print("FAIL: no candidates at all: nothing was compared"); sys.exit(1)
print(f"ok: {compared} identify answers equal ({candidates} candidates)")
PY

# Kill one matcher: the grid must answer 503 quickly, and keep answering 503.
MATCHER=$(sed -n 's/^abis: grid: matcher rank 1 pid \([0-9]*\) .*/\1/p' "$WORK/grid.log" | head -1)
if [ -z "$MATCHER" ]; then echo "FAIL: no matcher process found"; ps -ef | grep abis; exit 1; fi
kill -9 "$MATCHER"
python3 - "$GRID" "$KEY" <<'PY'
import json, sys, time, urllib.request, urllib.error
grid, key = sys.argv[1], sys.argv[2]
for attempt in range(2):
    start = time.monotonic()
    request = urllib.request.Request(
        f"http://{grid}/v1/identify/register/SYN-0000001?purpose=identity_verification&caseRef=GRID-1&maxNbCand=5",
        data=b"", method="POST", headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            print("FAIL: the grid answered", answer.status, "with a matcher dead"); sys.exit(1)
    except urllib.error.HTTPError as error:
        took = time.monotonic() - start
        body = error.read().decode()
        if error.code != 503:
            print("FAIL: expected 503, got", error.code, body); sys.exit(1)
        if took > 6:
            print(f"FAIL: the 503 took {took:.1f} s"); sys.exit(1)
        print(f"ok: 503 in {took:.2f} s: {body}")
PY
echo "PASS"
