#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD_DIR for SECONDS each, seeded with the matching real
# samples from the shared data when present and small built-in seeds (fuzz/seeds.sh; copied:
# libFuzzer writes new inputs into its corpus).
# Exits non-zero when a target crashes, leaks, or exceeds the memory limits; the crashing input is
# kept in ARTIFACT_DIR (default BUILD_DIR/fuzz-artifacts).
#   tools/run_fuzzers.sh build-fuzz 30
# For long runs to a number of executions, see tools/fuzz_campaign.sh.
set -euo pipefail
build_dir="${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS}"
seconds="${2:-30}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${ABIS_DATA:-${repo}/../shared/data}"
artifacts="${ARTIFACT_DIR:-${build_dir}/fuzz-artifacts}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# shellcheck source=../fuzz/seeds.sh
source "$repo/fuzz/seeds.sh"
mkdir -p "$artifacts"
[ -d "$data" ] || echo "fuzz: no shared data at $data; built-in seeds only"

found=0
started=$SECONDS
for fuzzer in "$build_dir"/*_fuzzer; do
  [ -x "$fuzzer" ] || continue
  found=1
  name="$(basename "$fuzzer")"
  corpus="$work/$name"
  fuzz_prepare_corpus "$name" "$corpus"
  [ -n "$(ls "$corpus")" ] || echo "fuzz: $name: no seed samples (shared data absent); starting from an empty corpus"
  echo "fuzz: $name for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
  "$fuzzer" "$corpus" -max_total_time="$seconds" -max_len="$(fuzz_max_len "$name")" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=120 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" 2>"$work/$name.log" || {
      echo "fuzz: $name FAILED; input kept in $artifacts; last lines:" >&2
      tail -40 "$work/$name.log" >&2
      exit 1
    }
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$name.log" | sed "s/^/fuzz: $name: /"
done
[ "$found" = 1 ] || { echo "fuzz: no fuzz targets in $build_dir" >&2; exit 1; }
echo "fuzz: all targets ran without a crash ($((SECONDS - started)) s)"
