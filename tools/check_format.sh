#!/usr/bin/env bash
# The code style (.clang-format) held by a test, as a ratchet: every C++ file of the project must
# be clang-formatted, except those listed in tools/format_pending.txt (the files written before
# the style was checked; the list only shrinks). New files are checked from their first commit.
# Exit 1 names each file that drifted (fix with `clang-format -i FILE`) and each stale list entry.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "format: clang-format is missing (Debian package clang-format, installed by make deps)" >&2
  exit 1
fi
failed=0
# shellcheck source=tools/pending_list.sh
source tools/pending_list.sh
read_pending_list format tools/format_pending.txt
checked=0
now_clean=()
while IFS= read -r -d '' path; do
  path="${path#./}"
  if [ -n "${pending[$path]:-}" ]; then
    if clang-format --dry-run --Werror "$path" >/dev/null 2>&1; then now_clean+=("$path"); fi
    continue
  fi
  checked=$((checked + 1))
  if ! clang-format --dry-run --Werror "$path" >/dev/null 2>&1; then
    echo "format: $path is not clang-formatted (clang-format -i $path)"
    failed=1
  fi
done < <(find src include tests bench fuzz -name '*.cc' -print0 -o -name '*.h' -print0)
for path in "${now_clean[@]}"; do echo "format: $path is formatted now: remove it from tools/format_pending.txt"; done
if [ "$failed" -eq 0 ]; then echo "format: $checked files formatted (${#pending[@]} still pending)"; fi
exit "$failed"
