#!/usr/bin/env bash
# Sharded keyword index end to end: three `hayloft serve-shard` servers (xapian-tcpsrv) on loopback
# ports hold SciFact (../shared/data/scifact; HAYLOFT_SHARED_DIR wins), and eval-retrieval must score
# exactly as with one local database (nDCG@10, Recall@100, MRR@10). Then the failure cases: a killed shard
# makes search exit 1 with a JSON error naming it (bounded by timeout), restarting it recovers, a shard
# holding documents cannot be removed, serve-shard without --port is a usage error.
# Missing SciFact fails under CI, else skips.
set -euo pipefail
bin=${HAYLOFT_BIN:-build/hayloft}
fail() { echo "shards.sh: $*" >&2; exit 1; }
command -v xapian-tcpsrv >/dev/null || fail "xapian-tcpsrv missing (apt install xapian-tools; scripts/setup)"
data=""
if [[ -n "${HAYLOFT_SHARED_DIR:-}" ]]; then
  data="$HAYLOFT_SHARED_DIR/data/scifact"
else
  dir=$(pwd)
  for _ in 1 2 3; do
    if [[ -d "$dir/../shared/data/scifact" ]]; then data="$dir/../shared/data/scifact"; break; fi
    dir=$(dirname "$dir")
  done
fi
if [[ -z "$data" || ! -f "$data/corpus.jsonl" ]]; then
  [[ -n "${CI:-}" ]] && fail "shared data (../shared/data/scifact) missing in CI"
  echo "shards.sh: ../shared/data/scifact not found, skipping"; exit 0
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Starts shard $1 in its own process group (xapian-tcpsrv forks a child per connection).
start_shard() {
  setsid "$bin" serve-shard "$tmp/srv$1" --port "${ports[$1]}" --json >"$tmp/serve$1.json" 2>"$tmp/serve$1.err" &
  pids[$1]=$!
  disown "$!"  # no "Killed" notices from bash when the test kills it
}
metric() { sed -n "s/.*\"$1\": \([0-9.e-]*\).*/\1/p" <<<"$2" | head -1; }

# One local database.
one=$("$bin" eval-retrieval --beir "$data" --home "$tmp/one" --json 2>/dev/null)

# Three remote shards; the home's own local shard (1) is removed so every chunk is remote.
ports=("$(free_port)" "$(free_port)" "$(free_port)")
for i in 0 1 2; do start_shard $i; done
for i in 0 1 2; do
  ok=""
  for _ in $(seq 1 100); do
    if "$bin" shards add "127.0.0.1:${ports[$i]}" --home "$tmp/many" --json >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
  done
  [[ -n "$ok" ]] || fail "shard $i did not come up: $(cat "$tmp/serve$i.err")"
done
grep -q '"writable": true' "$tmp/serve0.json" || fail "serve-shard --json: $(cat "$tmp/serve0.json")"
"$bin" shards rm 1 --home "$tmp/many" --json >/dev/null 2>&1 || fail "cannot remove the empty local shard"
list=$("$bin" shards list --home "$tmp/many" --json 2>/dev/null)
[[ $(grep -c '"kind": "remote"' <<<"$list") = 3 ]] || fail "expected 3 remote shards: $list"

many=$("$bin" eval-retrieval --beir "$data" --home "$tmp/many" --json 2>/dev/null)
for m in ndcg@10 recall@100 mrr@10; do
  a=$(metric "$m" "$one"); b=$(metric "$m" "$many")
  [[ -n "$a" && "$a" = "$b" ]] || fail "$m differs: one database $a, 3 shards $b"
done
[[ $(metric documents "$many") = 5183 ]] || fail "expected 5183 documents: $many"
list=$("$bin" shards list --home "$tmp/many" --json 2>/dev/null)
docs=$(sed -n 's/.*"documents": \([0-9]*\).*/\1/p' <<<"$list")
for d in $docs; do [[ $d -gt 1000 ]] || fail "a shard holds only $d documents: $list"; done
echo "shards.sh: nDCG@10 $(metric ndcg@10 "$one") (one database) = $(metric ndcg@10 "$many") (3 remote shards)"

# A dead shard: exit 1, a JSON error naming it, quickly.
want=$("$bin" search --home "$tmp/many" -k 5 --json "tumor suppressor protein" 2>/dev/null)
kill -KILL -- "-${pids[1]}"
set +e
err=$(timeout 60 "$bin" search --home "$tmp/many" -k 5 --json "tumor suppressor protein" 2>/dev/null); rc=$?
set -e
[[ $rc = 1 ]] || fail "search with a dead shard: exit $rc, want 1: $err"
grep -q "127.0.0.1:${ports[1]}" <<<"$err" || fail "error does not name the dead shard: $err"
grep -q '"ok": false' <<<"$err" || fail "no JSON error document: $err"

# Restarted, the same hits.
start_shard 1
got=""
for _ in $(seq 1 100); do
  if got=$("$bin" search --home "$tmp/many" -k 5 --json "tumor suppressor protein" 2>/dev/null); then break; fi
  sleep 0.1
done
[[ "$(grep -v '"seconds"' <<<"$got")" = "$(grep -v '"seconds"' <<<"$want")" ]] || fail "after restart the hits differ"

set +e
"$bin" shards rm 2 --home "$tmp/many" --json >/dev/null 2>&1; rc=$?
[[ $rc = 2 ]] || fail "removing a shard with documents: exit $rc, want 2"
"$bin" serve-shard "$tmp/x" --json >/dev/null 2>&1; rc=$?
[[ $rc = 2 ]] || fail "serve-shard without --port: exit $rc, want 2"
set -e
echo "shards.sh: ok"
