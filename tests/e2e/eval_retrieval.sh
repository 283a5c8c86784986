#!/usr/bin/env bash
# eval-retrieval end to end on the committed tiny BEIR fixture (CRLF qrels with a header): the JSON
# document, its metrics (worked out in tests/index/retrieval_eval_test.cpp: 2/3 each), the run it stores
# in --home, the table without --json, and exit codes for bad input.
set -euo pipefail
bin=${HAYLOFT_BIN:-build/hayloft}
fixture=tests/data/beir-tiny
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
fail() { echo "eval_retrieval.sh: $*" >&2; exit 1; }

out=$("$bin" eval-retrieval --beir "$fixture" --split test --home "$home" --json 2>/dev/null)
# One JSON document: starts with '{', ends with '}'.
[ "${out:0:1}" = "{" ] && [ "${out: -1}" = "}" ] || fail "not one JSON document: $out"
grep -q '"ndcg@10": 0.66666' <<<"$out" || fail "nDCG@10 is not 2/3: $out"
grep -q '"recall@100": 0.66666' <<<"$out" || fail "Recall@100 is not 2/3: $out"
grep -q '"mrr@10": 0.66666' <<<"$out" || fail "MRR@10 is not 2/3: $out"
grep -q '"queries": 3' <<<"$out" || fail "expected 3 judged queries: $out"
grep -q '"documents": 8' <<<"$out" || fail "expected 8 documents: $out"
grep -q '"query_p99_ms"' <<<"$out" || fail "no latency figures: $out"
grep -q '"k1"' <<<"$out" || fail "no BM25 parameters: $out"
[ -f "$home/store.sqlite" ] || fail "--home was not used"
if command -v sqlite3 >/dev/null; then
  n=$(sqlite3 "$home/store.sqlite" "SELECT count(*) FROM runs WHERE kind = 'eval-retrieval'")
  [ "$n" = 1 ] || fail "expected 1 eval-retrieval run in $home, found $n"
fi

table=$("$bin" eval-retrieval --beir "$fixture" --home "$home" 2>/dev/null)
grep -q "nDCG@10 *0.6667" <<<"$table" || fail "table lacks nDCG@10: $table"

# Without --home: a throwaway home that is removed afterwards.
tmp_out=$("$bin" eval-retrieval --beir "$fixture" --json 2>/dev/null)
tmp_home=$(sed -n 's/.*"home": "\(.*\)".*/\1/p' <<<"$tmp_out")
[ -n "$tmp_home" ] && [ ! -e "$tmp_home" ] || fail "temporary home '$tmp_home' was not removed"

# Bad input: usage error (2) without --beir, runtime error (1) with a JSON error for a missing split.
set +e
"$bin" eval-retrieval --json >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "missing --beir: exit $rc, want 2"
err=$("$bin" eval-retrieval --beir "$fixture" --split nosuch --json 2>/dev/null); rc=$?
[ $rc = 1 ] || fail "missing split: exit $rc, want 1"
grep -q '"not_found"\|"kind": "not' <<<"$err" || fail "missing split: no error document: $err"
set -e
echo "eval_retrieval.sh: ok"
