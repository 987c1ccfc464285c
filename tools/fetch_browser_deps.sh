#!/usr/bin/env bash
# Installs puppeteer-core, pinned with its whole dependency tree in tests/browser/package-lock.json
# (every tarball checked against the lockfile's sha512 integrity by `npm ci`), for the browser
# tests of the examiner workstation. Chromium itself is the Debian package `chromium`
# (tools/apt-packages.txt); no browser is downloaded (PUPPETEER_SKIP_DOWNLOAD, --ignore-scripts).
# Idempotent: nothing happens when node_modules matches the lockfile already.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/browser" && pwd)"
command -v npm >/dev/null 2>&1 || { echo "fetch_browser_deps: npm is not installed" >&2; exit 1; }
stamp="${dir}/node_modules/.abis-lock-sha256"
want="$(sha256sum "${dir}/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "fetch_browser_deps: puppeteer-core already installed"
  exit 0
fi
echo "fetch_browser_deps: npm ci in tests/browser"
(cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) \
  || { echo "fetch_browser_deps: npm ci failed (network or registry problem?)" >&2; exit 1; }
echo "$want" > "$stamp"
