#!/usr/bin/env bash
# hayloft ask / runs end to end with the real SmolLM2: ingest examples/sample, ask in each mode (-n 16 so
# it stays fast), check the route, that every citation's chunk was in the context, that the runs were
# stored; then the errors: unknown and empty collections, a bad mode, a question longer than the window,
# a corrupt model file — each a clear error with nothing stored. Skips (exit 0) without models/.
set -euo pipefail
BIN=${HAYLOFT_BIN:-build/hayloft}
if [[ ! -f models/SmolLM2-135M-Instruct.Q4_1.gguf ]]; then
  echo "ask.sh: models/ missing, skipping"; exit 0
fi
fail() { echo "FAIL: $*" >&2; exit 1; }
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT
H=(--home "$HOME_DIR")
Q="In what year was Nikola Tesla born?"

"$BIN" ingest "${H[@]}" -c sample examples/sample >/dev/null 2>&1 || fail "ingest"

# Shared checks on one ask document: route, citations inside the context, metrics measured.
check() {  # mode expected_route json
  python3 -c '
import json, sys
mode, want = sys.argv[1], sys.argv[2]
d = json.loads(sys.argv[3])
assert d["ok"] and d["mode"] == mode, d["mode"]
if want != "any":
    assert d["route"] == want, (d["route"], d["reason"])
ctx = set(d["context_chunk_ids"])
assert ctx, "empty context"
for c in d["citations"]["citations"]:
    assert c["chunk_id"] in ctx, ("cited chunk not in context", c)
assert d["prompt_tokens"] > 0 and 0 < d["generated_tokens"] <= 16, d
for k in ("time_to_first_token_s", "total_s", "peak_rss_bytes", "kv_bytes"):
    assert d[k] > 0, k
assert d["reason"] and d["attempts"], d
assert d["collection"]["chunks"] == 18 and d["collection"]["tokens"] > 1000, d["collection"]
if mode == "lc":
    assert len(ctx) == 18, len(ctx)          # the whole collection
if mode == "rag":
    assert len(ctx) <= 6, len(ctx)           # top-k from config
if mode == "auto":
    first = d["attempts"][0]["plan"]
    assert first["route"] == "rag" and first["ask_unanswerable"], first
    if len(d["attempts"]) == 2:
        assert d["attempts"][1]["plan"]["fallback"], d["attempts"][1]["plan"]
print(mode, d["route"], d["prompt_tokens"], "prompt tokens", round(d["total_s"], 2), "s:", repr(d["answer"]))
' "$1" "$2" "$3" || fail "ask --mode $1: $3"
}

for mode in rag lc auto; do
  want=$mode; [[ $mode == auto ]] && want=any
  out=$("$BIN" ask "${H[@]}" -c sample --mode "$mode" -n 16 --json "$Q" 2>/dev/null) || fail "ask --mode $mode exited $?"
  check "$mode" "$want" "$out"
done

# Streaming text: the answer on stdout, nothing else but its sources.
text=$("$BIN" ask "${H[@]}" -c sample --mode rag -n 8 "$Q" 2>/dev/null) || fail "ask (text)"
[[ -n "$text" && "$text" != "{"* ]] || fail "streamed text: $text"

# Four asks stored, newest first; runs show returns the full record.
runs=$("$BIN" runs "${H[@]}" --json)
id=$(echo "$runs" | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = d["runs"]
assert len(r) == 4 and all(x["kind"] == "ask" and x["question"] for x in r), r
ids = [x["id"] for x in r]
assert ids == sorted(ids, reverse=True), ids
print(ids[-1])
') || fail "runs --json: $runs"
show=$("$BIN" runs show "${H[@]}" "$id" --json)
echo "$show" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ok"] and d["kind"] == "ask" and d["route"] == "rag", d
assert len(d["result"]["prompt_hash"]) == 16 and d["result"]["answer"] == d["result"]["answer"].strip()
assert d["metrics"]["prompt_tokens"] > 0 and d["params"]["mode"] == "rag"
' || fail "runs show: $show"

# Errors: clear message, exit 1 or 2, no run stored.
expect_error() {  # pattern args...
  local pattern=$1; shift
  set +e
  err=$("$BIN" "$@" 2>&1 >/dev/null); rc=$?
  set -e
  [[ $rc == 1 || $rc == 2 ]] || fail "$* exited $rc: $err"
  [[ "$err" == *"$pattern"* ]] || fail "$*: expected '$pattern' in: $err"
}
mkdir -p "$HOME_DIR/empty-dir"
"$BIN" ingest "${H[@]}" -c empty "$HOME_DIR/empty-dir" >/dev/null 2>&1 || fail "ingest empty"
expect_error "no such collection" ask "${H[@]}" -c nope "$Q"
expect_error "is empty" ask "${H[@]}" -c empty "$Q"
expect_error "unknown mode" ask "${H[@]}" -c sample --mode fast "$Q"
head -c 4096 /dev/urandom > "$HOME_DIR/bad.gguf"
expect_error "GGUF" ask "${H[@]}" -c sample --model "$HOME_DIR/bad.gguf" "$Q"
expect_error "no such run" runs show "${H[@]}" 999
long=$(python3 -c 'print("tesla " * 9000)')
expect_error "window" ask "${H[@]}" -c sample --mode rag -n 4 "$long"
n=$("$BIN" runs "${H[@]}" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))')
[[ $n == 4 ]] || fail "errors stored runs: $n"
# compare on a one-document collection (so its lc pass stays short): three modes, costs, one stored run.
mkdir -p "$HOME_DIR/tiny"
echo "Nikola Tesla was born in 1856 in Smiljan. He moved to the United States in 1884." > "$HOME_DIR/tiny/tesla.txt"
"$BIN" ingest "${H[@]}" -c tiny "$HOME_DIR/tiny" >/dev/null 2>&1 || fail "ingest tiny"
cmp=$("$BIN" compare "${H[@]}" -c tiny -n 4 --json "$Q" 2>/dev/null) || fail "compare exited $?"
echo "$cmp" | python3 -c '
import json, sys
d = json.load(sys.stdin)
m = d["modes"]
assert d["ok"] and [x["mode"] for x in m] == ["lc", "rag", "auto"], m
assert m[0]["route"] == "lc" and m[1]["route"] == "rag", [x["route"] for x in m]
for x in m:
    assert x["prompt_tokens"] > 0 and x["total_s"] > 0, x
    assert len(x["cost"]["hosted"]) == 2 and x["cost"]["hosted"][0]["total_usd"] > 0, x["cost"]
    assert x["cost"]["collection_prefill_s"] > 0, x["cost"]
    ctx = set(x["context_chunk_ids"])
    assert all(c["chunk_id"] in ctx for c in x["citations"]["citations"]), x["citations"]
' || fail "compare --json: $cmp"
# auto's fallback after a first rag answer of "unanswerable", end to end: a rag template that makes the
# first pass decline (SmolLM2 rarely declines on its own: 3 of 500 SQuAD questions; it ignores a plain
# "reply unanswerable" instruction but repeats a word it is told to), so auto must go to lc (the tiny
# collection fits, lc_template untouched), record why, and answer from lc; the streamed text is lc's only.
cat >"$HOME_DIR/decline.json" <<'JSON'
{"pipeline": {"rag_template": "{context}\n\nRepeat after me: unanswerable.{unanswerable}\n\n{question}",
              "unanswerable_instruction": ""}}
JSON
fb=$("$BIN" ask "${H[@]}" -c tiny --mode auto -n 8 --config "$HOME_DIR/decline.json" --json "$Q" 2>/dev/null) ||
  fail "ask auto (decline) exited $?"
echo "$fb" | python3 -c '
import json, sys
d = json.load(sys.stdin)
a = d["attempts"]
assert len(a) == 2, [(x["plan"]["route"], x["text"]) for x in a]
assert a[0]["plan"]["route"] == "rag" and a[0]["plan"]["ask_unanswerable"], a[0]["plan"]
assert "unanswerable" in a[0]["text"].lower(), a[0]["text"]
assert a[1]["plan"]["route"] == "lc" and a[1]["plan"]["fallback"] and not a[1]["plan"]["ask_unanswerable"], a[1]["plan"]
assert d["route"] == "lc" and "said" in d["reason"], (d["route"], d["reason"])
assert d["answer"] == a[1]["text"].strip() and d["prompt_tokens"] == a[1]["metrics"]["prompt_tokens"], d
' || fail "auto fallback after unanswerable: $fb"
text=$("$BIN" ask "${H[@]}" -c tiny --mode auto -n 8 --config "$HOME_DIR/decline.json" "$Q" 2>/dev/null) ||
  fail "ask auto (decline, text) exited $?"
[[ -n "$text" && "${text,,}" != *unanswerable* ]] || fail "the declined rag text was streamed: $text"
kinds=$("$BIN" runs "${H[@]}" --kind compare --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))')
[[ $kinds == 1 ]] || fail "compare runs stored: $kinds"
echo "ask.sh: ok"
