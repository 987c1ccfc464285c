#!/usr/bin/env bash
# Search cost against store size, through the CLI as an operator runs it: 40 real FVC2002 B ISO
# templates (impression 1 of fingers 101-110 of DB1..DB4) imported alone, and again with N
# synthetic random-minutiae fillers (`abis synth finger-templates`), all finger,right_index, with
# `abis import batch`. Then the 40 impression-2 templates are searched with `abis search` on both
# stores. Prints the median wall time per search on each store, their ratio, and rank-1 on each.
# Usage: bench/import/check_search_cost.sh [N=20000]
# Env: ABIS (default build/abis), ABIS_DATA (default ../shared/data), WORK (a folder to keep the
# stores in; default a new temporary folder, removed at the end).
set -euo pipefail
N=${1:-20000}
ABIS=$(realpath "${ABIS:-$(dirname "$0")/../../build/abis}")
DATA=${ABIS_DATA:-$(dirname "$0")/../../../shared/data}
FVC="$DATA/fingerprint/fvc2002"
[ -d "$FVC/DB1_B" ] || { echo "skipped: $FVC not found (set ABIS_DATA)" >&2; exit 0; }
if [ -z "${WORK:-}" ]; then
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi

real_rows() {
  for db in DB1_B DB2_B DB3_B DB4_B; do
    for finger in $(seq 101 110); do
      echo "FVC-${db}-${finger},citizen,Public benchmark,2099-12-31,finger,right_index,$(realpath "$FVC/$db/${finger}_1.iso")"
    done
  done
}

make_store() {  # name, filler count
  local store="$WORK/$1" fillers=$2
  local manifest="$WORK/$1.csv"
  echo "person,category,legal_basis,retention_until,modality,position,file" >"$manifest"
  real_rows >>"$manifest"
  if [ "$fillers" -gt 0 ]; then
    "$ABIS" synth finger-templates --count "$fillers" --out "$WORK/fillers" >/dev/null
    tail -n +2 "$WORK/fillers/manifest.csv" | sed "s#,iso/#,$WORK/fillers/iso/#" >>"$manifest"
  fi
  local admin
  admin=$("$ABIS" init --store "$store" | sed -n 's/^api_key: //p' | tail -1)
  ABIS_API_KEY="$admin" "$ABIS" --store "$store" gallery create --name register >/dev/null
  local enroller
  enroller=$(ABIS_API_KEY="$admin" "$ABIS" --store "$store" user add --name clerk --role enroller |
    sed -n 's/^api_key: //p' | tail -1)
  ABIS_API_KEY="$admin" "$ABIS" --store "$store" user add --name officer --role investigator |
    sed -n 's/^api_key: //p' | tail -1 >"$store.key"
  local start=$SECONDS
  ABIS_API_KEY="$enroller" "$ABIS" --store "$store" import batch --manifest "$manifest" --gallery register \
    --purpose identity_verification --case CHECK-1 --json 2>"$store.import.log" | tail -1 >"$store.import.json"
  echo "imported $1: $(cat "$store.import.json") in $((SECONDS - start)) s" >&2
}

search_all() {  # name -> lines "seconds rank1"
  local store="$WORK/$1"
  local key
  key=$(cat "$store.key")
  for db in DB1_B DB2_B DB3_B DB4_B; do
    for finger in $(seq 101 110); do
      local t0 t1 out
      t0=$(date +%s.%N)
      out=$(ABIS_API_KEY="$key" "$ABIS" --store "$store" search --gallery register --modality finger \
        --finger right_index --file "$FVC/$db/${finger}_2.iso" --purpose criminal_investigation \
        --case CHECK-1 --top 1 --json)
      t1=$(date +%s.%N)
      local hit=0
      echo "$out" | grep -q "\"FVC-${db}-${finger}\"" && hit=1
      echo "$(echo "$t1 - $t0" | bc) $hit"
    done
  done
}

make_store small 0
make_store large "$N"
search_all small >"$WORK/small.times"
search_all large >"$WORK/large.times"
python3 - "$WORK/small.times" "$WORK/large.times" "$N" <<'PY'
import json, statistics, sys
def load(path):
    rows = [line.split() for line in open(path)]
    return [float(t) for t, _ in rows], sum(int(h) for _, h in rows)
small, small_hits = load(sys.argv[1])
large, large_hits = load(sys.argv[2])
print(json.dumps({
    "fillers": int(sys.argv[3]), "synthetic_fillers": True, "searches": len(small),
    "small_first_s": round(small[0], 3), "large_first_s": round(large[0], 3),
    "small_median_s": round(statistics.median(small), 3),
    "large_median_s": round(statistics.median(large), 3),
    "ratio_median": round(statistics.median(large) / statistics.median(small), 2),
    "ratio_first": round(large[0] / small[0], 2),
    "rank1_small": small_hits, "rank1_large": large_hits,
    "load_average_1min": float(open('/proc/loadavg').read().split()[0])}))
PY
