#!/usr/bin/env bash
# tools/check_boundary.sh must fail on each kind of breach: plants one at a time in a scratch tree
# shaped like the repository and expects exit 1 naming it; a clean tree must pass.
set -euo pipefail
script="$(cd "$(dirname "$0")/../.." && pwd)/tools/check_boundary.sh"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src/cli" "$scratch/src/system" "$scratch/src/store/sqlite" "$scratch/include/abis/store"
echo '#include "sqlite/database.h"' > "$scratch/src/store/sqlite/sqlite_store.cc"
echo '#include "abis/store/store.h"' > "$scratch/src/system/abis_system.cc"
bash "$script" "$scratch" > /dev/null || { echo "a clean tree was refused"; exit 1; }
expect_breach() {
  local file="$1" line="$2" named="$3"
  printf '%s\n' "$line" > "$scratch/$file"
  if output=$(bash "$script" "$scratch"); then
    echo "not caught: $line in $file"
    exit 1
  fi
  grep -q "$named" <<<"$output" || { echo "caught, but not named '$named': $output"; exit 1; }
  rm "$scratch/$file"
}
expect_breach src/cli/a.cc '#include "abis/store/store.h"' "store headers included outside the system"
expect_breach src/system/a.cc '#include <sqlite3.h>' "SQLite used outside the store"
expect_breach src/system/a.cc '#include "sqlite/database.h"' "SQLite used outside the store"
expect_breach src/system/a.cc 'db.Prepare("SELECT 1");' "SQL run outside the store"
expect_breach src/system/a.cc '#include "../store/sqlite/database.h"' "SQLite used outside the store"
expect_breach include/abis/store/a.h '#include <sqlite3.h>' "SQLite used outside the store"
expect_breach src/system/a.cc 'db->Prepare(sql);' "SQL run outside the store"
expect_breach src/system/a.cc 'Result<Statement> query = Query();' "SQL run outside the store"
expect_breach src/system/CMakeLists.txt 'target_link_libraries(x PRIVATE abis_store_sqlite_internals)' "SQLite internals linked"
expect_breach src/system/CMakeLists.txt 'target_link_libraries(x PRIVATE sqlite3)' "SQLite internals linked"
expect_breach src/cli/CMakeLists.txt 'target_include_directories(x PRIVATE ${CMAKE_SOURCE_DIR}/src/store)' "SQLite internals linked"
expect_breach src/cli/a.cc 'system.TEST_store();' "TEST_ accessor"
echo "boundary check: every planted breach caught"
