#!/usr/bin/env bash
# hayloft eval end to end with the real SmolLM2: a 3-question set over examples/sample in lc, rag and
# auto with a 2K window (so lc is refused per question, recorded as errors, and auto falls back to a wider
# rag: the sample's ~4K-token lc prefill would cost minutes on 2 busy cores), and --squad on
# tests/data/squad-sample.json (1 article of ~450 tokens, 2 questions, -n 8, all modes), checking the JSON
# document (the shape `hayloft report` reads), the stored run and `runs show`; then the errors: a
# missing set file, a malformed JSONL line, a bad mode list, conflicting flags — exit 1 or 2, nothing stored.
set -euo pipefail
BIN=${HAYLOFT_BIN:-build/hayloft}
if [[ ! -f models/SmolLM2-135M-Instruct.Q4_1.gguf ]]; then
  echo "FAIL: models/ missing (scripts/setup fetches them)" >&2; exit 1
fi
fail() { echo "FAIL: $*" >&2; exit 1; }
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT
H=(--home "$HOME_DIR")

"$BIN" ingest "${H[@]}" -c sample examples/sample >/dev/null 2>&1 || fail "ingest"

# Shared checks on an eval document: fields, summaries per mode, questions scored.
check() {  # json expected_questions_per_mode modes lc_refused(0|1)
  python3 -c '
import json, sys
d = json.loads(sys.argv[1]); n = int(sys.argv[2]); modes = sys.argv[3].split(","); refused = sys.argv[4] == "1"

assert d["ok"] and d["run_id"] > 0, d.get("run_id")
for k in ("set", "model", "collections", "modes", "interrupted", "summaries", "goal", "questions"):
    assert k in d, k
assert d["modes"] == modes and d["interrupted"] is False, (d["modes"], d["interrupted"])
assert [s["mode"] for s in d["summaries"]] == [m for m in ("lc", "rag", "auto") if m in modes], d["summaries"]
for s in d["summaries"]:
    assert s["questions"] == n, s
    for k in ("accuracy", "exact_match", "f1"):
        assert 0 <= s[k]["mean"] <= 1 and s[k]["stderr"] >= 0, (k, s[k])
    if refused and s["mode"] == "lc":
        assert s["errors"] == n and s["accuracy"]["mean"] == 0 and s["mean_prompt_tokens"] == 0, s
    else:
        assert s["errors"] == 0 and s["mean_prompt_tokens"] > 0 and s["mean_seconds"] > 0, s
    assert s["peak_rss_bytes"] > 0, s
    for k in ("mean_generated_tokens", "mean_reused_prefix_tokens", "mean_cpu_seconds", "degenerate", "routed_lc",
              "routed_rag", "fallbacks"):
        assert k in s, k
    assert s["routed_lc"] + s["routed_rag"] == n, s
    if s["mode"] == "lc": assert s["routed_lc"] == n, s
    if s["mode"] == "rag": assert s["routed_rag"] == n, s
g = d["goal"]
for k in ("evaluated", "accuracy_ok", "tokens_ok", "best_accuracy", "auto_accuracy", "token_ratio", "verdict"):
    assert k in g, k
assert g["evaluated"] == (len(modes) == 3), g
qs = d["questions"]
assert len(qs) == n * len(modes), len(qs)
# Mode-major within each collection: the modes come in blocks in the order asked.
for c in d["collections"]:
    seq = [q["mode"] for q in qs if q["collection"] == c]
    blocks = [m for i, m in enumerate(seq) if i == 0 or seq[i - 1] != m]
    assert blocks == modes, (c, blocks)
for q in qs:
    for k in ("id", "collection", "mode", "route", "reason", "question", "answer", "gold", "exact_match", "f1",
              "correct", "prompt_tokens", "generated_tokens", "seconds", "degenerate", "fallback"):
        assert k in q, (k, q)
    assert q["correct"] in (True, False) and 0 <= q["f1"] <= 1 and q["gold"], q
    if refused and q["mode"] == "lc":
        assert "window" in q["error"] and not q["correct"] and q["prompt_tokens"] == 0, q
        continue
    assert "error" not in q and q["prompt_tokens"] > 0 and 0 < q["generated_tokens"] <= 16, q
    if q["mode"] == "auto" and q["fallback"]:
        assert q["route"] == "rag", q  # lc does not fit: the fallback is a wider rag
print(sys.argv[3], [round(s["accuracy"]["mean"], 2) for s in d["summaries"]], "accuracy;",
      [round(s["mean_seconds"], 2) for s in d["summaries"]], "s/question;",
      [round(s["mean_reused_prefix_tokens"]) for s in d["summaries"]], "reused tokens")
' "$1" "$2" "$3" "$4" || fail "eval document: $1"
}

out=$("$BIN" eval "${H[@]}" -c sample --set tests/data/eval-sample.jsonl -n 8 --ctx 2048 --json 2>/dev/null) \
  || fail "eval --set exited $?"
check "$out" 3 lc,rag,auto 1
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["collections"] == ["sample"] and d["set"] == "tests/data/eval-sample.jsonl", d["collections"]
q = [x for x in d["questions"] if x["id"] == "unanswerable-1"]
assert len(q) == 3 and q[0]["gold"] == ["unanswerable"], q
' || fail "eval --set details"

sq=$("$BIN" eval "${H[@]}" --squad tests/data/squad-sample.json --articles 1 --questions-per-article 2 -n 8 \
     --json 2>"$HOME_DIR/squad.err") || fail "eval --squad exited $?: $(cat "$HOME_DIR/squad.err")"
check "$sq" 2 lc,rag,auto 0
echo "$sq" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["collections"] == ["squad-Super_Bowl_50"], d["collections"]
assert d["goal"]["evaluated"] and d["goal"]["verdict"], d["goal"]
# Two questions spread over the two paragraphs: the first question of each.
ids = [q["id"] for q in d["questions"] if q["mode"] == "lc"]
assert ids == ["56be4db0acb8001400a502ec", "56be4e1facb8001400a502f6"], ids
' || fail "eval --squad selection: $sq"
# A second run reuses the collection instead of ingesting it again.
"$BIN" eval "${H[@]}" --squad tests/data/squad-sample.json --articles 1 --questions-per-article 1 -n 2 \
  --modes rag --json >/dev/null 2>"$HOME_DIR/squad2.err" || fail "eval --squad again"
grep -q "(reused)" "$HOME_DIR/squad2.err" || fail "collection not reused: $(cat "$HOME_DIR/squad2.err")"

# Three eval runs stored; runs show gives the document back.
runs=$("$BIN" runs "${H[@]}" --kind eval --json)
id=$(echo "$runs" | python3 -c '
import json, sys
r = json.load(sys.stdin)["runs"]
assert len(r) == 3 and all(x["kind"] == "eval" for x in r), r
print(r[-1]["id"])
') || fail "runs --kind eval: $runs"
"$BIN" runs show "${H[@]}" "$id" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ok"] and d["kind"] == "eval" and d["collection"] == "sample", d["collection"]
r = d["result"]
assert len(r["questions"]) == 9 and len(r["summaries"]) == 3 and "goal" in r, list(r)
assert d["params"]["max_tokens"] == 8 and d["metrics"]["answers"] == 9, (d["params"], d["metrics"])
' || fail "runs show eval"

# Errors: clear message, exit 1 or 2, no run stored.
expect_error() {  # pattern args...
  local pattern=$1; shift
  set +e
  err=$("$BIN" "$@" 2>&1 >/dev/null); rc=$?
  set -e
  [[ $rc == 1 || $rc == 2 ]] || fail "$* exited $rc: $err"
  [[ "$err" == *"$pattern"* ]] || fail "$*: expected '$pattern' in: $err"
}
printf '%s\n' '{"id": "a", "question": "Who?", "answers": ["x"]}' '{"id": "b", "question": ' > "$HOME_DIR/bad.jsonl"
expect_error "bad.jsonl:2" eval "${H[@]}" -c sample --set "$HOME_DIR/bad.jsonl"
expect_error "no-such.jsonl" eval "${H[@]}" -c sample --set "$HOME_DIR/no-such.jsonl"
expect_error "unknown mode" eval "${H[@]}" -c sample --set tests/data/eval-sample.jsonl --modes lc,fast
expect_error "exactly one of" eval "${H[@]}" -c sample
expect_error "no such collection" eval "${H[@]}" -c nope --set tests/data/eval-sample.jsonl
expect_error "goes with --squad" eval "${H[@]}" -c sample --set tests/data/eval-sample.jsonl --articles 2
n=$("$BIN" runs "${H[@]}" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))')
[[ $n == 3 ]] || fail "errors stored runs: $n"

# model plan: the planner's view of the sample collection and of a token count.
"$BIN" model plan "${H[@]}" -c sample --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ok"] and d["window"] == 8192 and d["kv_bytes_per_token"]["f32"] == 2 * d["kv_bytes_per_token"]["f16"], d
p = d["plan"]
assert p["collection"]["chunks"] == 18 and p["lc"]["fits"] is True, p
assert p["lc"]["memory_estimate"]["total_bytes"] > d["weights_bytes"] > 0, p["lc"]
assert p["auto"]["route"] == "rag" and p["auto"]["fallback_route"] == "lc" and p["rag"]["top_k"] == 6, p
' || fail "model plan -c sample"
"$BIN" model plan "${H[@]}" --tokens 20000 --json | python3 -c '
import json, sys
p = json.load(sys.stdin)["plan"]
assert p["lc"]["fits"] is False and p["auto"]["fallback_route"] == "rag", p
' || fail "model plan --tokens"
expect_error "not both" model plan "${H[@]}" -c sample --tokens 5
echo "eval.sh: ok"
