#!/usr/bin/env bash
# Effectiveness of the LLM expanders with the local model (tools/llm-server.sh: llama.cpp serving
# SmolLM2-135M-Instruct) next to BM25 and the replayed GPT-3 rationales, on the DL19 pool and SciFact.
# Prints a Markdown table. Generations are cached in OUT/llm-cache, so a second run (or one that was
# interrupted) only asks for what is missing.
#
#   tools/bench/llm-expanders.sh [OUT]      (default OUT: ${TMPDIR:-/tmp}/quarry-llm-expanders)
#
# Environment: QUARRY_CORPORA (default ../shared/corpora beside the checkout), QUARRY (the binary;
# default: a release build), LLM_PARALLEL (server slots and --llm-concurrency, default 4),
# DATASETS (default "dl19 scifact"), SCIFACT_LIMIT (only the first N SciFact test queries; on a busy
# 2-core machine the small model writes about 3 expansions a minute).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-${TMPDIR:-/tmp}/quarry-llm-expanders}"
CORPORA="${QUARRY_CORPORA:-$(cd .. && pwd)/shared/corpora}"
PARALLEL="${LLM_PARALLEL:-4}"
mkdir -p "$OUT"
if [[ -z "${QUARRY:-}" ]]; then swift build -c release >&2; QUARRY=.build/release/quarry; fi

read -r URL MODEL < <(tools/llm-server.sh start --parallel "$PARALLEL" | paste -sd' ')
echo "server: $URL ($MODEL, $PARALLEL slots)" >&2
LLM=(--llm-cache "$OUT/llm-cache" --llm-concurrency "$PARALLEL")

index() { # name collection format
  [[ -d "$OUT/$1.idx" ]] || "$QUARRY" index --collection "$2" --format "$3" --index "$OUT/$1.idx" >&2
}

row() { # dataset label run qrels level
  local m
  m=$("$QUARRY" eval --qrels "$4" --run "$3" --relevance-level "$5" --metric nDCG@10 --metric AP --metric R@100 --json)
  python3 - "$1" "$2" "$m" <<'PY'
import json, sys
d, label, m = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print(f"| {d} | {label} | {m['nDCG@10']['mean']:.4f} | {m['AP']['mean']:.4f} | {m['R@100']['mean']:.4f} |")
PY
}

echo "| collection | pipeline | nDCG@10 | AP | R@100 |"
echo "|---|---|---|---|---|"
for ds in ${DATASETS:-dl19 scifact}; do
  case "$ds" in
    dl19)
      index dl19 "$CORPORA/msmarco-dl19/passages.tsv.gz" msmarco
      topics="$CORPORA/msmarco-dl19/topics.dl19-passage.txt"; qrels="$CORPORA/msmarco-dl19/qrels.dl19-passage.txt"; level=2; extra=() ;;
    scifact)
      index scifact "$CORPORA/scifact/corpus.jsonl.gz" beir
      topics="$CORPORA/scifact/topics.beir-v1.0.0-scifact.test.tsv.gz"; qrels="$CORPORA/scifact/qrels.beir-v1.0.0-scifact.test.txt"; level=1; extra=(--remove-query)
      if [[ -n "${SCIFACT_LIMIT:-}" ]]; then
        zcat "$topics" | head -n "$SCIFACT_LIMIT" > "$OUT/scifact-first-$SCIFACT_LIMIT.tsv"
        topics="$OUT/scifact-first-$SCIFACT_LIMIT.tsv"; ds="scifact-first-$SCIFACT_LIMIT"
        [[ -d "$OUT/$ds.idx" ]] || ln -s scifact.idx "$OUT/$ds.idx"
      fi ;;
    *) echo "unknown dataset $ds" >&2; exit 2 ;;
  esac
  run() { # label, pipeline flags...
    local label=$1; shift
    "$QUARRY" run --index "$OUT/$ds.idx" --topics "$topics" --output "$OUT/$ds.$label.run" --k 1000 "${extra[@]}" \
      --save-queries "$OUT/$ds.$label.queries.jsonl" "$@" >&2 || [[ $? -eq 3 ]]
    row "$ds" "$label" "$OUT/$ds.$label.run" "$qrels" "$level"
  }
  run bm25
  if [[ "$ds" == dl19 ]]; then
    run gpt3-cot-words --expander precomputed --set precomputed.file="$CORPORA/msmarco-dl19/teacher-cot.davinci003.jsonl"
    run gpt3-cot-fixed5 --expander precomputed --set precomputed.file="$CORPORA/msmarco-dl19/teacher-cot.davinci003.jsonl" --set precomputed.rule=fixed
  fi
  run smollm2-cot --expander cot --set cot.baseURL="$URL" --set cot.model="$MODEL" "${LLM[@]}"
  run smollm2-query2doc --expander query2doc --set query2doc.baseURL="$URL" --set query2doc.model="$MODEL" "${LLM[@]}"
done
