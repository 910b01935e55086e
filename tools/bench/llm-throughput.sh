#!/usr/bin/env bash
# LLM client throughput against the local server (tools/llm-server.sh) at 1, 2, 4 and 8 requests in
# flight — the server restarted each time with as many parallel slots, so the figure measures the
# client and server together rather than the server's queue — and the cost of a cache hit.
# Prints a Markdown table.
#
#   tools/bench/llm-throughput.sh [QUERIES]     (default: the first 64 SciFact test queries)
#
# Environment: QUARRY_CORPORA, QUARRY (binary; default a release build), MAX_TOKENS (default 64),
# LEVELS (default "1 2 4 8"), PORT (default 18090).
set -euo pipefail
cd "$(dirname "$0")/../.."
CORPORA="${QUARRY_CORPORA:-$(cd .. && pwd)/shared/corpora}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/quarry-llm-throughput.XXXXXX")"
export QUARRY_LLM_STATE="$WORK/server"
trap 'tools/llm-server.sh stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
if [[ -z "${QUARRY:-}" ]]; then swift build -c release >&2; QUARRY=.build/release/quarry; fi
QUERIES="${1:-}"
if [[ -z "$QUERIES" ]]; then
  QUERIES="$WORK/queries.tsv"
  zcat "$CORPORA/scifact/topics.beir-v1.0.0-scifact.test.tsv.gz" | head -64 > "$QUERIES"
fi
N=$(grep -c . "$QUERIES")
TOKENS="${MAX_TOKENS:-64}"

seconds() { # command… → wall seconds of the command (its output discarded)
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null 2>"$WORK/last.err" || [[ $? -eq 3 ]]; t1=$(date +%s.%N)
  python3 -c "print($t1 - $t0)"
}

echo "| requests in flight (= server slots) | expansions/s | generated tokens/s | wall s ($N queries, ≤ $TOKENS tokens) |"
echo "|---:|---:|---:|---:|"
for c in ${LEVELS:-1 2 4 8}; do
  read -r URL MODEL < <(tools/llm-server.sh start --port "${PORT:-18090}" --parallel "$c" | paste -sd' ')
  out="$WORK/c$c.jsonl"
  s=$(seconds "$QUARRY" expand --topics "$QUERIES" --expander cot --output "$out" --set cot.baseURL="$URL" \
        --set cot.model="$MODEL" --set cot.maxTokens="$TOKENS" --llm-concurrency "$c" --llm-cache "$WORK/cache-$c")
  # Generated tokens, counted by the server's own tokenizer (llama.cpp's /tokenize).
  tokens=$(python3 - "$out" "${URL%/v1}" <<'PY'
import json, sys, urllib.request
total = 0
for line in open(sys.argv[1]):
    body = json.dumps({"content": json.loads(line)["expansion"]}).encode()
    req = urllib.request.Request(sys.argv[2] + "/tokenize", body, {"Content-Type": "application/json"})
    total += len(json.load(urllib.request.urlopen(req))["tokens"])
print(total)
PY
)
  python3 -c "import sys; n,s,t=int(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]); print(f'| $c | {n/s:.2f} | {t/s:.0f} | {s:.1f} |')" "$N" "$s" "$tokens"
done
tools/llm-server.sh stop >/dev/null 2>&1

# Cache hits: the same job again, offline (the server is gone), from the cache the last level filled
# (same URL: it is part of the key). Repeated 5 times;
# the median, over the whole process (start-up, reading topics, writing the file) and per query.
last="${LEVELS:-1 2 4 8}"; last="${last##* }"
times=()
hit=""
for i in 1 2 3 4 5; do
  times+=("$(seconds "$QUARRY" expand --topics "$QUERIES" --expander cot --output "$WORK/hit.jsonl" --set cot.baseURL="$URL" \
        --set cot.model="$MODEL" --set cot.maxTokens="$TOKENS" --offline --llm-concurrency 1 --llm-cache "$WORK/cache-$last")")
  hit+="$(grep -o 'a cache hit took [0-9]* µs' "$WORK/last.err" | grep -o '[0-9]*') "
done
python3 - "$N" "$hit" "${times[@]}" <<'PY'
import statistics, sys
n = int(sys.argv[1]); hits = [int(h) for h in sys.argv[2].split()]; ts = [float(t) for t in sys.argv[3:]]
print(f"\nCache hits (`--offline`, {n} queries, 5 runs): a hit takes {statistics.median(hits)} µs (median of the runs' means, "
      f"measured inside the client); the whole `quarry expand` process takes {statistics.median(ts)*1000:.0f} ms.")
PY
