#!/usr/bin/env bash
# hayloft generate / model list end to end: greedy continuation, the --json document, --chat on a base
# model, an unknown model name. Needs the models in ./models (scripts/setup); skips (exit 0) without them.
set -euo pipefail
BIN=${HAYLOFT_BIN:-build/hayloft}
if [[ ! -f models/SmolLM2-135M-Instruct.Q4_1.gguf ]]; then
  echo "generate.sh: models/ missing, skipping"; exit 0
fi
fail() { echo "FAIL: $*" >&2; exit 1; }

# model list: both shipped models, with their architectures.
list=$("$BIN" model list --json)
echo "$list" | python3 -c '
import json, sys
d = json.load(sys.stdin)
arch = {m["architecture"] for m in d["models"] if m["ok"]}
assert {"llama", "gemma3"} <= arch, arch
' || fail "model list: $list"

# Greedy continuation: SmolLM2 says " Paris." (as llama.cpp does), and the JSON carries the metrics.
out=$("$BIN" generate --model smollm2 -p "The capital of France is" -n 4 --temperature 0 --ctx 64 --json)
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ok"] and "Paris" in d["text"], d["text"]
assert d["prompt_tokens"] == 5 and d["generated_tokens"] == 4, d
for k in ("prefill_tok_s", "decode_tok_s", "time_to_first_token_s", "peak_rss_bytes", "kv_bytes_per_token"):
    assert d[k] > 0, k
assert d["model"]["architecture"] == "llama" and d["model"]["n_layer"] == 30
# 30 layers x 3 KV heads x 64 dims x (K+V) x 2 bytes (f16)
assert d["kv_bytes_per_token"] == 30 * 3 * 64 * 2 * 2, d["kv_bytes_per_token"]
' || fail "generate --json: $out"

# Streaming text mode prints the continuation.
text=$("$BIN" generate --model smollm2 -p "The capital of France is" -n 3 --temperature 0 --ctx 64 2>/dev/null)
[[ "$text" == *Paris* ]] || fail "streamed text: $text"

# --chat on Gemma 3 base (no chat template): a clear runtime error, exit 1.
set +e
err=$("$BIN" generate --model gemma3-270m --chat -p "hi" -n 1 2>&1 >/dev/null); rc=$?
set -e
[[ $rc -eq 1 && "$err" == *"chat template"* ]] || fail "gemma --chat: rc=$rc $err"

# Unknown model: not found, listing what exists.
set +e
err=$("$BIN" generate --model no-such-model -p "hi" 2>&1 >/dev/null); rc=$?
set -e
[[ $rc -eq 1 && "$err" == *"not found"* && "$err" == *SmolLM2* ]] || fail "unknown model: rc=$rc $err"
echo "generate.sh: ok"
