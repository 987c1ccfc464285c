#!/usr/bin/env bash
# Identify throughput over loopback of `abis serve` (1 process) and of the grid with 1 and 2
# matchers (mpirun -np 2 and -np 3), on one store of N synthetic fingers (one person each,
# `abis synth finger-templates`). Each run: R identify requests by stored person (maxNbCand 5),
# C clients at once; prints one JSON line per run (requests/s, mean latency, and the CPU the
# server's processes used during the run: cpu_cores_used near the machine's core count means the
# run was CPU-bound, so more searches in flight could not raise its throughput).
# Usage: bench_grid.sh [N] [R] [C]. Env: ABIS (default build/abis).
set -euo pipefail
N=${1:-2000}
R=${2:-100}
C=${3:-2}
ABIS=$(realpath "${ABIS:-$(dirname "$0")/../../build/abis}")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
WORK=$(mktemp -d)
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
"$ABIS" synth finger-templates --count "$N" --out "$WORK/data" >/dev/null
STORE="$WORK/store"
ADMIN=$("$ABIS" init --store "$STORE" | sed -n 's/^api_key: //p' | tail -1)
ABIS_API_KEY="$ADMIN" "$ABIS" --store "$STORE" gallery create --name register >/dev/null
export ABIS_API_KEY=$(ABIS_API_KEY="$ADMIN" "$ABIS" --store "$STORE" user add --name bench --role enroller |
  sed -n 's/^api_key: //p' | tail -1)
"$ABIS" --store "$STORE" import batch --manifest "$WORK/data/manifest.csv" --gallery register \
  --purpose identity_verification --case BENCH-1 >/dev/null

run() {  # label, command...
  local label=$1; shift
  "$@" >"$WORK/log" 2>&1 &
  SERVER=$!
  until grep -q "serving" "$WORK/log"; do kill -0 $SERVER || { cat "$WORK/log"; exit 1; }; sleep 0.2; done
  local host=$(sed -n 's/.*on http:\/\/\(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/log" | head -1)
  python3 - "$label" "$host" "$ABIS_API_KEY" "$N" "$R" "$C" "$SERVER" <<'PY'
import json, os, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
label, host, key, n, r, c = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
server = int(sys.argv[7])
def tree_cpu_seconds(root):
    """User + system CPU seconds of `root` and every process below it (mpirun's ranks)."""
    parent, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(child for child, up in parent.items() if up == pid)
    return total
def identify(i):
    request = urllib.request.Request(
        f"http://{host}/v1/identify/register/SYN-{(i * 7919) % n:07d}?purpose=identity_verification&caseRef=BENCH-1&maxNbCand=5",
        data=b"", method="POST", headers={"Authorization": "Bearer " + key})
    start = time.monotonic()
    with urllib.request.urlopen(request, timeout=300) as answer:
        answer.read()
    return time.monotonic() - start
identify(0)  # the first search builds or loads the indexes
cpu_before = tree_cpu_seconds(server)
start = time.monotonic()
with ThreadPoolExecutor(c) as pool:
    latencies = list(pool.map(identify, range(1, r + 1)))
wall = time.monotonic() - start
cpu = tree_cpu_seconds(server) - cpu_before
print(json.dumps({"run": label, "persons": n, "requests": r, "clients": c,
                  "requests_per_second": round(r / wall, 2), "mean_latency_ms": round(1000 * sum(latencies) / r, 1),
                  "cpu_cores_used": round(cpu / wall, 2), "load_average": os.getloadavg()[0]}))
PY
  kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
}
run serve "$ABIS" --store "$STORE" serve --listen 127.0.0.1:0 --snapshot-interval-seconds 0
run grid-1-matcher mpirun --oversubscribe -np 2 "$ABIS" --store "$STORE" grid serve --listen 127.0.0.1:0 --snapshot-interval-seconds 0
run grid-2-matchers mpirun --oversubscribe -np 3 "$ABIS" --store "$STORE" grid serve --listen 127.0.0.1:0 --snapshot-interval-seconds 0
