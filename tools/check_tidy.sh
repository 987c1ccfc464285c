#!/usr/bin/env bash
# Static analysis (.clang-tidy: bug-prone patterns, needless copies, override and nullptr) as a
# ratchet: every source file must pass clang-tidy with no finding, except those listed in
# tools/tidy_pending.txt (files written before the check; the list only shrinks). Headers are
# checked through the files that include them. clang-tidy parses like a compiler (about 5 s a file
# on one core), so `make test` checks the backbone every change crosses (the folders in `scope`
# below, about 2 minutes on 2 cores) and `make tidy-all` the whole of src/ (about 10 minutes).
# Usage: tools/check_tidy.sh BUILD_DIR [--all | FILE...] (BUILD_DIR holds compile_commands.json).
# Exit 1 names each file with findings (clang-tidy -p BUILD_DIR FILE shows them) and each stale
# list entry.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:?usage: check_tidy.sh BUILD_DIR [FILE...]}"
shift
if ! command -v clang-tidy >/dev/null 2>&1; then
  echo "tidy: clang-tidy is missing (Debian package clang-tidy, installed by make deps)" >&2
  exit 1
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "tidy: $build/compile_commands.json is missing (configure the build first)" >&2
  exit 1
fi
failed=0
# shellcheck source=tools/pending_list.sh
source tools/pending_list.sh
read_pending_list tidy tools/tidy_pending.txt
scope=(src/core src/modality src/store src/audit src/access src/system src/service)
files=()
if [ "$#" -gt 0 ] && [ "$1" != --all ]; then
  files=("$@")
else
  [ "${1:-}" = --all ] && scope=(src)
  while IFS= read -r path; do
    [ -z "${pending[$path]:-}" ] && files+=("$path")
  done < <(find "${scope[@]}" -name '*.cc' | sort)
fi
# Only files the build compiles (a module left out of this build has no compile command).
compiled=()
for path in "${files[@]}"; do
  absolute="$path"
  [ "${path#/}" = "$path" ] && absolute="$(pwd)/$path"
  if grep -q "\"file\": \"$absolute\"" "$build/compile_commands.json"; then compiled+=("$path"); fi
done
jobs=$(nproc 2>/dev/null || echo 2)
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
printf '%s\n' "${compiled[@]}" | xargs -P "$jobs" -I{} sh -c '
  out="$0/$(echo "{}" | tr / _)"
  if ! clang-tidy -p "$1" --config-file="$2" --quiet --extra-arg=-Wno-unknown-warning-option "{}" >"$out" 2>&1; then echo "{}" >>"$0/failed.$$"; fi
' "$results" "$build" "$(pwd)/.clang-tidy"
if ls "$results"/failed.* >/dev/null 2>&1; then
  while read -r path; do
    echo "tidy: $path has findings:"
    grep -E '(warning|error):' "$results/$(echo "$path" | tr / _)" | head -n 5 | sed 's/^/  /'
    failed=1
  done < <(cat "$results"/failed.* | sort)
fi
if [ "$failed" -eq 0 ]; then echo "tidy: ${#compiled[@]} files clean (${#pending[@]} pending in tools/tidy_pending.txt)"; fi
exit "$failed"
