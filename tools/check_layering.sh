#!/usr/bin/env bash
# The layering of the architecture (DESIGN.md, "modules"), held by the compiler (issue 17). Each library publishes only the
# headers it owns (abis_add_library HEADERS, cmake/abis_module.cmake) as its own include root under
# <build>/include-roots/, so a target sees only the headers of the libraries it links. Checks that:
#   1. no CMake file adds the whole include/ folder as an include directory again;
#   2. every header of include/abis/ is published by exactly one library;
#   3. the engine libraries of the modalities (abis_face, abis_finger, ...) do not link the CLI;
#   4. a file including a store header compiles in a target that links abis_store, and does not
#      compile in one that links only abis_modality (tests/layering).
# Usage: tools/check_layering.sh BUILD_DIR. Exit 1 names each breach.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:?usage: check_layering.sh BUILD_DIR}"
roots="$build/include-roots"
failed=0

blanket=$(grep -rnE --include=CMakeLists.txt --include='*.cmake' \
  'include_directories.*(SOURCE_DIR|\.\.)\}?/include([^/A-Za-z_]|$)' CMakeLists.txt cmake src tests bench fuzz || true)
if [ -n "$blanket" ]; then
  echo "layering: the whole include/ folder is an include directory:"
  echo "$blanket"
  failed=1
fi

# Which libraries publish each header (a folder link covers its headers; a header link itself).
# Libraries of the fuzz build that recompile another library's sources (abis_fuzz_*) are skipped.
while IFS= read -r header; do
  relative="${header#include/abis/}"
  owners=()
  for root in "$roots"/*/; do
    library=$(basename "$root")
    case "$library" in abis_fuzz_*) continue ;; esac
    if [ -L "$root/abis/$relative" ] || [ -L "$root/abis/${relative%%/*}" ]; then owners+=("$library"); fi
  done
  if [ "${#owners[@]}" -gt 1 ]; then
    echo "layering: $header is published by ${#owners[@]} libraries: ${owners[*]}"
    failed=1
  fi
done < <(find include/abis -name '*.h' | sort)

# The engine libraries of the modalities do not link the CLI: their commands are the *_cli libraries.
for library in abis_face abis_finger abis_finger_extract abis_dna_core; do
  flags=$(find "$build/src" -path "*/CMakeFiles/$library.dir/flags.make" 2>/dev/null | head -n 1)
  if [ -n "$flags" ] && grep -q 'include-roots/abis_cli_support' "$flags"; then
    echo "layering: $library links abis_cli_support (its CLI commands belong in a CLI library on top)"
    failed=1
  fi
done

if ! output=$(cmake --build "$build" --target abis_layering_probe_with_store 2>&1); then
  echo "layering: the store probe does not compile even with abis_store linked:"
  echo "$output" | tail -20
  failed=1
fi
if output=$(cmake --build "$build" --target abis_layering_probe_without_store 2>&1); then
  echo "layering: a target that links only abis_modality can include abis/store/store.h:"
  echo "  some library publishes the whole include/ folder, or abis_modality links the store"
  failed=1
elif ! grep -q 'abis/store/store.h' <<<"$output"; then
  echo "layering: the probe without the store failed, but not for want of abis/store/store.h:"
  echo "$output" | tail -20
  failed=1
fi

if [ "$failed" -eq 0 ]; then echo "layering: intact (each library sees only the headers of what it links)"; fi
exit "$failed"
