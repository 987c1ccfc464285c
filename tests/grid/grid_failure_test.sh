#!/usr/bin/env bash
# Two failures the grid must live through (docs/SCALE.md, "Failure"), on a small store of
# synthetic fingers with one template row damaged (bits of its ciphertext flipped):
# - a matcher late for the front's deadline (made slow on purpose: the test-only
#   ABIS_GRID_TEST_SLOW_REPLY delays its first reply past --matcher-timeout-ms) costs that search
#   only: 503 "matcher rank 1 late", and once its late reply is out the next search answers, equal
#   to `abis serve`'s answer;
# - the damaged template, quarantined by the matcher holding it, is audited at the front exactly
#   once (template.quarantined naming the template, its person and gallery), as the single process
#   audits it.
# Usage: grid_failure_test.sh ABIS [PERSONS]. Waits on events (log lines, HTTP answers).
set -euo pipefail
ABIS=$(realpath "$1")
PERSONS=${2:-40}
source "$(dirname "$0")/grid_harness.sh"

"$ABIS" synth finger-templates --count "$PERSONS" --out "$WORK/data" >/dev/null
STORE="$WORK/store"
ADMIN=$("$ABIS" init --store "$STORE" | sed -n 's/^api_key: //p' | tail -1)
ABIS_API_KEY="$ADMIN" "$ABIS" --store "$STORE" gallery create --name register >/dev/null
KEY=$(ABIS_API_KEY="$ADMIN" "$ABIS" --store "$STORE" user add --name grid --role enroller | sed -n 's/^api_key: //p' | tail -1)
AUDITOR=$(ABIS_API_KEY="$ADMIN" "$ABIS" --store "$STORE" user add --name audit --role auditor | sed -n 's/^api_key: //p' | tail -1)
ABIS_API_KEY="$KEY" "$ABIS" --store "$STORE" import batch --manifest "$WORK/data/manifest.csv" --gallery register \
  --purpose identity_verification --case GRID-1 --json >"$WORK/import.json"

# Damage one template row: flip the bits of one byte in the middle of its ciphertext.
DAMAGED=$(python3 - "$STORE/abis.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
template, person, sealed = db.execute(
    "SELECT t.id, t.person_id, t.sealed FROM templates t JOIN persons p ON p.id = t.person_id "
    "WHERE p.external_id = 'SYN-0000007' LIMIT 1").fetchone()
sealed = bytearray(sealed)
sealed[len(sealed) // 2] ^= 0xFF
db.execute("UPDATE templates SET sealed = ? WHERE id = ?", (bytes(sealed), template))
db.commit()
print(template, person)
PY
)
read -r DAMAGED_TEMPLATE DAMAGED_PERSON <<<"$DAMAGED"
echo "ok: template $DAMAGED_TEMPLATE of person $DAMAGED_PERSON damaged"

quarantine_entries() {
  ABIS_API_KEY="$AUDITOR" "$ABIS" --store "$STORE" audit export --action template.quarantined >"$WORK/quarantined.jsonl"
  python3 - "$WORK/quarantined.jsonl" "$DAMAGED_TEMPLATE" "$DAMAGED_PERSON" <<'PY'
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
template, person = int(sys.argv[2]), int(sys.argv[3])
for entry in entries:
    text = json.dumps(entry)
    if str(template) not in text or str(person) not in text:
        print("FAIL: a template.quarantined entry names another template or person:", text); sys.exit(1)
print(len(entries))
PY
}

# The grid: matcher rank 1 answers its first request 6 s after the front's 4 s deadline (a deadline
# that a loaded machine's first index build on rank 2 stays well under; rank 2 may be named late too).
ABIS_GRID_TEST_SLOW_REPLY=1:10000 mpirun --oversubscribe --enable-recovery -x ABIS_GRID_TEST_SLOW_REPLY -np 3 \
  "$ABIS" --store "$STORE" grid serve --listen 127.0.0.1:0 --snapshot-interval-seconds 0 --matcher-timeout-ms 4000 \
  >"$WORK/grid.log" 2>&1 &
GRID_PID=$!
PIDS+=($GRID_PID)
wait_for_line "$WORK/grid.log" "serving" "$GRID_PID"
GRID=$(sed -n 's/.*on http:\/\/\(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/grid.log" | head -1)

identify() {  # HOST PERSON OUT: prints the HTTP status; the body goes to OUT
  python3 - "$1" "$KEY" "$2" "$3" <<'PY'
import sys, urllib.request, urllib.error
host, key, person, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
request = urllib.request.Request(
    f"http://{host}/v1/identify/register/SYN-{person:07d}?purpose=identity_verification&caseRef=GRID-1&maxNbCand=5",
    data=b"", method="POST", headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=60) as answer:
        status, body = answer.status, answer.read()
except urllib.error.HTTPError as error:
    status, body = error.code, error.read()
open(out, "wb").write(body)
print(status)
PY
}

STATUS=$(identify "$GRID" 1 "$WORK/first.json")
if [ "$STATUS" != 503 ] || ! grep -Eq "matcher rank ([0-9]+, )*1(, [0-9]+)* late" "$WORK/first.json"; then
  echo "FAIL: the late matcher's search: expected 503 'matcher rank 1 late', got $STATUS"; cat "$WORK/first.json"; exit 1
fi
echo "ok: 503 for the late matcher: $(cat "$WORK/first.json")"
wait_for_line "$WORK/grid.log" "test: answering request .* late" "$GRID_PID"

STATUS=$(identify "$GRID" 1 "$WORK/grid-answer.json")
if [ "$STATUS" != 200 ]; then echo "FAIL: the search after the late one: $STATUS"; cat "$WORK/grid-answer.json"; exit 1; fi
echo "ok: the next search answered (the late reply drained)"
COUNT=$(quarantine_entries)
if [ "$COUNT" != 1 ]; then echo "FAIL: $COUNT template.quarantined entries after the grid's searches, not 1"; exit 1; fi
STATUS=$(identify "$GRID" 2 "$WORK/third.json")
COUNT=$(quarantine_entries)
if [ "$STATUS" != 200 ] || [ "$COUNT" != 1 ]; then
  echo "FAIL: a third search: HTTP $STATUS, $COUNT template.quarantined entries (want 200, 1)"; exit 1
fi
echo "ok: the damaged template was audited once at the front"
kill "$GRID_PID"; wait "$GRID_PID" 2>/dev/null || true

# The single process on the same store gives the same answer (and audits the damage itself).
"$ABIS" --store "$STORE" serve --listen 127.0.0.1:0 --snapshot-interval-seconds 0 >"$WORK/single.log" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/single.log" "serving" "${PIDS[-1]}"
SINGLE=$(sed -n 's/.*on http:\/\/\(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/single.log" | head -1)
STATUS=$(identify "$SINGLE" 1 "$WORK/single-answer.json")
python3 - "$WORK/single-answer.json" "$WORK/grid-answer.json" <<'PY'
import json, sys
def comparable(path):
    answer = json.load(open(path))
    for candidate in answer:
        candidate.get("others", {}).pop("candidateId", None)
    return answer
a, b = comparable(sys.argv[1]), comparable(sys.argv[2])
if a != b or not a:
    print("FAIL: single:", json.dumps(a), "\ngrid:  ", json.dumps(b)); sys.exit(1)
print(f"ok: the grid's answer after the late search equals the single process's ({len(a)} candidates)")
PY
echo "PASS"
