#!/usr/bin/env bash
# The application boundary (docs/SERVICE.md, issue 17): AbisSystem is the only door to the store,
# and the store is an interface (abis/store/store.h) whose SQLite back end is private to src/store.
# Outside src/store, src/system and the audit and access libraries the system is built on, no code
# includes the store's interface or calls the TEST_ accessors; outside src/store, no code runs SQL,
# includes SQLite or the back end's headers (src/store/sqlite/), or links the back end's internals.
# Exit 1 names each breach.
set -euo pipefail
# Usage: tools/check_boundary.sh [ROOT] (default: this repository; the tests pass a planted tree).
cd "${1:-$(dirname "$0")/..}"
failed=0
# check WHAT PATTERN [ALLOWED] [FILES]: names every line of FILES (code: .cc/.h; cmake: CMake files)
# under src/ and include/ that matches PATTERN outside the paths ALLOWED matches.
check() {
  local what="$1" pattern="$2" allowed="${3:-^(src|include/abis)/(store|system|audit|access)/}" files="${4:-code}" hits
  local globs=(--include='*.cc' --include='*.h')
  [ "$files" = cmake ] && globs=(--include=CMakeLists.txt --include='*.cmake')
  hits=$(grep -rnE "$pattern" src include "${globs[@]}" 2>/dev/null | grep -vE "$allowed" | grep -vE '^[^:]+:[0-9]+: *(//|# |#$)' || true)
  if [ -n "$hits" ]; then
    echo "boundary: $what:"
    echo "$hits"
    failed=1
  fi
}
check "store headers included outside the system" '#include "abis/store/(store|audit_storage)\.h"'
check "SQL run outside the store" '(\.|->)(Prepare|Execute)\(|\b(Database|Statement)\b' '^src/store/'
check "SQLite used outside the store" '#include [<"][^>"]*(sqlite3[a-z]*\.h|sqlite/)' '^src/store/'
check "the store's SQLite internals linked outside the store" 'abis_store_sqlite_internals|sqlite3|SQLite3|src/store' \
  '^src/store/' cmake
check "a TEST_ accessor used by production code" 'TEST_[A-Za-z]+\('
if [ "$failed" -eq 0 ]; then echo "boundary: intact (no store access outside src/store, src/system, src/audit, src/access; no SQL or SQLite outside src/store)"; fi
exit "$failed"
