#!/usr/bin/env bash
# The README's "Using it", as a script that runs: a store, one operator per role, persons enrolled
# by face, fingerprint and DNA from the shared data, a fused search, a verification, a watchlist
# hit and its entry ended, a duplicate found and merged, two-person review, the audit checked and
# anchored, a subject report and a retention dry run. The test Walkthrough.ReadmeScriptRuns runs it.
#
#   tools/walkthrough.sh [ABIS_BINARY]      (default build/abis; data from $ABIS_DATA, default ../shared/data)
#
# Exits 77 (skipped) when the shared data is absent, non-zero at the first step that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
abis_bin="$(realpath "${1:-build/abis}")"
data="${ABIS_DATA:-../shared/data}"
face="$data/face/samples/knn_examples/train"
prints="$data/fingerprint/fvc2002/DB1_B"
genotypes="$data/dna/nist1036_genotypes.csv"
for needed in "$face/obama/obama.jpg" "$face/obama/obama2.jpg" "$face/biden/biden.jpg" "$prints/101_1.tif" \
              "$prints/101_2.tif" "$genotypes"; do
  if [ ! -f "$needed" ]; then
    echo "walkthrough: skipped: $needed is missing (set ABIS_DATA to the shared data folder)"
    exit 77
  fi
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
step() { echo; echo "== $*"; }
key_of() { sed -n 's/^api_key: //p'; }  # the line that shows a new API key once
abis() { "$abis_bin" "$@"; }
as() { local key="$1"; shift; ABIS_API_KEY="$key" "$abis_bin" "$@"; }

# --- the README's "Using it" from here on ---
export ABIS_STORE="$work/store"
step "A store and its first administrator; one operator per role (the admin manages, it never searches)"
admin=$(abis init | key_of)
eve=$(as "$admin" user add --name eve --role enroller | key_of)          # enrols, deduplicates
ian=$(as "$admin" user add --name ian --role investigator | key_of)      # searches for cases
exa=$(as "$admin" user add --name exa --role examiner | key_of)          # confirms candidates, manages watchlists
exb=$(as "$admin" user add --name exb --role examiner | key_of)          # the second examiner
ada=$(as "$admin" user add --name ada --role auditor | key_of)           # reads the audit trail

step "Persons, a register, and samples of three modalities (one encounter each)"
as "$admin" gallery create --name national --kind register
as "$admin" person add --id P-0001 --category citizen --legal-basis "Civil Register Act s.12" --retention-until 2040-01-01
as "$admin" person add --id P-0002 --category citizen --legal-basis "Civil Register Act s.12" --retention-until 2040-01-01
as "$eve" enrol --person P-0001 --modality face --file "$face/obama/obama.jpg" --gallery national
as "$eve" enrol --person P-0001 --modality finger --finger right_index --file "$prints/101_1.tif" --gallery national
awk -F, 'NR == 1 { print "locus,allele1,allele2"; next } $1 == "GT37019" { print $3 "," $4 "," $5 }' "$genotypes" \
  > "$work/profile.csv"                                                  # one person's STR profile
as "$eve" enrol --person P-0001 --modality dna --file "$work/profile.csv" --gallery national
as "$eve" enrol --person P-0002 --modality face --file "$face/biden/biden.jpg" --gallery national

step "A fused 1:N search (face and a second impression of the finger), bound to a purpose and a case"
as "$ian" search --gallery national --probe "face:$face/obama/obama2.jpg" --probe "finger:right_index:$prints/101_2.tif" \
  --purpose criminal_investigation --case CASE-2026-17 --top 10 --fmr 1e-4
search_seq=$(as "$ian" --json search --gallery national --probe "face:$face/obama/obama2.jpg" \
  --purpose criminal_investigation --case CASE-2026-17 | tail -1 | grep -o '"audit_seq":[0-9]*' | tail -1 | cut -d: -f2)

step "1:1 verification at a border"
as "$eve" verify --person P-0001 --modality face --file "$face/obama/obama2.jpg" --purpose border_control --case BC-1

step "Two examiners confirm the search's first candidate (two-person rule)"
as "$exa" review search "$search_seq"
candidate=$(as "$exa" --json review search "$search_seq" | tail -1 | grep -o '"candidate_id":[0-9]*' | head -1 | cut -d: -f2)
as "$exa" review decide --candidate "$candidate" --decision confirm --comment "the face agrees"
as "$exb" review decide --candidate "$candidate" --decision confirm --comment "agreed"

step "A watchlist: a hit raises an alert; the entry is then ended with a reason"
as "$admin" gallery create --name wanted --kind watchlist
as "$exa" gallery watch --name wanted --person P-0001 --authority "Warrant 12/2026" --reason fraud --expires 2099-01-01
as "$ian" search --gallery wanted --modality face --file "$face/obama/obama2.jpg" --purpose border_control --case BC-2
as "$exa" gallery entries --name wanted
entry=$(as "$exa" --json gallery entries --name wanted | tail -1 | grep -o '"entry_id":[0-9]*' | head -1 | cut -d: -f2)
as "$exa" gallery unwatch --name wanted --entry "$entry" --reason "warrant withdrawn"

step "A duplicate enrolment is found by deduplication and merged by an examiner"
as "$admin" person add --id P-0003 --category citizen --legal-basis "Civil Register Act s.12" --retention-until 2040-01-01
as "$eve" enrol --person P-0003 --modality face --file "$face/obama/obama2.jpg" --gallery national
as "$eve" search --gallery national --modality face --file "$face/obama/obama2.jpg" --purpose deduplication --case DEDUP-1 --top 3
as "$exa" person merge --source P-0003 --into P-0001
as "$eve" encounter list --person P-0001

step "Oversight: the audit chain checked and anchored, a subject report, retention"
abis audit verify                                                        # no key needed: exit 0 intact, 1 broken
abis audit keygen --out "$work/auditor.key"
as "$ada" audit checkpoint --signing-key "$work/auditor.key" --out "$work/anchor.json"
abis audit verify --anchor "$work/anchor.json" --public-key "$work/auditor.key.pub"
as "$ada" subject report --id P-0001
as "$admin" retention apply --dry-run
echo
echo "walkthrough: every step succeeded"
