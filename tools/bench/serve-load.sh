#!/usr/bin/env bash
# Load test of `quarry serve` with wrk on loopback: BM25 and RM3 searches (k=10) over a rotation of
# real queries, each for a bounded time. Reports requests/s, p50 and p99 latency, errors (transport
# errors and non-200 answers), and the server's resident memory sampled every second during each run.
# A benchmark, not a test: it needs `wrk` (tools/install-deps.sh --bench).
#
#   tools/bench/serve-load.sh [--quarry BIN] [--index DIR] [--topics FILE] [--json OUT] [DURATION_S] [CONNECTIONS]
#                                                             (defaults: 20 s, 2 connections)
#
# Prints a Markdown table; --json OUT also writes {"rows": [{"pipeline", "requestsPerSecond", "p50ms",
# "p99ms", "errors", "rssMB"}], ...} (what tools/bench/field.sh's serve row reads).
# Environment (the options override it): QUARRY (binary; default a release build), QUARRY_CORPORA
# (default ../shared/corpora), INDEX (an index to serve; default SciFact's corpus, indexed once into
# $WORK_DIR), TOPICS (a qid<TAB>text file, .gz too; default the 300 SciFact test topics), WORKERS
# (server --workers, default 2), WORK_DIR (default /tmp/quarry-serve-load, kept between runs for the index).
set -euo pipefail
cd "$(dirname "$0")/../.."
JSON_OUT=""
POSITIONAL=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quarry) QUARRY="$2"; shift 2 ;;
    --index) INDEX="$2"; shift 2 ;;
    --topics) TOPICS="$2"; shift 2 ;;
    --json) JSON_OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "serve-load: unknown option $1" >&2; exit 2 ;;
    *) POSITIONAL+=("$1"); shift ;;
  esac
done
DURATION="${POSITIONAL[0]:-20}"
CONNECTIONS="${POSITIONAL[1]:-2}"
CORPORA="${QUARRY_CORPORA:-$(cd .. && pwd)/shared/corpora}"
WORK_DIR="${WORK_DIR:-/tmp/quarry-serve-load}"
mkdir -p "$WORK_DIR"
command -v wrk >/dev/null || { echo "serve-load: wrk is not installed (tools/install-deps.sh --bench)" >&2; exit 2; }
if [[ -z "${QUARRY:-}" ]]; then swift build -c release --product quarry >&2; QUARRY=.build/release/quarry; fi

INDEX="${INDEX:-}"
if [[ -z "$INDEX" ]]; then
  INDEX="$WORK_DIR/scifact"
  [[ -d "$INDEX" ]] || "$QUARRY" index --collection "$CORPORA/scifact/corpus.jsonl.gz" --format beir --index "$INDEX" >&2
fi
TOPICS="${TOPICS:-$CORPORA/scifact/topics.beir-v1.0.0-scifact.test.tsv.gz}"

# One Lua script per mode: the request bodies in rotation, and a summary line from done().
make_lua() { # mode (bm25|rm3) → Lua file
  python3 - "$TOPICS" "$1" "$WORK_DIR/$1.lua" <<'PY'
import gzip, json, sys
path, mode, out = sys.argv[1:]
opener = gzip.open if path.endswith(".gz") else open
with opener(path, "rt", encoding="utf-8") as f:
    queries = [line.rstrip("\n").split("\t")[1] for line in f if "\t" in line]
bodies = []
for q in queries:
    body = {"query": q, "k": 10}
    if mode == "rm3":
        body["expander"] = "rm3"
    bodies.append(json.dumps(body))
with open(out, "w", encoding="utf-8") as f:
    f.write("local bodies = {\n")
    for b in bodies:
        f.write("  [==[" + b + "]==],\n")
    f.write("}\n")
    f.write("""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) i = math.random(#bodies); bad = 0 end
function request()
  i = i % #bodies + 1
  return wrk.format("POST", "/search", {["Content-Type"] = "application/json"}, bodies[i])
end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do non200 = non200 + t:get("bad") end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_ms=%.3f p99_ms=%.3f errors=%d non200=%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, non200))
end
""")
print(len(bodies), file=sys.stderr)
PY
}

SERVER_PID=""
SAMPLER_PID=""
cleanup() {
  [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null || true
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT

"$QUARRY" serve --index "$INDEX" --port 0 --workers "${WORKERS:-2}" > "$WORK_DIR/server.out" 2> "$WORK_DIR/server.err" &
SERVER_PID=$!
for _ in $(seq 1 600); do
  grep -q "^listening on" "$WORK_DIR/server.out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK_DIR/server.err" >&2; exit 1; }
  sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$WORK_DIR/server.out")
[[ -n "$URL" ]] || { echo "serve-load: the server did not start" >&2; exit 1; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }

N=$(make_lua bm25 2>&1); make_lua rm3 2>/dev/null
echo "quarry serve at $URL over $INDEX; $N queries in rotation; wrk -t1 -c$CONNECTIONS -d${DURATION}s per row" >&2
echo "| pipeline | requests/s | p50 ms | p99 ms | errors | RSS MiB at start → end (min–max) |"
echo "|---|---:|---:|---:|---:|---|"
: > "$WORK_DIR/rows.jsonl"
for mode in bm25 rm3; do
  # A short warm-up so that the pipeline is made and the index pages are cached.
  wrk -t1 -c"$CONNECTIONS" -d3s -s "$WORK_DIR/$mode.lua" "$URL" >/dev/null
  : > "$WORK_DIR/rss-$mode.txt"
  ( while kill -0 "$SERVER_PID" 2>/dev/null; do rss_kib >> "$WORK_DIR/rss-$mode.txt"; sleep 1; done ) &
  SAMPLER_PID=$!
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK_DIR/$mode.lua" "$URL" > "$WORK_DIR/wrk-$mode.txt"
  kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
  python3 - "$mode" "$WORK_DIR/wrk-$mode.txt" "$WORK_DIR/rss-$mode.txt" "$WORK_DIR/rows.jsonl" <<'PY'
import json, sys
mode, wrk_out, rss_file, rows = sys.argv[1:]
line = next(l for l in open(wrk_out) if l.startswith("RESULT"))
r = dict(kv.split("=") for kv in line.split()[1:])
rss = [int(x) / 1024 for x in open(rss_file).read().split()]
errors = int(r["errors"]) + int(r["non200"])
print(f"| {mode} | {int(r['requests']) / float(r['seconds']):.0f} | {float(r['p50_ms']):.2f} | {float(r['p99_ms']):.2f} | {errors} | "
      f"{rss[0]:.1f} → {rss[-1]:.1f} ({min(rss):.1f}–{max(rss):.1f}) |")
with open(rows, "a") as f:
    f.write(json.dumps({"pipeline": mode, "requestsPerSecond": int(r["requests"]) / float(r["seconds"]),
                        "p50ms": float(r["p50_ms"]), "p99ms": float(r["p99_ms"]), "errors": errors,
                        "rssMB": max(rss)}) + "\n")
PY
done
if [[ -n "$JSON_OUT" ]]; then
  python3 - "$WORK_DIR/rows.jsonl" "$JSON_OUT" "$DURATION" "$CONNECTIONS" "$INDEX" "$TOPICS" "${WORKERS:-2}" <<'PY'
import json, sys
rows, out, duration, connections, index, topics, workers = sys.argv[1:]
json.dump({"rows": [json.loads(l) for l in open(rows)], "durationSeconds": float(duration), "connections": int(connections),
           "workers": int(workers), "index": index, "topics": topics, "tool": "wrk -t1 on loopback"}, open(out, "w"), indent=1)
PY
fi
echo "server metrics after the runs:" >&2
curl -s "$URL/metrics" | grep -E '^quarry_(http_requests_total|errors_total|searches_total)' >&2 || true
