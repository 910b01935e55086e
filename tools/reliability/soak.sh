#!/usr/bin/env bash
# Soak of `quarry serve` on loopback: wrk drives a rotation of mixed requests for a bounded time —
# BM25, query likelihood, RM3, and the LLM chain-of-thought expander (`cot`, against the OpenAI-compatible
# stub Tests/Fixtures/llm_fault_server.py, so the LLM client, its cache and the server's time limits are
# exercised without a model's minutes per answer) over SciFact's 300 test queries — plus malformed
# requests (broken JSON, unknown fields, k out of range, unknown plugins, a process plugin). The server's
# resident memory is sampled every minute. Checks: zero 5xx (and zero transport errors) for valid
# requests, every malformed one a 4xx, and no memory growth beyond warm-up (the last sample within 10 % of
# the one after the first minute). Writes docs/reliability/soak.md.
#
#   tools/reliability/soak.sh [--minutes 30] [--connections 4] [--report FILE]
#
# Needs wrk (tools/install-deps.sh --bench). Not part of CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
minutes=30
connections=4
report="$root/docs/reliability/soak.md"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "soak: --minutes needs a positive number" >&2; exit 2; }; minutes="$2"; shift 2 ;;
    --connections) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "soak: --connections needs a positive number" >&2; exit 2; }; connections="$2"; shift 2 ;;
    --report) report="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "soak: wrk is not installed (tools/install-deps.sh --bench)" >&2; exit 2; }
corpora="${QUARRY_CORPORA:-$root/../shared/corpora}"
work="${TMPDIR:-/tmp}/quarry-soak"
mkdir -p "$work"
(cd "$root" && swift build -c release --product quarry >&2)
q="$root/.build/release/quarry"
index="$work/scifact"
[[ -d "$index" ]] || "$q" index --collection "$corpora/scifact/corpus.jsonl.gz" --format beir --index "$index" >&2
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

python3 "$root/Tests/Fixtures/llm_fault_server.py" > "$work/llm.port" 2> /dev/null &
llm=$!
server=""
trap 'kill $llm ${server:-} 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s "$work/llm.port" ]] && break; sleep 0.1; done
llm_port=$(head -1 "$work/llm.port")

"$q" serve --index "$index" --port 0 --workers 2 --llm-cache "$work/llm-cache" \
  --set cot.baseURL="http://127.0.0.1:$llm_port/ok/v1" --set cot.model=stub > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/serve.out" | head -1)
[[ -n "$url" ]] || { echo "soak: the server did not start: $(cat "$work/serve.err")" >&2; exit 1; }

# The wrk script: bodies in rotation (every 10th malformed), statuses tallied per kind in each thread.
python3 - "$corpora/scifact/topics.beir-v1.0.0-scifact.test.tsv.gz" "$work/soak.lua" <<'PY'
import gzip, json, sys
topics, out = sys.argv[1:]
with gzip.open(topics, "rt", encoding="utf-8") as f:
    queries = [l.rstrip("\n").split("\t", 1)[1] for l in f if "\t" in l]
valid = []
for i, q in enumerate(queries):
    kind = ["bm25", "rm3", "ql", "cot"][i % 4]
    body = {"query": q, "k": 10}
    if kind == "rm3": body["expander"] = "rm3"
    if kind == "ql": body["model"] = "ql"
    if kind == "cot": body["expander"] = "cot"
    valid.append(json.dumps(body))
malformed = ['{"query": "unterminated', '{"query": "x", "k": -3}', '{"query": "x", "k": 100000}', '{"query": "x", "colour": 1}',
             '{"query": "x", "expander": "no-such-plugin"}', '{"query": "x", "expander": "exec:/bin/true"}', '[1, 2, 3]',
             '{"query": 42}', '{"query": "x", "options": {"rm3.fbDocs": "many"}}', '']
bodies = []
m = 0
for i, v in enumerate(valid):
    bodies.append(("valid", v))
    if i % 9 == 8:
        bodies.append(("malformed", malformed[m % len(malformed)])); m += 1
def lua(s): return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
with open(out, "w") as f:
    f.write("local bodies = {%s}\nlocal kinds = {%s}\n" % (",".join(lua(b) for _, b in bodies), ",".join(lua(k) for k, _ in bodies)))
    f.write('''
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) i = 0; last = 1; counts = {} end
function request()
  i = i % #bodies + 1
  last = i
  return wrk.format("POST", "/search", {["Content-Type"] = "application/json"}, bodies[i])
end
function response(status, headers, body)
  local key = kinds[last] .. " " .. math.floor(status / 100) .. "xx"
  counts[key] = (counts[key] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, string.format('"%s": %d', k, v)) end
  io.write(string.format('SOAK {"requests": %d, "seconds": %.1f, "p50ms": %.2f, "p90ms": %.2f, "p99ms": %.2f, "maxms": %.2f, ' ..
    '"connectErrors": %d, "readErrors": %d, "writeErrors": %d, "timeouts": %d, "statuses": {%s}}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, table.concat(parts, ", ")))
end
''')
PY
# wrk's response() sees its own thread's last request: with one connection per thread the pairing holds.
log "soak: $minutes min, $connections connections, server $url (pid $server)"
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$server/status"; }
: > "$work/rss"
( for m in $(seq 0 "$minutes"); do echo "$m $(rss)" >> "$work/rss"; sleep 60; done ) &
sampler=$!
wrk -t "$connections" -c "$connections" -d "${minutes}m" --timeout 30s --latency -s "$work/soak.lua" "$url" > "$work/wrk.out" 2>&1 || true
sleep 1
echo "$minutes $(rss)" >> "$work/rss"
kill $sampler 2>/dev/null || true
# How many completions the cot requests asked of the LLM stub (the rest came from the response cache).
curl -s -X POST "http://127.0.0.1:$llm_port/stats" > "$work/llm-stats.json" || echo '{}' > "$work/llm-stats.json"
python3 - "$work/wrk.out" "$work/rss" "$report" "$minutes" "$connections" "$work/llm-stats.json" <<'PY'
import json, sys, datetime, os
wrk_out, rss_file, report, minutes, connections, llm_stats = sys.argv[1:]
llm_requests = json.load(open(llm_stats)).get("counts", {}).get("ok", 0)
text = open(wrk_out).read()
line = [l for l in text.splitlines() if l.startswith("SOAK ")]
if not line:
    sys.exit("soak: wrk wrote no summary:\n" + text)
s = json.loads(line[-1][5:])
samples = [(int(a), float(b)) for a, b in (l.split() for l in open(rss_file) if len(l.split()) == 2)]
st = s["statuses"]
valid5 = st.get("valid 5xx", 0)
valid_ok = st.get("valid 2xx", 0)
valid_other = sum(v for k, v in st.items() if k.startswith("valid") and k not in ("valid 2xx",))
bad4 = st.get("malformed 4xx", 0)
bad_other = sum(v for k, v in st.items() if k.startswith("malformed") and k != "malformed 4xx")
warm = next((r for m, r in samples if m >= 1), samples[0][1])
last = samples[-1][1]
growth = (last - warm) / warm * 100 if warm else 0
transport = s["connectErrors"] + s["readErrors"] + s["writeErrors"] + s["timeouts"]
ok = valid5 == 0 and valid_other == 0 and bad_other == 0 and transport == 0 and growth <= 10
with open(report, "w") as f:
    f.write("# Soak of `quarry serve`\n\nGenerated by `tools/reliability/soak.sh --minutes %s --connections %s` on %s (%d cores, shared): "
            "wrk on loopback, BM25 / query likelihood / RM3 / `cot` (LLM stub) requests over SciFact's 300 test queries in "
            "rotation, one malformed request in ten.\n\n" % (minutes, connections, datetime.date.today().isoformat(), os.cpu_count()))
    f.write("| figure | value |\n|---|---:|\n")
    rows = [("requests", "{:,}".format(s["requests"])), ("requests/s", "%.0f" % (s["requests"] / s["seconds"])),
            ("valid requests answered 200", "{:,}".format(valid_ok)), ("valid requests answered 5xx", valid5),
            ("valid requests answered otherwise", valid_other), ("malformed requests answered 4xx", "{:,}".format(bad4)),
            ("malformed requests answered otherwise", bad_other), ("transport errors and timeouts", transport),
            ("latency p50 / p90 / p99 / max (ms)", "%.1f / %.1f / %.1f / %.1f" % (s["p50ms"], s["p90ms"], s["p99ms"], s["maxms"])),
            ("completions asked of the LLM stub (cot; then cached)", llm_requests),
            ("server RSS after warm-up (1 min) → end (MB)", "%.1f → %.1f (%+.1f %%)" % (warm, last, growth))]
    for k, v in rows:
        f.write("| %s | %s |\n" % (k, v))
    f.write("\nResident memory each minute (MB): %s\n\nVerdict: %s\n" % (", ".join("%.1f" % r for _, r in samples),
            "passed" if ok else "FAILED"))
print(open(report).read())
sys.exit(0 if ok else 1)
PY
