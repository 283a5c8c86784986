#!/usr/bin/env bash
# hayloft niah + report end to end with the real SmolLM2: a 2 x 3 grid (256, 512 tokens x depths 0, 50,
# 100) with one needle in both routes (-n 16: SmolLM2 restates the needle, and "blue heron" comes within
# 16 tokens), checking the JSON shape, the cells, that lc finds the needle somewhere, the
# heat maps, the stored run, that the user's home gains no collection, and that `report` renders it as
# Markdown and HTML; then the errors: a length the window cannot hold, bad flags, an unknown run id.
# The filler is ../shared/data/pg-essays (HAYLOFT_SHARED_DIR wins): missing fails under CI, else skips.
set -euo pipefail
BIN=${HAYLOFT_BIN:-build/hayloft}
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -f models/SmolLM2-135M-Instruct.Q4_1.gguf ]] || fail "models/ missing (scripts/setup fetches them)"
ESSAYS=""
if [[ -n "${HAYLOFT_SHARED_DIR:-}" ]]; then
  ESSAYS="$HAYLOFT_SHARED_DIR/data/pg-essays"
else
  dir=$(pwd)
  for _ in 1 2 3; do
    if [[ -d "$dir/../shared/data/pg-essays" ]]; then ESSAYS="$dir/../shared/data/pg-essays"; break; fi
    dir=$(dirname "$dir")
  done
fi
if [[ -z "$ESSAYS" || ! -d "$ESSAYS" ]]; then
  [[ -n "${CI:-}" ]] && fail "shared data (../shared/data/pg-essays) missing in CI"
  echo "niah.sh: ../shared/data/pg-essays not found, skipping"; exit 0
fi
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
H=(--home "$TMP/home")
sed -n 3p tests/data/needles.jsonl >"$TMP/needle.jsonl"  # the Hollins Street password: "blue heron"

out=$("$BIN" niah "${H[@]}" --haystack "$ESSAYS" --needles "$TMP/needle.jsonl" --lengths 256,512 \
  --depths 0,50,100 --modes lc,rag -n 16 --plot "$TMP/plot/map.svg" --json 2>"$TMP/log") ||
  { cat "$TMP/log" >&2; fail "niah exited non-zero"; }
id=$(echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ok"] and d["run_id"] >= 1, d.get("ok")
assert d["lengths"] == [256, 512] and d["depths"] == [0, 50, 100] and d["modes"] == ["lc", "rag"], d
assert d["model"] and d["haystack"] and d["needles"], d
cells = d["cells"]
assert len(cells) == 12, len(cells)
want = {(m, l, dp) for m in ("lc", "rag") for l in (256, 512) for dp in (0, 50, 100)}
assert {(c["mode"], c["length"], c["depth"]) for c in cells} == want
for c in cells:
    for k in ("mode", "length", "depth", "needle", "hit", "answer", "prompt_tokens", "seconds", "actual_depth"):
        assert k in c, (k, c)
    assert c["prompt_tokens"] > c["length"] * 0.8, c
    assert 0 < c["generated_tokens"] <= 16 and c["seconds"] > 0, c
    assert isinstance(c["hit"], bool) and c["hit"] == ("blue heron" in c["answer"].lower()), c
    assert 0 <= c["actual_depth"] <= 100 and abs(c["actual_depth"] - c["depth"]) <= 25, c
    if c["mode"] == "lc":
        assert c["needle_in_context"], c
s = d["summaries"]
assert [x["mode"] for x in s] == ["lc", "rag"], s
for x in s:
    assert x["cells"] == 6 and 0 <= x["hits"] <= 6 and x["hit_rate"] == x["hits"] / 6, x
    assert x["mean_prompt_tokens"] > 200 and x["mean_seconds"] > 0, x
    assert [h["model"] for h in x["hosted"]] == ["llama-4-scout", "llama-4-maverick"], x
    assert all(h["usd_per_question"] > 0 for h in x["hosted"]), x
assert len(d["plots"]) == 2, d["plots"]
# Greedy SmolLM2 finds this needle at these lengths (all 6 lc cells when this was written): at least one.
assert s[0]["hits"] >= 1, [c["answer"] for c in cells if c["mode"] == "lc"]
for m in ("lc", "rag"):
    print(m, "hits", [x["hits"] for x in s if x["mode"] == m][0], "of 6", file=sys.stderr)
print(d["run_id"])
') || fail "niah --json: $out"
for m in lc rag; do
  head -c 400 "$TMP/plot/map-$m.svg" | grep -q "<svg" || fail "heat map $m missing or not SVG"
done

# Stored as one run of kind niah; the user's home holds no scratch collection.
"$BIN" runs "${H[@]}" --kind niah --json | python3 -c '
import json, sys
r = json.load(sys.stdin)["runs"]
assert len(r) == 1 and r[0]["id"] == int(sys.argv[1]) and r[0]["kind"] == "niah", r
' "$id" || fail "runs --kind niah"
"$BIN" runs show "${H[@]}" "$id" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["result"]["cells"]) == 12 and d["result"]["summaries"], d["result"].keys()
' || fail "runs show $id"
"$BIN" collections "${H[@]}" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert not d["collections"], d
' || fail "niah left collections in the home"

# report renders it: Markdown, HTML, the heat maps beside them.
rep=$("$BIN" report "${H[@]}" "$id" --out "$TMP/rep" --json) || fail "report exited non-zero"
echo "$rep" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ok"] and len(d["files"]) == 4, d
' || fail "report --json: $rep"
grep -q "run-$id-niah-lc.svg" "$TMP/rep/report.md" || fail "report.md lacks the heat map"
grep -q "<img src=\"run-$id-niah-rag.svg\"" "$TMP/rep/report.html" || fail "report.html lacks the heat map"
grep -q "llama-4-scout" "$TMP/rep/report.html" || fail "report.html lacks the cost table"
head -c 400 "$TMP/rep/run-$id-niah-lc.svg" | grep -q "<svg" || fail "report heat map not SVG"

# Errors: nothing half-done.
set +e
"$BIN" niah "${H[@]}" --haystack "$ESSAYS" --needles "$TMP/needle.jsonl" --lengths 16k --depths 0 --modes lc \
  2>"$TMP/err"; rc=$?
set -e
[[ $rc == 1 ]] && grep -q "16k" "$TMP/err" && grep -q "window" "$TMP/err" || fail "16k in an 8k window: rc $rc $(cat "$TMP/err")"
set +e
"$BIN" niah "${H[@]}" --haystack "$ESSAYS" --needles "$TMP/needle.jsonl" --depths 120 2>/dev/null; rc1=$?
"$BIN" niah "${H[@]}" --haystack "$ESSAYS" --needles "$TMP/needle.jsonl" --modes auto 2>/dev/null; rc2=$?
"$BIN" niah "${H[@]}" --haystack "$TMP/none" --needles "$TMP/needle.jsonl" 2>/dev/null; rc3=$?
"$BIN" report "${H[@]}" 999 --out "$TMP/rep2" 2>"$TMP/err"; rc4=$?
set -e
[[ $rc1 == 2 && $rc2 == 2 ]] || fail "bad --depths / --modes: rc $rc1 $rc2"
[[ $rc3 == 1 ]] || fail "missing haystack: rc $rc3"
[[ $rc4 == 1 && ! -e "$TMP/rep2" ]] && grep -q "no such run" "$TMP/err" || fail "unknown run: rc $rc4"
[[ $("$BIN" runs "${H[@]}" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))') == 1 ]] ||
  fail "a failed niah stored a run"
echo "niah.sh: ok"
