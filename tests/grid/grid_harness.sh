# Shared by the grid test scripts (sourced after `set -euo pipefail`): Open MPI as root, a work
# folder with the PIDS array and their cleanup on exit, and wait_for_line. Tests wait on events.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Waits until FILE has a line matching PATTERN (or the process PID ends: failure).
wait_for_line() {
  local file=$1 pattern=$2 pid=$3
  for _ in $(seq 1 6000); do
    if grep -q "$pattern" "$file" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL: process ended before '$pattern'"; cat "$file"; return 1
    fi
    sleep 0.1  # polling the log for the event, not a fixed wait
  done
  echo "FAIL: no '$pattern' in $file"; cat "$file"; return 1
}
