#!/usr/bin/env python3
"""Prints Quarry against Anserini 0.21 from the committed per-query files in tools/parity/
(anserini/ and quarry/): means, their difference, and per query how often each engine is ahead."""
import csv
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))


def load(engine, coll, model):
    path = os.path.join(here, engine, f"{coll}.{model}.perquery.tsv")
    if not os.path.exists(path):
        return None
    out = {}
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            out.setdefault(row["metric"], {})[row["qid"]] = float(row["value"])
    return out


def main():
    print("| collection | model | metric | Anserini 0.21 | Quarry | Δ | queries Quarry ahead / behind |")
    print("|---|---|---|---:|---:|---:|---|")
    for coll in ["scifact", "cacm", "vaswani", "dl19"]:
        for model in ["bm25", "rm3"]:
            a, q = load("anserini", coll, model), load("quarry", coll, model)
            if not a or not q:
                continue
            for metric in ["ndcg_cut_10", "map"]:
                qa, qq = a.get(metric, {}), q.get(metric, {})
                common = sorted(set(qa) & set(qq))
                if not common:
                    continue
                ma = sum(qa.values()) / len(qa)
                mq = sum(qq.values()) / len(qq)
                ahead = sum(1 for k in common if qq[k] > qa[k] + 1e-9)
                behind = sum(1 for k in common if qq[k] < qa[k] - 1e-9)
                print(f"| {coll} | {model} | {metric} | {ma:.4f} | {mq:.4f} | {mq - ma:+.4f} | {ahead} / {behind} of {len(common)} |")


if __name__ == "__main__":
    sys.exit(main())
