#!/usr/bin/env bash
# The browser UI end to end in headless Chromium (tests/e2e/web_browser.py) against the real server with
# SmolLM2. Needs Debian's chromium and the test venv with Playwright (scripts/setup makes both); skips
# (exit 0) without them or without models/. Screenshots go to $HL_SCREENSHOTS (default: a temp folder).
set -euo pipefail
BIN=${HAYLOFT_BIN:-build/hayloft}
PY=${HL_TEST_PYTHON:-build/venv-test/bin/python}
for need in models/SmolLM2-135M-Instruct.Q4_1.gguf /usr/bin/chromium "$PY"; do
  [[ -e "$need" ]] || { echo "web_browser.sh: $need missing, skipping"; exit 0; }
done
"$PY" -c 'import playwright' 2>/dev/null || { echo "web_browser.sh: playwright missing, skipping"; exit 0; }
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
HOME_DIR=$(mktemp -d)
SHOTS=${HL_SCREENSHOTS:-$HOME_DIR/screenshots}
"$BIN" serve --home "$HOME_DIR" --port 0 --json >"$HOME_DIR/serve.out" 2>"$HOME_DIR/serve.err" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$HOME_DIR"' EXIT
for _ in $(seq 1 100); do [[ -s "$HOME_DIR/serve.out" ]] && break; sleep 0.1; done
PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$HOME_DIR/serve.out")
"$PY" tests/e2e/web_browser.py "http://127.0.0.1:$PORT" "$SHOTS"
kill -TERM $PID; wait $PID
echo "web_browser.sh: ok"
