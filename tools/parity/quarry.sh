#!/usr/bin/env bash
# Runs Quarry on the same files and with the same settings as tools/parity/anserini.sh (BM25 k1 0.9,
# b 0.4; RM3 10/10/0.5; 1000 hits) and writes per-query numbers beside Anserini's, in the same
# format: tools/parity/quarry/<collection>.<bm25|rm3>.perquery.tsv and summary.tsv.
# Then prints the comparison (tools/parity/compare.py).
# Usage: tools/parity/quarry.sh [--corpora DIR] [--work DIR] [collection ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
corpora="${QUARRY_CORPORA:-$root/../shared/corpora}"
work="${TMPDIR:-/tmp}/quarry-parity"
collections=()
while (($#)); do
  case "$1" in
    --corpora) corpora="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) collections+=("$1"); shift ;;
  esac
done
((${#collections[@]})) || collections=(scifact cacm vaswani dl19)
[ -d "$corpora" ] || { echo "no corpora at $corpora (use --corpora or QUARRY_CORPORA)" >&2; exit 1; }
corpora="$(cd "$corpora" && pwd)"

(cd "$root" && swift build -c release >&2)
Q="$root/.build/release/quarry"
out="$here/quarry"
mkdir -p "$out" "$work"

for c in "${collections[@]}"; do
  extra=(); level=1
  case "$c" in
    scifact) coll=scifact/corpus.jsonl.gz; fmt=beir; topics=scifact/topics.beir-v1.0.0-scifact.test.tsv.gz
             qrels=scifact/qrels.beir-v1.0.0-scifact.test.txt; extra=(--remove-query) ;;
    cacm)    coll=cacm/cacm.tar.gz; fmt=html; topics=cacm/topics.cacm.txt; qrels=cacm/qrels.cacm.txt ;;
    vaswani) coll=vaswani/doc-text.trec; fmt=trec; topics=vaswani/query-text.trec; qrels=vaswani/qrels ;;
    dl19)    coll=msmarco-dl19/passages.tsv.gz; fmt=msmarco; topics=msmarco-dl19/topics.dl19-passage.txt
             qrels=msmarco-dl19/qrels.dl19-passage.txt; level=2 ;;
    *) echo "unknown collection $c" >&2; exit 1 ;;
  esac
  "$Q" index --collection "$corpora/$coll" --format "$fmt" --index "$work/$c" --threads 2 --overwrite >&2
  for model in bm25 rm3; do
    exp=(); [ "$model" = rm3 ] && exp=(--expander rm3)
    "$Q" run --index "$work/$c" --topics "$corpora/$topics" --output "$work/$c.$model.run" --k 1000 --threads 2 "${extra[@]}" "${exp[@]}" >&2
    "$Q" eval --qrels "$corpora/$qrels" --run "$work/$c.$model.run" --json --per-query --relevance-level "$level" \
      --metric nDCG@10 --metric AP --metric P@30 --metric R@1000 --metric RR > "$work/$c.$model.eval.json"
    python3 - "$work/$c.$model.eval.json" "$out/$c.$model.perquery.tsv" "$out/summary.tsv" "$c" "$model" <<'PY'
import json, sys, os
src, dst, summary, coll, model = sys.argv[1:]
names = {"nDCG@10": "ndcg_cut_10", "AP": "map", "P@30": "P_30", "R@1000": "recall_1000", "RR": "recip_rank"}
data = {names[k]: v for k, v in json.load(open(src)).items() if k in names}
key = lambda q: (0, int(q), q) if q.isdigit() else (1, 0, q)
with open(dst, "w") as f:
    f.write("qid\tmetric\tvalue\n")
    qids = sorted({q for v in data.values() for q in v["perQuery"]}, key=key)
    for q in qids:
        for m in sorted(data):
            f.write(f"{q}\t{m}\t{data[m]['perQuery'][q]:.4f}\n")
rows = []
if os.path.exists(summary):
    rows = [l.rstrip("\n").split("\t") for l in open(summary)][1:]
rows = [r for r in rows if not (r[0] == coll and r[1] == model)]
rows.append([coll, model, "num_q", str(data["map"]["queries"])])
for m in ["ndcg_cut_10", "map", "P_30", "recall_1000", "recip_rank"]:
    rows.append([coll, model, m, f"{data[m]['mean']:.4f}"])
order = {"scifact": 0, "cacm": 1, "vaswani": 2, "dl19": 3}
rows.sort(key=lambda r: (order.get(r[0], 9), r[1]))
with open(summary, "w") as f:
    f.write("collection\tmodel\tmetric\tvalue\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
PY
  done
done
python3 "$here/compare.py"
