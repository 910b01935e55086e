#!/usr/bin/env bash
# Regenerates the RADCoT table of the README from the shared data: indexes, distillation records,
# the overfit check (on GPT-3 rationales, and on query2doc pseudo-documents from a local LLM), the
# student's training, Swift-vs-PyTorch parity, and the DL19 runs with their evaluation. Slow steps are skipped when their output exists (delete $WORK to start over).
#
#   tools/radcot/reproduce.sh
#
# Environment: QUARRY_CORPORA (default ../shared/corpora beside the checkout), WORK (default
# ${TMPDIR:-/tmp}/radcot-work), PY (a Python with torch, transformers 4.x and sentencepiece; default
# python3), TRAIN_MINUTES (the student's training budget, default 45), THREADS (default 2).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CORPORA="${QUARRY_CORPORA:-$ROOT/../shared/corpora}"
WORK="${WORK:-${TMPDIR:-/tmp}/radcot-work}"
PY="${PY:-python3}"
TRAIN_MINUTES="${TRAIN_MINUTES:-45}"
THREADS="${THREADS:-2}"
Q="$ROOT/.build/release/quarry"
mkdir -p "$WORK"
say() { printf '\n== %s\n' "$*" >&2; }

[ -x "$Q" ] || (cd "$ROOT" && swift build -c release)

say "indexes: Wikipedia paragraphs (the passage corpus) and the DL19 judged pool (the evaluation)"
[ -d "$WORK/enwiki" ] || "$Q" index --collection "$CORPORA/enwiki-paragraphs" --format beir --index "$WORK/enwiki" --threads "$THREADS"
[ -d "$WORK/dl19" ] || "$Q" index --collection "$CORPORA/msmarco-dl19/passages.tsv.gz" --format msmarco --index "$WORK/dl19"

TEACHER="$CORPORA/msmarco-dev-teacher/teacher-cot.davinci003.jsonl"
say "FiD records: 6,525 GPT-3 rationales with 10 Wikipedia passages each; 5% held out by qid"
[ -s "$WORK/train.jsonl" ] || "$Q" distill radcot-data --index "$WORK/enwiki" --teacher "$TEACHER" --passages 10 \
    --output "$WORK/train.jsonl" --heldout "$WORK/held.jsonl" --heldout-fraction 0.05 --seed 13 --threads "$THREADS"

# The overfit check on 64 teacher records: build FiD records with 3 passages, train a small student
# until its greedy output equals every target, then check the Swift expander against PyTorch and the
# teacher. $1: teacher file, $2: name for the outputs (r64 / overfit / compare-overfit for "overfit").
overfit_check() {
  local teacher="$1" name="$2" records="$WORK/${2%overfit}r64.jsonl"
  "$Q" distill radcot-data --index "$WORK/enwiki" --teacher "$teacher" --passages 3 --output "$records"
  [ -s "$WORK/$name/metrics.json" ] || "$PY" "$ROOT/tools/radcot/train.py" --train "$records" --heldout "$records" \
      --out "$WORK/$name" --passages 3 --max-source-tokens 128 --max-target-tokens 48 --vocab-size 2000 --d-model 128 --d-ff 512 \
      --d-kv 32 --heads 4 --layers 2 --batch-size 8 --grad-accum 1 --lr 1e-3 --warmup 100 --decay --clip 1.0 --dropout 0 \
      --steps 3000 --eval-every 250 --stop-when-exact --threads 1
  "$PY" "$ROOT/tools/radcot/compare.py" --model "$WORK/$name" --records "$records" --index "$WORK/enwiki" --passages 3 \
      --max-source-tokens 128 --max-new-tokens 48 --quarry "$Q" --work "$WORK/compare-$name" | tee "$WORK/compare-$name.json"
}

say "overfit check: 64 records, a small student trained until it memorises them"
head -64 "$TEACHER" > "$WORK/teacher64.jsonl"
overfit_check "$WORK/teacher64.jsonl" overfit

say "query2doc variant: the same overfit check with 64 pseudo-documents (a local LLM's) as targets"
"$ROOT/tools/llm-server.sh" install >&2
"$ROOT/tools/llm-server.sh" start --threads 1 >&2   # one thread: llama.cpp crawls when it shares a core with training
python3 -c "import json,sys
for line in list(open(sys.argv[1]))[:64]:
    d = json.loads(line); print(d['qid'] + '\t' + d['query'])" "$TEACHER" > "$WORK/q2d-topics.tsv"
QUARRY_LLM_CACHE="$WORK/llm-cache" "$Q" distill teacher --questions "$WORK/q2d-topics.tsv" --prompt query2doc \
    --set llm.baseURL=http://127.0.0.1:18080/v1 --output "$WORK/q2d-teacher.jsonl"
overfit_check "$WORK/q2d-teacher.jsonl" q2d-overfit

say "the student: trained from a config (not pretrained) for $TRAIN_MINUTES minutes"
[ -s "$WORK/student/metrics.json" ] || "$PY" "$ROOT/tools/radcot/train.py" --train "$WORK/train.jsonl" --heldout "$WORK/held.jsonl" \
    --out "$WORK/student" --passages 5 --max-source-tokens 128 --max-target-tokens 64 --vocab-size 8000 --d-model 256 --d-ff 1024 \
    --d-kv 64 --heads 4 --layers 4 --batch-size 8 --grad-accum 2 --lr 5e-4 --steps 100000 --time-budget "$TRAIN_MINUTES" \
    --eval-every 100 --heldout-limit 200 --threads "$THREADS"
"$PY" "$ROOT/tools/radcot/compare.py" --model "$WORK/student" --records "$WORK/held.jsonl" --index "$WORK/enwiki" --passages 5 \
    --max-source-tokens 128 --max-new-tokens 64 --quarry "$Q" --work "$WORK/compare-student" | tee "$WORK/compare-student.json"

say "DL19 (judged pool): BM25, the teacher replayed, the student with 0 / 10 / 50 Wikipedia passages, fusion"
DL="$CORPORA/msmarco-dl19"
run() { local name="$1"; shift; "$Q" run --index "$WORK/dl19" --topics "$DL/topics.dl19-passage.txt" --output "$WORK/dl19-$name.run" \
        --save-queries "$WORK/dl19-$name.queries.jsonl" --threads "$THREADS" "$@" 2> >(tee "$WORK/dl19-$name.log" >&2); }
student=(--expander radcot --set "radcot.model=$WORK/student" --set radcot.maxPassageTokens=128 --set radcot.maxNewTokens=50)
run bm25
run cot-gpt3 --expander precomputed --set "precomputed.file=$DL/teacher-cot.davinci003.jsonl"
run student-p0 "${student[@]}" --set radcot.passages=0
run student-p10 "${student[@]}" --set radcot.passages=10 --set "radcot.passageIndex=$WORK/enwiki"
run student-p50 "${student[@]}" --set radcot.passages=50 --set "radcot.passageIndex=$WORK/enwiki"
run student-pool-p10 "${student[@]}" --set radcot.passages=10   # extra: passages from the judged pool itself
"$Q" fuse --run "$WORK/dl19-student-p50.run" --run "$WORK/dl19-cot-gpt3.run" --method rrf --output "$WORK/dl19-fused.run"

{
  echo "| run | nDCG@10 | MAP | R@100 |"
  echo "|---|---:|---:|---:|"
  for name in bm25 cot-gpt3 student-p0 student-p10 student-p50 fused student-pool-p10; do
    "$Q" eval --qrels "$DL/qrels.dl19-passage.txt" --run "$WORK/dl19-$name.run" --relevance-level 2 \
        --metric nDCG@10 --metric AP --metric R@100 --json |
      python3 -c "import json,sys; d=json.load(sys.stdin); print('| $name | %.4f | %.4f | %.4f |' % (d['nDCG@10']['mean'], d['AP']['mean'], d['R@100']['mean']))"
  done
} | tee "$WORK/table.md"
