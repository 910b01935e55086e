#!/usr/bin/env python3
"""Evaluate a TREC run file against TREC qrels with pytrec_eval (trec_eval semantics).

Writes per-query values as `qid<TAB>metric<TAB>value` (header line, sorted by qid then
metric, values to 4 decimals) and prints the means as `metric<TAB>value` on stdout.

Conventions (those of the published Anserini numbers):
  * ndcg_cut_10 always uses the graded labels as gains (relevance level 1);
  * map, P_30, recall_1000 and recip_rank count a document as relevant when its label is
    >= --level (use --level 2 for TREC DL, i.e. `trec_eval -l 2`);
  * means are over the queries present in both the run and the qrels (trec_eval without -c);
  * num_q is that number of queries.

Usage: evaluate.py --qrels QRELS --run RUN [--level N] [--perquery OUT.tsv]
Requires: pip install pytrec-eval-terrier
"""
import argparse
import sys

import pytrec_eval

# pytrec_eval measure request -> key it reports per query
GRADED = {"ndcg_cut.10": "ndcg_cut_10"}
BINARY = {"map": "map", "P.30": "P_30", "recall.1000": "recall_1000", "recip_rank": "recip_rank"}
ORDER = ["ndcg_cut_10", "map", "P_30", "recall_1000", "recip_rank"]


def read_qrels(path):
    qrels = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                sys.exit(f"{path}: not a TREC qrels line: {line!r}")
            qid, _, docid, rel = parts
            qrels.setdefault(qid, {})[docid] = int(rel)
    return qrels


def read_run(path):
    run = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 6:
                sys.exit(f"{path}: not a TREC run line: {line!r}")
            qid, _, docid, _, score = parts[:5]
            run.setdefault(qid, {})[docid] = float(score)
    return run


def qid_key(qid):
    return (0, int(qid), "") if qid.isdigit() else (1, 0, qid)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qrels", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--level", type=int, default=1,
                    help="minimum label counted as relevant for map/P/recall/recip_rank (default 1)")
    ap.add_argument("--perquery", help="write per-query values here")
    args = ap.parse_args()

    qrels = read_qrels(args.qrels)
    run = read_run(args.run)

    graded = pytrec_eval.RelevanceEvaluator(qrels, set(GRADED), relevance_level=1).evaluate(run)
    binary = pytrec_eval.RelevanceEvaluator(qrels, set(BINARY), relevance_level=args.level).evaluate(run)
    qids = sorted(set(graded) & set(binary), key=qid_key)
    if set(graded) != set(binary):
        print(f"warning: evaluated query sets differ ({len(graded)} vs {len(binary)}); "
              f"using the {len(qids)} in both", file=sys.stderr)
    if not qids:
        sys.exit("no query of the run is in the qrels")

    per = {q: {**graded[q], **binary[q]} for q in qids}
    if args.perquery:
        with open(args.perquery, "w", encoding="utf-8") as out:
            out.write("qid\tmetric\tvalue\n")
            for q in qids:
                for m in sorted(ORDER):
                    out.write(f"{q}\t{m}\t{per[q][m]:.4f}\n")

    print(f"num_q\t{len(qids)}")
    for m in ORDER:
        mean = sum(per[q][m] for q in qids) / len(qids)
        print(f"{m}\t{mean:.4f}")


if __name__ == "__main__":
    main()
