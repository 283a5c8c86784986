#!/usr/bin/env bash
# End-to-end: ingest a small folder with the CLI, search it (phrase, filters, snippets), re-ingest (no-op),
# change a file (replace), remove by path and id, drop a collection; every --json output is parsed.
set -euo pipefail
BIN=${HAYLOFT_BIN:-build/hayloft}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HAYLOFT_HOME="$work/home"
docs="$work/docs"
mkdir -p "$docs/notes" "$docs/code"
cat > "$docs/notes/barn.md" <<'MD'
# The Barn

The red barn stands at the edge of the meadow. Hay bales are stacked to the rafters.

## Animals

Two goats and a sleepy donkey live in the barn during winter.
MD
printf 'Harvest log: the combine harvester broke down near the silo on Tuesday.\n' > "$docs/notes/log.txt"
printf 'def count_bales(rows, per_row):\n    return rows * per_row\n' > "$docs/code/bales.py"
printf '\x00\x01\x02\x03binary' > "$docs/junk.bin"

fail() { echo "FAIL: $*" >&2; exit 1; }
# json EXPR: evaluates a Python expression over the JSON document on stdin (bound to d).
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Ingest: three good files, one binary file reported as failed, exit code 1 because of it.
set +e
out=$("$BIN" ingest --json --collection farm "$docs")
rc=$?
set -e
[ "$rc" = 1 ] || fail "ingest with a bad file should exit 1, got $rc"
[ "$(echo "$out" | json 'd["added"]')" = 3 ] || fail "added: $out"
[ "$(echo "$out" | json 'd["failed"]')" = 1 ] || fail "failed: $out"
echo "$out" | json 'd["errors"][0]["path"]' | grep -q junk.bin || fail "error should name junk.bin: $out"
[ "$(echo "$out" | json 'd["chunks"] >= 3')" = True ] || fail "chunks: $out"

# Without the bad file: everything unchanged, exit 0.
out=$("$BIN" ingest --json --collection farm --exclude '*.bin' "$docs")
[ "$(echo "$out" | json 'd["unchanged"]')" = 3 ] || fail "re-ingest should be a no-op: $out"
[ "$(echo "$out" | json 'd["added"] + d["replaced"]')" = 0 ] || fail "re-ingest wrote: $out"

# Search: phrase, snippet marker, offsets, filters.
out=$("$BIN" search --json --collection farm '"sleepy donkey"')
[ "$(echo "$out" | json 'len(d["hits"])')" = 1 ] || fail "phrase hits: $out"
echo "$out" | json 'd["hits"][0]["snippet"]' | grep -q '\*\*sleepy donkey\*\*' || fail "snippet: $out"
echo "$out" | json 'd["hits"][0]["path"]' | grep -q 'barn.md$' || fail "path: $out"
[ "$(echo "$out" | json 'd["hits"][0]["source_end"] > d["hits"][0]["source_start"]')" = True ] || fail "offsets: $out"
[ "$(echo "$out" | json 'd["hits"][0]["heading"]')" != "" ] || fail "heading: $out"
out=$("$BIN" search --json 'barn OR bales' --filter type:code)
[ "$(echo "$out" | json '[h["path"].endswith("bales.py") for h in d["hits"]] == [True]')" = True ] || fail "type filter: $out"
out=$("$BIN" search --json harvester --filter before:2000-01-01)
[ "$(echo "$out" | json 'len(d["hits"])')" = 0 ] || fail "date filter: $out"
out=$("$BIN" search --json harvester --filter after:2000-01-01)
[ "$(echo "$out" | json 'len(d["hits"])')" = 1 ] || fail "date filter after: $out"
"$BIN" search harvester | grep -q 'log.txt' || fail "human search output"
set +e
"$BIN" search --json x --filter bogus >/dev/null 2>&1; rc=$?
set -e
[ "$rc" = 2 ] || fail "bad filter should be a usage error, got $rc"

# Listing.
out=$("$BIN" collections --json)
[ "$(echo "$out" | json '[(c["name"], c["documents"]) for c in d["collections"]]')" = "[('farm', 3)]" ] || fail "collections: $out"
out=$("$BIN" docs --json --collection farm)
[ "$(echo "$out" | json 'len(d["documents"])')" = 3 ] || fail "docs: $out"

# Change a file: replaced atomically, the old text is gone from search.
printf 'Harvest log: the tractor was repaired by Friday.\n' > "$docs/notes/log.txt"
out=$("$BIN" ingest --json --collection farm --exclude '*.bin' "$docs")
[ "$(echo "$out" | json 'd["replaced"]')" = 1 ] || fail "replace: $out"
[ "$("$BIN" search --json combine | json 'len(d["hits"])')" = 0 ] || fail "old version still found"
[ "$("$BIN" search --json tractor | json 'len(d["hits"])')" = 1 ] || fail "new version not found"

# Remove by path and by id.
out=$("$BIN" rm --json --collection farm "$docs/notes/log.txt")
[ "$(echo "$out" | json 'd["removed"]')" = 1 ] || fail "rm by path: $out"
id=$("$BIN" docs --json | json '[x["id"] for x in d["documents"] if x["path"].endswith("bales.py")][0]')
out=$("$BIN" rm --json "$id")
[ "$(echo "$out" | json 'd["removed"]')" = 1 ] || fail "rm by id: $out"
[ "$("$BIN" search --json tractor rows | json 'len(d["hits"])')" = 0 ] || fail "removed docs still found"
set +e
"$BIN" rm --json --collection farm "$docs/nope.txt" >/dev/null; rc=$?
set -e
[ "$rc" = 1 ] || fail "rm of an unknown path should exit 1, got $rc"

# Drop the collection.
out=$("$BIN" rm --json --collection farm --all)
[ "$(echo "$out" | json 'd["removed"]')" = 1 ] || fail "rm --all: $out"
[ "$("$BIN" collections --json | json 'len(d["collections"])')" = 0 ] || fail "collection not dropped"
"$BIN" search --help | grep -q -- '--filter' || fail "search --help"
echo "ingest_search: ok"
