#!/usr/bin/env bash
# tools/check_tidy.sh must fail on a finding of the project's .clang-tidy and pass clean code:
# checks two scratch files through a scratch compile_commands.json.
set -euo pipefail
script="$(cd "$(dirname "$0")/../.." && pwd)/tools/check_tidy.sh"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cat > "$scratch/clean.cc" <<'CODE'
#include <string>
std::string Greet(const std::string& name) { return "hello " + name; }
CODE
cat > "$scratch/finding.cc" <<'CODE'
#include <string>
#include <utility>
std::size_t Length(const std::string& name) {
  const std::string copy = name;
  std::string moved = std::move(copy);  // performance-move-const-arg: no move happens
  return moved.size();
}
CODE
printf '[{"directory": "%s", "command": "c++ -std=c++20 -c clean.cc", "file": "%s/clean.cc"},\n' "$scratch" "$scratch" > "$scratch/compile_commands.json"
printf ' {"directory": "%s", "command": "c++ -std=c++20 -c finding.cc", "file": "%s/finding.cc"}]\n' "$scratch" "$scratch" >> "$scratch/compile_commands.json"
bash "$script" "$scratch" "$scratch/clean.cc" > /dev/null || { echo "clean code was refused"; exit 1; }
if output=$(bash "$script" "$scratch" "$scratch/finding.cc"); then
  echo "a finding was not caught"
  exit 1
fi
grep -q "performance-move-const-arg" <<<"$output" || { echo "caught, but not named: $output"; exit 1; }
echo "tidy check: the planted finding caught, clean code passed"
