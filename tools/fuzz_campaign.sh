#!/usr/bin/env bash
# A long fuzzing campaign, outside `make test`: runs the libFuzzer targets one after another, each
# for a number of executions (-runs), under `nice`, from the seeds of fuzz/seeds.sh (kept corpora
# are reused: a second campaign continues where the first stopped), and writes each target's final
# stats (executions, exec/s, wall time, coverage, new units, peak RSS) into a report.
# Stops at the first crash, leak, timeout or memory-limit breach, naming the input it kept.
#
#   tools/fuzz_campaign.sh [-b BUILD_DIR] [-n RUNS] [-t MAX_SECONDS] [-T BUDGET_SECONDS] [-o OUT_DIR] [TARGET[:RUNS] ...]
#     -b  build dir with the targets (default build-fuzz; build them with `make fuzz FUZZ_SECONDS=1`)
#     -n  executions per target (default 10000000)
#     -t  wall-time cap per target in seconds (default none): slow targets stop there and the
#         report says how many executions they made
#     -T  wall-time budget for the whole campaign: each target may use an equal share of what is
#         left when it starts (a target that reaches RUNS early leaves its time to the next ones;
#         list the fast targets first)
#     -o  where the corpora, crash inputs, logs and report go (default BUILD_DIR/fuzz-campaign)
#     TARGET[:RUNS]  targets to run (default: every *_fuzzer in BUILD_DIR), optionally with their
#         own number of executions, e.g. jpeg2000_fuzzer:200000
#   Environment: NICE (default 10), ABIS_DATA (shared samples, default ../shared/data).
# Exit status: 0 all ran clean, 1 a target failed (crash etc.), 2 usage or missing targets.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$repo/build-fuzz"
runs=10000000
max_seconds=0
budget=0
out=""
while getopts "b:n:t:T:o:h" option; do
  case "$option" in
    b) build_dir="$OPTARG" ;;
    n) runs="$OPTARG" ;;
    t) max_seconds="$OPTARG" ;;
    T) budget="$OPTARG" ;;
    o) out="$OPTARG" ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
out="${out:-$build_dir/fuzz-campaign}"
data="${ABIS_DATA:-${repo}/../shared/data}"
nice_level="${NICE:-10}"
# shellcheck source=../fuzz/seeds.sh
source "$repo/fuzz/seeds.sh"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for fuzzer in "$build_dir"/*_fuzzer; do [ -x "$fuzzer" ] && targets+=("$(basename "$fuzzer")"); done
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz-campaign: no fuzz targets in $build_dir (build them: make fuzz FUZZ_SECONDS=1)" >&2; exit 2; }
for spec in "${targets[@]}"; do
  [ -x "$build_dir/${spec%%:*}" ] || { echo "fuzz-campaign: $build_dir/${spec%%:*} is not built" >&2; exit 2; }
done

mkdir -p "$out/corpus" "$out/artifacts" "$out/logs"
report="$out/report.md"
{
  echo "# Fuzz campaign $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Command: NICE=$nice_level tools/fuzz_campaign.sh -b $build_dir -n $runs$([ "$max_seconds" = 0 ] || echo " -t $max_seconds")$([ "$budget" = 0 ] || echo " -T $budget") ${*:-}"
  echo "Host: $(nproc) cores, $(uname -sr); nice $nice_level; $(basename "$(command -v clang || echo clang)") $(clang --version 2>/dev/null | head -1 | sed 's/.*version //')"
  echo
  echo "| target | runs asked | executions | exec/s | wall s | cov | ft | corpus | new units | peak RSS MB | result |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} >"$report"
echo "fuzz-campaign: report in $report"

stat_of() { grep -E "^stat::$1:" "$2" | tail -1 | awk '{print $2}'; }

status=0
campaign_started=$(date +%s)
remaining=${#targets[@]}
for spec in "${targets[@]}"; do
  name="${spec%%:*}"
  target_runs="$runs"
  [ "$spec" != "$name" ] && target_runs="${spec#*:}"
  corpus="$out/corpus/$name"
  seeds="$out/seeds/$name"
  rm -rf "$seeds"
  fuzz_prepare_corpus "$name" "$seeds"
  mkdir -p "$corpus"
  log="$out/logs/$name.log"
  cap="$max_seconds"
  if [ "$budget" != 0 ]; then
    share=$(((budget - ($(date +%s) - campaign_started)) / remaining))
    [ "$share" -ge 1 ] || share=1
    { [ "$cap" = 0 ] || [ "$share" -lt "$cap" ]; } && cap="$share"
  fi
  remaining=$((remaining - 1))
  time_args=()
  [ "$cap" = 0 ] || time_args=(-max_total_time="$cap")
  echo "fuzz-campaign: $name: $target_runs executions$([ "$cap" = 0 ] || echo " (at most ${cap}s)"), corpus $corpus ($(ls "$corpus" | wc -l) kept + $(ls "$seeds" | wc -l) seeds)"
  started=$(date +%s)
  set +e
  nice -n "$nice_level" "$build_dir/$name" "$corpus" "$seeds" -runs="$target_runs" "${time_args[@]}" \
    -max_len="$(fuzz_max_len "$name")" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=60 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" >"$log" 2>&1
  rc=$?
  set -e
  wall=$(($(date +%s) - started))
  executions="$(stat_of number_of_executed_units "$log")"
  per_second="$(stat_of average_exec_per_sec "$log")"
  new_units="$(stat_of new_units_added "$log")"
  rss="$(stat_of peak_rss_mb "$log")"
  # The last status line: "#N DONE cov: C ft: F corp: U/S ..." (or the last pulse before a crash).
  last="$(grep -E '^#[0-9]+[[:space:]]+[A-Z]+[[:space:]]+cov: ' "$log" | tail -1 || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
  corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")"
  if [ "$rc" = 0 ]; then
    result="clean"
    [ -n "$executions" ] && [ "$executions" -lt "$target_runs" ] && result="clean (time cap)"
  else
    artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
    kind="$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer): [A-Za-z-]+( [a-z-]+)?|runtime error: .*|deadly signal|out-of-memory \(malloc\([0-9]+\)\)|timeout' "$log" || echo "exit $rc")"
    result="FAILED: $kind; input: ${artifact:-none}"
  fi
  echo "| $name | $target_runs | ${executions:-?} | ${per_second:-?} | $wall | ${cov:-?} | ${ft:-?} | ${corp:-?} | ${new_units:-?} | ${rss:-?} | $result |" >>"$report"
  echo "fuzz-campaign: $name: ${executions:-?} executions, ${per_second:-?} exec/s, ${wall}s, cov ${cov:-?}, new units ${new_units:-?}: $result"
  if [ "$rc" != 0 ]; then
    echo "fuzz-campaign: STOPPED: $name failed (exit $rc). The input is kept: ${artifact:-see $log}" >&2
    echo "fuzz-campaign: reproduce: $build_dir/$name ${artifact:-<input>}; minimise: $build_dir/$name -minimize_crash=1 -runs=100000 ${artifact:-<input>}" >&2
    echo "fuzz-campaign: log: $log; last lines:" >&2
    grep -vE '^#[0-9]+[[:space:]]' "$log" | tail -40 >&2
    {
      echo
      echo "Stopped at $name: see $log; input $artifact"
    } >>"$report"
    status=1
    break
  fi
done
echo "fuzz-campaign: done; report: $report"
cat "$report"
exit "$status"
