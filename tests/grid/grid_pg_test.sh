#!/usr/bin/env bash
# The issue's outside check (issue 23): the same synthetic persons imported with `abis import
# batch` into a SQLite store and into a PostgreSQL store; `abis serve` on the SQLite store and
# `mpirun --oversubscribe -np 3 abis grid serve` on the PostgreSQL store; 40 identify top-5 lists
# compared (persons, fused and per-probe scores, ranks: everything but the stores' own template and
# review record numbers); then one matcher is killed (kill -9) and the next identify must be 503
# within seconds. Run by grid_pg_test.cc, which starts the PostgreSQL server.
# Usage: grid_pg_test.sh ABIS PG_URI [PERSONS]. Waits on events (the ready lines, HTTP answers).
set -euo pipefail
ABIS=$(realpath "$1")
PG_URI=$2
PERSONS=${3:-300}
source "$(dirname "$0")/grid_harness.sh"
export ABIS_LOCAL_DIR="$WORK/pg-local"  # the PostgreSQL store's master key and index snapshots

"$ABIS" synth finger-templates --count "$PERSONS" --out "$WORK/data" >/dev/null
# import STORE: prints the enroller's API key.
import() {
  local store=$1 admin key
  admin=$("$ABIS" init --store "$store" | sed -n 's/^api_key: //p' | tail -1)
  ABIS_API_KEY="$admin" "$ABIS" --store "$store" gallery create --name register >/dev/null
  key=$(ABIS_API_KEY="$admin" "$ABIS" --store "$store" user add --name grid --role enroller | sed -n 's/^api_key: //p' | tail -1)
  # Every core extracts (as the outside check imports); the import commits in manifest order, so
  # both stores number persons and templates alike and the stage-1 ties (broken by template id)
  # fall the same way.
  ABIS_API_KEY="$key" "$ABIS" --store "$store" import batch --manifest "$WORK/data/manifest.csv" --gallery register \
    --purpose identity_verification --case GRID-1 --json >"$WORK/import-$(basename "$store").json"
  echo "$key"
}
SQLITE_KEY=$(import "$WORK/sqlite")
PG_KEY=$(import "$PG_URI")
echo "ok: $PERSONS persons imported into SQLite and PostgreSQL"

"$ABIS" --store "$WORK/sqlite" serve --listen 127.0.0.1:0 --snapshot-interval-seconds 0 >"$WORK/single.log" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/single.log" "serving" "${PIDS[-1]}"
SINGLE=$(sed -n 's/.*on http:\/\/\(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/single.log" | head -1)

mpirun --oversubscribe --enable-recovery -np 3 "$ABIS" --store "$PG_URI" grid serve --listen 127.0.0.1:0 \
  --snapshot-interval-seconds 0 --matcher-timeout-ms 20000 >"$WORK/grid.log" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/grid.log" "serving" "${PIDS[-1]}"
GRID=$(sed -n 's/.*on http:\/\/\(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/grid.log" | head -1)

python3 - "$SINGLE" "$SQLITE_KEY" "$GRID" "$PG_KEY" "$PERSONS" <<'PY'
import json, sys, urllib.request
single, single_key, grid, grid_key, persons = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
def identify(host, key, person):
    request = urllib.request.Request(
        f"http://{host}/v1/identify/register/SYN-{person:07d}?purpose=identity_verification&caseRef=GRID-1&maxNbCand=5",
        data=b"", method="POST", headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())
def comparable(answer):
    # Template ids and review record ids are each store's own numbers; all else must be equal.
    for candidate in answer:
        candidate.get("others", {}).pop("candidateId", None)
        for score in candidate.get("scores", []):
            score.get("others", {}).pop("templateId", None)
    return answer
compared = candidates = 0
for person in range(0, persons, max(1, persons // 40))[:40]:
    a = comparable(identify(single, single_key, person))
    b = comparable(identify(grid, grid_key, person))
    if a != b:
        print("FAIL: person", person, "\nsingle (SQLite):", json.dumps(a), "\ngrid (PostgreSQL):", json.dumps(b))
        sys.exit(1)
    compared += 1
    candidates += len(a)
if compared != 40 or candidates == 0:
    print(f"FAIL: {compared} lists compared, {candidates} candidates"); sys.exit(1)
print(f"ok: {compared} top-5 lists equal, SQLite single process and PostgreSQL grid ({candidates} candidates)")
PY

# Kill one matcher: the grid must answer 503 quickly, and keep answering 503.
MATCHER=$(sed -n 's/^abis: grid: matcher rank 2 pid \([0-9]*\) .*/\1/p' "$WORK/grid.log" | head -1)
if [ -z "$MATCHER" ]; then echo "FAIL: no matcher process found"; cat "$WORK/grid.log"; exit 1; fi
kill -9 "$MATCHER"
python3 - "$GRID" "$PG_KEY" <<'PY'
import sys, time, urllib.request, urllib.error
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
        if error.code != 503 or "has died" not in body:
            print("FAIL: expected 503 naming the dead rank, got", error.code, body); sys.exit(1)
        if took > 5:
            print(f"FAIL: the 503 took {took:.1f} s"); sys.exit(1)
        print(f"ok: 503 in {took:.2f} s: {body}")
PY
echo "PASS"
