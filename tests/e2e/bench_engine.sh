#!/usr/bin/env bash
# scripts/bench-engine without running the benchmark (too slow for the suite): --help documents the
# options, --self-test checks the bandwidth arithmetic, and bad arguments are usage errors (exit 2).
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }

help=$(scripts/bench-engine --help) || fail "--help exited non-zero"
for opt in --quick --json --models --threads --depths --repeats; do
  grep -q -- "$opt" <<<"$help" || fail "--help does not mention $opt"
done

out=$(scripts/bench-engine --self-test) || fail "self-test: $out"
[[ "$out" == "self-test: ok" ]] || fail "self-test printed: $out"

rc=0; scripts/bench-engine --threads one >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "--threads one: exit $rc, want 2"
rc=0; scripts/bench-engine --depths=-5 >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "--depths -5: exit $rc, want 2"
echo "bench_engine.sh: ok"
