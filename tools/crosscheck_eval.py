#!/usr/bin/env python3
"""Reference values for `quarry eval`, computed with pytrec_eval (trec_eval) and ir_measures.

Prints JSON {metric: {"mean", "perQuery", "queries", "tool", ...}} keyed by the names Quarry prints
(ir_measures style, Metric.description: nDCG@10, AP, AP(rel=2), P@10, R@1000, RR, RR@10, Judged@10).
Metric names may be given in either scheme: trec_eval's (ndcg_cut_10, map, map_cut_100, P_10,
recall_1000, recip_rank, judged_10; pytrec_eval's dotted forms too) or ir_measures' (nDCG@10,
AP(rel=2), R(rel=2)@100, RR@10, Judged@10).

Which tool computes what
  * trec_eval-native measures go to pytrec_eval: nDCG[@k] -> ndcg / ndcg_cut.k, AP[@k] -> map /
    map_cut.k, P@k -> P.k, R@k -> recall.k (R without a cutoff -> recall at the longest ranking),
    RR -> recip_rank. Binary measures use the metric's rel= if given, else --relevance-level
    (trec_eval -l); nDCG always uses the graded labels as gains (trec_eval's -l never touches them).
  * RR@k and Judged@k, which trec_eval lacks, go to ir_measures (its msmarco and judged providers).
  * Every metric is computed by ir_measures as well; a query where the two tools disagree is listed
    under "toolDisagreements" (there should be none).

Conventions checked against trec_eval 9 / pytrec_eval-terrier 0.5 / ir_measures 0.4 (see the
Evaluation sources of Quarry, which follow trec_eval):
  * Ranking: trec_eval ignores the rank column and sorts by score, ties by docno descending (strcmp),
    and it keeps scores as C floats, so scores equal in single precision tie too.
    ir_measures' own providers (RR@k, Judged@k) instead sort by the double score, ties by docno
    ascending. Where that changes a value, the entry's "tieSensitive" maps the query to the value
    under trec_eval's order (what Quarry reports) and "meanInTrecOrder" gives the mean with those;
    "perQuery" and "mean" keep ir_measures' values.
  * Queries: pytrec_eval, like trec_eval, evaluates the queries present in both qrels and run; a
    judged query with no relevant document is evaluated (AP, R, RR, nDCG are 0 there); run queries
    absent from the qrels are ignored. ir_measures instead scores every qrels query, 0 where the
    run lacks it; its values are restricted to the same query set here.
  * --complete (trec_eval -c) is not available in pytrec_eval: it is emulated by averaging over
    every query of the qrels with 0 for those the run lacks (what trec_eval -c gives for these
    measures: a missing query is evaluated as an empty ranking).
  * Duplicate (query, docno) pairs: trec_eval stops ("duplicate docs") and pytrec_eval.parse_run /
    parse_qrel assert, so this script refuses them too (ir_measures silently keeps the last).
  * Negative grades (e.g. -1) count as judged but never as relevant, nor as gain, nor in the ideal
    ranking. pytrec_eval refuses relevance levels below 1.

Run files: TREC six columns, or MS MARCO `qid<TAB>docid<TAB>rank` (score = -rank), as Quarry reads.

Usage: crosscheck_eval.py --qrels QRELS --run RUN --metric nDCG@10 AP RR@10 [--metric ...]
                          [--relevance-level N] [--complete]
Requires: pip install pytrec-eval-terrier ir-measures
"""
import argparse
import json
import re
import struct
import sys
from importlib.metadata import version

try:
    import ir_measures
    import pytrec_eval
except ImportError as e:  # pragma: no cover
    sys.exit(f"crosscheck_eval.py needs pytrec_eval and ir_measures ({e}); "
             "pip install pytrec-eval-terrier ir-measures")


def fail(msg):
    sys.exit(f"crosscheck_eval.py: {msg}")


# ---------------------------------------------------------------------------------------------
# Input


def read_qrels(path):
    qrels = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            cols = line.split()
            if not cols:
                continue
            if len(cols) != 4:
                fail(f"{path}:{n}: expected 'qid iter docid grade'")
            qid, _, docid, grade = cols
            judged = qrels.setdefault(qid, {})
            if docid in judged:
                fail(f"{path}:{n}: duplicate judgment of {docid} for query {qid} (trec_eval refuses these)")
            judged[docid] = int(grade)
    return qrels


def read_run(path):
    run = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            cols = line.split()
            if not cols:
                continue
            if len(cols) == 6:
                qid, docid, score = cols[0], cols[2], float(cols[4])
            elif len(cols) == 3:
                qid, docid, score = cols[0], cols[1], -float(int(cols[2]))
            else:
                fail(f"{path}:{n}: expected 6 columns (TREC) or 3 (MS MARCO)")
            hits = run.setdefault(qid, {})
            if docid in hits:
                fail(f"{path}:{n}: duplicate document {docid} for query {qid} (trec_eval refuses these)")
            hits[docid] = score
    return run


# ---------------------------------------------------------------------------------------------
# Metric names


class Metric:
    def __init__(self, kind, cutoff=None, rel=None):
        self.kind, self.cutoff, self.rel = kind, cutoff, rel

    @property
    def name(self):
        """Quarry's Metric.description."""
        base = {"ndcg": "nDCG", "ap": "AP", "p": "P", "r": "R", "rr": "RR", "judged": "Judged"}[self.kind]
        return base + (f"(rel={self.rel})" if self.rel is not None else "") + (f"@{self.cutoff}" if self.cutoff else "")


TREC_PREFIXES = [("ndcg_cut", "ndcg"), ("map_cut", "ap"), ("p", "p"), ("recall", "r"), ("judged", "judged")]
IRM_BASES = {"ndcg": "ndcg", "ap": "ap", "map": "ap", "p": "p", "r": "r", "recall": "r", "rr": "rr",
             "mrr": "rr", "judged": "judged"}


def parse_metric(text):
    t = text.strip()
    low = t.lower()
    for prefix, kind in TREC_PREFIXES:
        m = re.fullmatch(re.escape(prefix) + r"[_.](\d+)", low)
        if m and int(m.group(1)) > 0:
            return Metric(kind, int(m.group(1)))
    if low in ("map", "ap"):
        return Metric("ap")
    if low == "ndcg":
        return Metric("ndcg")
    if low in ("recip_rank", "mrr", "rr"):
        return Metric("rr")
    m = re.fullmatch(r"([A-Za-z]+)(?:\(rel=(-?\d+)\))?(?:@(\d+))?", t)
    if not m or m.group(1).lower() not in IRM_BASES:
        fail(f"unknown metric '{text}'")
    kind = IRM_BASES[m.group(1).lower()]
    rel = int(m.group(2)) if m.group(2) is not None else None
    cutoff = int(m.group(3)) if m.group(3) is not None else None
    if cutoff == 0 or (rel is not None and kind in ("ndcg", "judged")):
        fail(f"unknown metric '{text}'")
    if kind in ("p", "judged") and cutoff is None:
        fail(f"metric '{text}' needs a cutoff")
    return Metric(kind, cutoff, rel)


# ---------------------------------------------------------------------------------------------
# Evaluation


def f32(x):
    """x rounded to single precision, as trec_eval stores scores."""
    return struct.unpack("f", struct.pack("f", x))[0]


def trec_order_run(run):
    """The run re-scored so that every tool sees trec_eval's order: score as a C float descending,
    ties by docno descending (byte order)."""
    out = {}
    for qid, hits in run.items():
        ranked = sorted(hits.items(), key=lambda h: h[0].encode("utf-8"), reverse=True)
        ranked.sort(key=lambda h: f32(h[1]), reverse=True)  # stable: keeps docno order within ties
        out[qid] = {docid: float(len(ranked) - i) for i, (docid, _) in enumerate(ranked)}
    return out


def with_pytrec_eval(metric, level, qrels, run):
    """{qid: value} over queries in both qrels and run, or None when trec_eval lacks the measure."""
    if metric.kind == "ndcg":
        request, key = (f"ndcg_cut.{metric.cutoff}", f"ndcg_cut_{metric.cutoff}") if metric.cutoff else ("ndcg", "ndcg")
        level = 1  # gains are the grades whatever -l is
    elif metric.kind == "ap":
        request, key = (f"map_cut.{metric.cutoff}", f"map_cut_{metric.cutoff}") if metric.cutoff else ("map", "map")
    elif metric.kind == "p":
        request, key = f"P.{metric.cutoff}", f"P_{metric.cutoff}"
    elif metric.kind == "r":
        depth = metric.cutoff or max([len(h) for h in run.values()] + [1])
        request, key = f"recall.{depth}", f"recall_{depth}"
    elif metric.kind == "rr" and metric.cutoff is None:
        request, key = "recip_rank", "recip_rank"
    else:
        return None
    if level < 1:
        fail("pytrec_eval accepts relevance levels >= 1 only")
    res = pytrec_eval.RelevanceEvaluator(qrels, {request}, relevance_level=level).evaluate(run)
    return {qid: vals[key] for qid, vals in res.items()}


def irm_measure(metric, level):
    """The ir_measures measure, with the relevance level made explicit for binary measures."""
    rel = "" if metric.kind in ("ndcg", "judged") else f"(rel={level})"
    return ir_measures.parse_measure(Metric(metric.kind).name + rel + (f"@{metric.cutoff}" if metric.cutoff else ""))


def with_ir_measures(metric, level, qrels, run):
    """{qid: value} over queries in both qrels and run."""
    if metric.kind == "r" and metric.cutoff is None:  # ir_measures' R needs a cutoff
        metric = Metric("r", max([len(h) for h in run.values()] + [1]), metric.rel)
    measure = irm_measure(metric, level)
    both = set(qrels) & set(run)
    return {m.query_id: m.value for m in ir_measures.iter_calc([measure], qrels, run) if m.query_id in both}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qrels", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--metric", nargs="+", action="extend", required=True, help="metric names (repeatable)")
    ap.add_argument("--relevance-level", type=int, default=1, help="trec_eval -l for binary measures (default 1)")
    ap.add_argument("--complete", action="store_true", help="emulate trec_eval -c (see above)")
    args = ap.parse_args()

    qrels = read_qrels(args.qrels)
    run = read_run(args.run)
    ordered = trec_order_run(run)
    qids = sorted(qrels) if args.complete else sorted(set(qrels) & set(run))

    out = {}
    for text in args.metric:
        metric = parse_metric(text)
        level = metric.rel if metric.rel is not None else args.relevance_level
        native = with_pytrec_eval(metric, level, qrels, run)
        # ir_measures given trec_eval's order explicitly (scores = reversed ranks).
        in_trec_order = with_ir_measures(metric, level, qrels, ordered)
        entry = {}
        if native is not None:
            values = native
            entry["tool"] = f"pytrec_eval-terrier {version('pytrec_eval-terrier')} (relevance_level={1 if metric.kind == 'ndcg' else level})"
            bad = {q: [values[q], in_trec_order.get(q)] for q in values
                   if q not in in_trec_order or abs(values[q] - in_trec_order[q]) > 1e-9}
            if bad:
                entry["toolDisagreements"] = bad
                print(f"warning: {metric.name}: pytrec_eval and ir_measures disagree on {len(bad)} queries", file=sys.stderr)
        else:
            values = with_ir_measures(metric, level, qrels, run)
            entry["tool"] = f"ir_measures {ir_measures.__version__} {irm_measure(metric, level)}"
            ties = {q: in_trec_order[q] for q in values if abs(values[q] - in_trec_order[q]) > 1e-12}
            if ties:
                entry["tieSensitive"] = ties
        per_query = {q: values.get(q, 0.0) for q in qids}
        if args.complete:
            entry["note"] = "trec_eval -c emulated: mean over every qrels query, 0 for queries the run lacks"
        entry["perQuery"] = per_query
        entry["queries"] = len(per_query)
        entry["mean"] = sum(per_query.values()) / len(per_query) if per_query else 0.0
        if "tieSensitive" in entry:
            entry["meanInTrecOrder"] = sum(entry["tieSensitive"].get(q, v) for q, v in per_query.items()) / len(per_query)
        out[metric.name] = entry
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
