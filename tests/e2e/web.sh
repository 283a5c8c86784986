#!/usr/bin/env bash
# hayloft serve end to end: starts the real server on a free loopback port over a fresh home and runs
# tests/e2e/web_api.py against it (every endpoint, limits, traversal, the token check, and with the model
# present the streamed asks and the OpenAI-compatible API), then a token-protected server, then SIGTERM
# and a clean exit.
set -euo pipefail
BIN=${HAYLOFT_BIN:-build/hayloft}
fail() { echo "FAIL: $*" >&2; exit 1; }
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
HOME_DIR=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$HOME_DIR"; }
trap cleanup EXIT

# start_server OUTFILE ARGS...: runs serve in the background, waits for its "listening" line, sets PORT.
start_server() {
  local out=$1; shift
  "$BIN" serve --home "$HOME_DIR" --port 0 --json "$@" >"$out" 2>"$out.err" &
  PIDS+=($!); SERVER_PID=$!
  for _ in $(seq 1 100); do
    if [[ -s "$out" ]]; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$out.err" >&2; fail "serve exited early"; }
    sleep 0.1
  done
  PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$out")
}

# Binding beyond loopback without a token is refused before anything listens.
if "$BIN" serve --home "$HOME_DIR" --bind 0.0.0.0 --port 0 >/dev/null 2>&1; then
  fail "serve --bind 0.0.0.0 without a token started"
fi

start_server "$HOME_DIR/serve.out" --max-body-mb 1 --timeout 3
MODEL_ARGS=()
[[ -f models/SmolLM2-135M-Instruct.Q4_1.gguf ]] && MODEL_ARGS=(--model)
PYTHONPATH=tests/e2e python3 tests/e2e/web_api.py "http://127.0.0.1:$PORT" "" "${MODEL_ARGS[@]}" || fail "web_api.py (no token)"
# The openai package from PyPI, unchanged (test venv from scripts/setup; skipped without it).
PY=${HL_TEST_PYTHON:-build/venv-test/bin/python}
if [[ ${#MODEL_ARGS[@]} -gt 0 && -x "$PY" ]] && "$PY" -c 'import openai' 2>/dev/null; then
  "$PY" tests/e2e/web_openai.py "http://127.0.0.1:$PORT" "" || fail "web_openai.py"
else
  echo "web.sh: no model or no test venv with openai, skipping the openai client"
fi
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "serve did not exit 0 on SIGTERM"

start_server "$HOME_DIR/serve2.out" --token s3cret-token
python3 tests/e2e/web_api.py "http://127.0.0.1:$PORT" "s3cret-token" --auth-only || fail "web_api.py (token)"
kill -INT "$SERVER_PID"
wait "$SERVER_PID" || fail "serve did not exit 0 on SIGINT"
# A model that does not load is an error event on the ask; the library keeps working after it.
echo '{"engine": {"default_model": "no-such-model"}}' >"$HOME_DIR/nomodel.json"
start_server "$HOME_DIR/serve3.out" --config "$HOME_DIR/nomodel.json"
python3 - "$PORT" <<'PY' || fail "ask without a loadable model"
import http.client, json, sys
port = int(sys.argv[1])
def req(method, path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    r = c.getresponse(); return r.status, r.read().decode()
status, text = req("POST", "/api/ask", {"collection": "docs", "question": "Who?", "mode": "rag"})
assert status == 200 and "event: error" in text and '"not_found"' in text, (status, text[:300])
status, text = req("POST", "/api/collections", {"name": "after-failed-load"})
assert status == 201, (status, text)
print("no model: error event, library still writable")
PY
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || fail "serve (no model) did not exit 0"
echo "web.sh: ok"
