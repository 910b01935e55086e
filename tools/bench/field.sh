#!/usr/bin/env bash
# Quarry against the field, on this machine, in one run: Anserini 0.21 (Lucene; the pyserini 0.21.0
# wheel's fatjar on Java 17), bm25s (PyPI) and, for the neural rows, PyTorch on the CPU. Regenerates the
# table, the machine's facts, the raw per-repeat JSON and the scaling plots (docs/benchmarks.md says
# what each row means).
#
# Usage: tools/bench/field.sh [--quick] [--out DIR] [--work DIR] [--corpora DIR] [--repeats N]
#                             [--index-repeats N] [--threads 1,2] [--neural-quick]
#                             [--rows index,search,rm3,e2e,scifact,neural,serve,sanity]
#
#   --quick     a smoke run (24 minutes on 2 shared cores): slices of 10k, 20k and 50k paragraphs, 200 queries,
#               2 repeats, the short neural rows
#   --out       where the results go (default docs/benchmarks): results.md, raw/*.jsonl, raw/facts.json,
#               *.svg; --quick defaults to ${TMPDIR:-/tmp}/quarry-field-quick instead
#   --work      scratch: the jar, converted inputs, indexes, runs (default ${TMPDIR:-/tmp}/quarry-field;
#               about 6 GB for the full run)
#   --corpora   the shared corpora (default $QUARRY_CORPORA, else ../shared/corpora beside the checkout)
#   --repeats   runs (or timed passes) per measurement, medians reported (default 3)
#   --index-repeats  builds per indexing figure (default: --repeats; the costliest row)
#   --threads   thread counts to measure (default 1,2)
#   --neural-quick  only the short neural rows (one MiniLM shape, FiD over 10 passages)
#   --rows      only these rows (the others' raw files are kept; the report uses them all)
#
# The full run (100k, 300k and all 863,581 Wikipedia paragraphs; the first 1,000 MS MARCO dev queries)
# takes about two hours on 2 cores with the default repeats (82 minutes with --index-repeats 1
# --repeats 2). Run it on a machine otherwise idle: every row compares engines measured minutes apart.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
corpora="${QUARRY_CORPORA:-$root/../shared/corpora}"
work="${TMPDIR:-/tmp}/quarry-field"
out=""
quick=0
neural_quick=()
repeats=""
index_repeats=""
threads="1,2"
rows=""
command_line="tools/bench/field.sh $*"

die() { echo "field.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case "$1" in
    --quick) quick=1; shift ;;
    --neural-quick) neural_quick=(--neural-quick); shift ;;
    --out) [[ $# -ge 2 ]] || die "--out needs a directory"; out="$2"; shift 2 ;;
    --work) [[ $# -ge 2 ]] || die "--work needs a directory"; work="$2"; shift 2 ;;
    --corpora) [[ $# -ge 2 ]] || die "--corpora needs a directory"; corpora="$2"; shift 2 ;;
    --repeats) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--repeats needs a positive number"; repeats="$2"; shift 2 ;;
    --index-repeats) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--index-repeats needs a positive number"; index_repeats="$2"; shift 2 ;;
    --threads) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--threads needs a list like 1,2"; threads="$2"; shift 2 ;;
    --rows) [[ $# -ge 2 ]] || die "--rows needs a list"; rows="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

if ((quick)); then
  sizes="10000,20000,50000"; queries=200; repeats="${repeats:-2}"
  out="${out:-${TMPDIR:-/tmp}/quarry-field-quick}"
else
  sizes="100000,300000,all"; queries=1000; repeats="${repeats:-3}"
  out="${out:-$root/docs/benchmarks}"
fi
[[ -d "$corpora/enwiki-paragraphs" ]] || die "no enwiki-paragraphs under $corpora (use --corpora or QUARRY_CORPORA)"
[[ -d "$corpora/scifact" ]] || die "no scifact under $corpora"
corpora="$(cd "$corpora" && pwd)"
mkdir -p "$work" "$out"
work="$(cd "$work" && pwd)"; out="$(cd "$out" && pwd)"

log "installing what the peers need (tools/install-deps.sh --python --neural --training --bench)"
"$root/tools/install-deps.sh" --python --neural --training --bench

log "building Quarry (release)"
(cd "$root" && swift build -c release >&2)
quarry="$root/.build/release/quarry"

jar="$("$root/tools/anserini-jar.sh" "$work")"
classes="$work/classes"
mkdir -p "$classes"
javac -cp "$jar" -d "$classes" "$here/field/AnseriniSearch.java"

log "preparing inputs in $work"
python3 "$here/field/prepare.py" --corpora "$corpora" --work "$work" --jar "$jar" --sizes "$sizes" --queries "$queries" \
  > "$work/prepared.json"

quick_flag=(); ((quick)) && quick_flag=(--quick)
python3 "$here/field/run.py" --work "$work" --out "$out" --quarry "$quarry" --jar "$jar" --classes "$classes" \
  --prepared "$work/prepared.json" --threads "$threads" --repeats "$repeats" \
  ${index_repeats:+--index-repeats "$index_repeats"} ${rows:+--rows "$rows"} "${quick_flag[@]}" "${neural_quick[@]}" \
  --command "$command_line"
python3 "$here/field/report.py" --out "$out"
log "wrote $out/results.md and the plots"
