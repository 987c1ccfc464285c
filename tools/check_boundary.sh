#!/usr/bin/env bash
# The application boundary (docs/SERVICE.md, issue 17): AbisSystem is the only door to the store.
# Outside src/store, src/system and the audit and access libraries the system is built on, no code
# includes the store's headers, runs SQL, or calls the TEST_ accessors. Exit 1 names each breach.
set -euo pipefail
cd "$(dirname "$0")/.."
failed=0
check() {
  local what="$1" pattern="$2" hits
  hits=$(grep -rnE "$pattern" src --include='*.cc' --include='*.h' | grep -vE '^src/(store|system|audit|access)/' || true)
  if [ -n "$hits" ]; then
    echo "boundary: $what:"
    echo "$hits"
    failed=1
  fi
}
check "store headers included outside the system" '#include "abis/store/(store|database|schema|records_sql)\.h"'
check "SQL run outside the store" '\.(Prepare|Execute)\("'
check "a TEST_ accessor used by production code" 'TEST_[A-Za-z]+\('
if [ "$failed" -eq 0 ]; then echo "boundary: intact (no store access outside src/store, src/system, src/audit, src/access)"; fi
exit "$failed"
