#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD_DIR for SECONDS each, seeded with the matching real
# samples from the shared data when present (copied: libFuzzer writes new inputs into its corpus).
# Exits non-zero when a target crashes, leaks, or exceeds the memory limits.
#   tools/run_fuzzers.sh build-fuzz 30
set -euo pipefail
build_dir="${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS}"
seconds="${2:-30}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${ABIS_DATA:-${repo}/../shared/data}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# WSQ decoding is slow under the sanitizers: only small seeds and inputs for it.
max_len_for() {
  case "$1" in
    wsq_fuzzer) echo 16384 ;;
    *) echo 262144 ;;
  esac
}

seeds_for() {
  case "$1" in
    an2k_fuzzer) echo "$data/interop/ansi-nist" ;;
    wsq_fuzzer) echo "$data/interop/wsq" ;;
    iso_template_fuzzer|ansi_template_fuzzer) echo "$data/interop/templates" ;;
    *) echo "" ;;
  esac
}

found=0
for fuzzer in "$build_dir"/*_fuzzer; do
  [ -x "$fuzzer" ] || continue
  found=1
  name="$(basename "$fuzzer")"
  corpus="$work/$name"
  mkdir -p "$corpus"
  seeds="$(seeds_for "$name")"
  if [ -n "$seeds" ] && [ -d "$seeds" ]; then
    max_len="$(max_len_for "$name")"
    find "$seeds" -maxdepth 1 -type f -size -"$max_len"c -exec cp {} "$corpus/" \;
  else
    echo "fuzz: $name: no seed samples (shared data absent); starting from an empty corpus"
  fi
  echo "fuzz: $name for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
  "$fuzzer" "$corpus" -max_total_time="$seconds" -max_len="$(max_len_for "$name")" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=120 \
    -print_final_stats=1 -artifact_prefix="$work/$name-" 2>"$work/$name.log" || {
      echo "fuzz: $name FAILED; last lines:" >&2
      tail -40 "$work/$name.log" >&2
      exit 1
    }
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$name.log" | sed "s/^/fuzz: $name: /"
done
[ "$found" = 1 ] || { echo "fuzz: no fuzz targets in $build_dir" >&2; exit 1; }
echo "fuzz: all targets ran without a crash"
