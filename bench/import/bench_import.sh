#!/usr/bin/env bash
# Batch import benchmark at the template level: N synthetic ISO 19794-2 right-index records (one
# person each, `abis synth finger-templates`) imported into a new store with `abis import batch`.
# Prints the import's JSON summary with persons/s, the CPU cores used on average and the CPU
# milliseconds per person (user+sys CPU seconds from /usr/bin/time), and the machine's load
# average (other work on the machine lowers the wall-clock figures, not the CPU cost).
# Usage: bench/import/bench_import.sh [N=20000] [extra import options, e.g. --dedup --workers 2]
# Env: ABIS (default build/abis), WORK (default a new temporary folder, removed at the end).
set -euo pipefail
N=${1:-20000}
shift || true
ABIS=${ABIS:-$(dirname "$0")/../../build/abis}
WORK=${WORK:-$(mktemp -d)}
trap 'rm -rf "$WORK"' EXIT
"$ABIS" synth finger-templates --count "$N" --out "$WORK/data" >/dev/null
STORE="$WORK/store"
ADMIN=$("$ABIS" init --store "$STORE" | sed -n 's/^api_key: //p' | tail -1)
ABIS_API_KEY="$ADMIN" "$ABIS" --store "$STORE" gallery create --name register >/dev/null
export ABIS_API_KEY=$(ABIS_API_KEY="$ADMIN" "$ABIS" --store "$STORE" user add --name bench --role enroller |
  sed -n 's/^api_key: //p' | tail -1)
PURPOSE=identity_verification
for option in "$@"; do [ "$option" = --dedup ] && PURPOSE=deduplication; done
/usr/bin/time -f '%e %U %S' -o "$WORK/time" "$ABIS" --store "$STORE" import batch --manifest "$WORK/data/manifest.csv" \
  --gallery register --purpose "$PURPOSE" --case BENCH-1 --json "$@" >"$WORK/out"
read -r wall user sys <"$WORK/time"
tail -1 "$WORK/out" | python3 -c "
import json, sys
s = json.loads(sys.stdin.read())
wall, cpu = float('$wall'), float('$user') + float('$sys')
s['persons_per_second'] = round(s['enrolled'] / s['seconds'], 1)
s['cores_average'] = round(cpu / wall, 2)
s['cpu_ms_per_person'] = round(1000 * cpu / max(1, s['enrolled']), 3)
s['load_average_1min'] = float(open('/proc/loadavg').read().split()[0])
s['synthetic'] = True
print(json.dumps(s))"
