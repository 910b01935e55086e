#!/usr/bin/env bash
# Fuzzes Quarry's fuzz targets (`quarry-fuzz list`: every collection, topics, qrels and run reader, the
# safetensors and SentencePiece readers, tokenizer.json and the tokenizers, the query path into Xapian,
# per-topic pipelines, the server's POST bodies and the process-plugin protocol) under libFuzzer with
# AddressSanitizer, each for a bounded time, and reports executions, coverage and findings.
#
# Usage: tools/fuzz/run.sh [--seconds N] [--targets a,b,...] [--work DIR] [--corpora DIR] [--report FILE] [--save]
#   --seconds  time per target (default 120)
#   --targets  only these targets (default: all)
#   --work     corpora (kept between runs, so coverage accumulates), logs and findings (an earlier
#              run's findings move to findings-earlier/, so the report counts this run's)
#              (default ${TMPDIR:-/tmp}/quarry-fuzz)
#   --corpora  the shared corpora the seeds are cut from (default $QUARRY_CORPORA, else ../shared/corpora)
#   --report   the Markdown table written (default docs/reliability/fuzz.md)
#   --save     copy each finding into Tests/Fixtures/fuzz/<target>/, where CI replays it
#
# Not part of CI (it takes minutes per target); FuzzRegressionTests, which is, replays the saved findings.
# A finding stops its target's run (libFuzzer's default); fix it, --save it, and run again.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds=120
targets=""
work="${TMPDIR:-/tmp}/quarry-fuzz"
corpora="${QUARRY_CORPORA:-$root/../shared/corpora}"
report="$root/docs/reliability/fuzz.md"
save=0
die() { echo "fuzz: error: $*" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--seconds needs a positive number"; seconds="$2"; shift 2 ;;
    --targets) [[ $# -ge 2 ]] || die "--targets needs a list"; targets="$2"; shift 2 ;;
    --work) [[ $# -ge 2 ]] || die "--work needs a directory"; work="$2"; shift 2 ;;
    --corpora) [[ $# -ge 2 ]] || die "--corpora needs a directory"; corpora="$2"; shift 2 ;;
    --report) [[ $# -ge 2 ]] || die "--report needs a file"; report="$2"; shift 2 ;;
    --save) save=1; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -d "$corpora" ]] || die "$corpora: no such directory (give --corpora or set QUARRY_CORPORA)"
mkdir -p "$work"/{logs,corpus,findings}
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# libFuzzer instruments what it is told to: Swift modules through -sanitize-coverage (SwiftPM's
# --sanitize=fuzzer covers only the executable), the C/C++ shims through -fsanitize=fuzzer-no-link.
# Always from clean, so that a run's figures never depend on what an earlier build left behind (one
# session saw server-search report 3,230 edges over a corpus that other builds count as 2,409; the
# cause was not found, and two clean builds of one commit agree).
log "building quarry-fuzz with libFuzzer and AddressSanitizer from clean (several minutes)"
rm -rf "$root/.build-fuzz"
(cd "$root" && swift build --product quarry-fuzz --build-path .build-fuzz --sanitize=fuzzer --sanitize=address \
   -Xswiftc -DQUARRY_LIBFUZZER -Xswiftc -sanitize-coverage=edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table \
   -Xcc -fsanitize=fuzzer-no-link) > "$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; die "build failed (log: $work/build.log)"; }
bin="$root/.build-fuzz/debug/quarry-fuzz"
python3 "$root/tools/fuzz/seeds.py" --corpora "$corpora" --fixtures "$root/Tests/Fixtures" --out "$work/seeds"

# seeds.py writes a folder for every target (FuzzRegressionTests checks the list of names).
all=$(ls "$work/seeds")
[[ -n "$targets" ]] && all=$(tr ',' '\n' <<< "$targets")
results="$work/results.jsonl"
: > "$results"
for t in $all; do
  [[ -d "$work/seeds/$t" ]] || die "no target '$t' (or no seeds for it)"
  # The report counts this run's findings: an earlier run's move to findings-earlier/ (kept, not lost).
  if compgen -G "$work/findings/$t/*" > /dev/null; then
    mkdir -p "$work/findings-earlier/$t" && mv "$work/findings/$t"/* "$work/findings-earlier/$t/"
  fi
  mkdir -p "$work/corpus/$t" "$work/findings/$t"
  log "$t: fuzzing for $seconds s"
  start=$(date +%s)
  set +e
  # Errors are answers; crashes, hangs (-timeout) and memory past -rss_limit_mb are findings.
  (cd "$root" && QUARRY_FUZZ_TARGET="$t" SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
     "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
     -artifact_prefix="$work/findings/$t/" "$work/corpus/$t" "$work/seeds/$t") > "$work/logs/$t.log" 2>&1
  status=$?
  set -e
  python3 - "$t" "$work/logs/$t.log" "$work/findings/$t" "$status" "$(( $(date +%s) - start ))" "$work/corpus/$t" >> "$results" <<'PY'
import json, os, re, sys
target, log, findings, status, elapsed, corpus = sys.argv[1:]
text = open(log, errors="replace").read()
def stat(name):
    m = re.findall(r"stat::%s:\s*(\d+)" % name, text)
    return int(m[-1]) if m else None
cov = re.findall(r"cov: (\d+) ft: (\d+)", text)
found = sorted(os.listdir(findings))
print(json.dumps({"target": target, "seconds": int(elapsed), "executions": stat("number_of_executed_units"),
                  "execs_per_s": stat("average_exec_per_sec"), "peak_rss_mb": stat("peak_rss_mb"),
                  "coverage": int(cov[-1][0]) if cov else None, "features": int(cov[-1][1]) if cov else None,
                  "corpus": len(os.listdir(corpus)), "findings": found, "exit": int(status)}))
PY
  tail -1 "$results" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("  %s: %s execs, cov %s, corpus %s, findings %s" % (r["target"], r["executions"], r["coverage"], r["corpus"], r["findings"] or "none"))' >&2
  if [[ $save == 1 ]]; then
    for f in "$work/findings/$t"/*; do
      [[ -e "$f" ]] || continue
      mkdir -p "$root/Tests/Fixtures/fuzz/$t" && cp "$f" "$root/Tests/Fixtures/fuzz/$t/" && log "  saved $(basename "$f") to Tests/Fixtures/fuzz/$t/"
    done
  fi
done

mkdir -p "$(dirname "$report")"
python3 - "$results" "$report" "$seconds" <<'PY'
import json, sys, datetime, platform, os
results, report, seconds = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(l) for l in open(results)]
total = lambda k: sum(r[k] or 0 for r in rows)
with open(report, "w") as f:
    f.write("# Fuzzing\n\nGenerated by `tools/fuzz/run.sh --seconds %s` on %s (%s, %d cores): each target under libFuzzer with\n"
            "AddressSanitizer for a bounded time, seeded from the shared collections (tools/fuzz/seeds.py). A finding is a crash,\n"
            "a hang over 10 s or memory over 2 GB; errors are the expected answer to bad bytes. Findings are fixed and kept in\n"
            "Tests/Fixtures/fuzz/<target>/, which FuzzRegressionTests replays in CI; what every run found and how it was fixed is\n"
            "in [fuzz-findings.md](fuzz-findings.md).\n\n"
            % (seconds, datetime.date.today().isoformat(), platform.machine(), os.cpu_count()))
    f.write("| target | seconds | executions | exec/s | coverage (edges) | features | corpus | findings |\n|---|---:|---:|---:|---:|---:|---:|---|\n")
    for r in rows:
        f.write("| %s | %d | %s | %s | %s | %s | %d | %s |\n" % (r["target"], r["seconds"], format(r["executions"] or 0, ","), r["execs_per_s"] or "—",
                r["coverage"] or "—", r["features"] or "—", r["corpus"], ", ".join(r["findings"]) or "none"))
    f.write("| **all %d targets** | %d | %s | | | | %d | %d |\n" % (len(rows), total("seconds"), format(total("executions"), ","), total("corpus"),
            sum(len(r["findings"]) for r in rows)))
print("wrote " + report, file=sys.stderr)
PY
