#!/usr/bin/env python3
"""bm25s (PyPI) as the field benchmark runs it: the same JSONL files and topics as Quarry and Anserini.

  index  --input DIR --index OUT            read every *.jsonl of DIR ({"id","contents"}), tokenize, index,
                                            save (with the text, so the index holds what the others store)
  search --index DIR --topics TSV [--k 1000] [--threads 1] [--warmup 1] [--passes 3] [--output RUN]
                                            load once, untimed warm-up passes, timed passes (tokenize + retrieve)
  run    --index DIR --topics TSV --output RUN [--k 1000] [--threads 1]
                                            what a user's script does: load, tokenize, retrieve, write the run

Settings: BM25 "lucene" variant, k1 0.9, b 0.4 (Anserini's); bm25s's English stop words; PyStemmer's
Porter stemmer (Lucene's is the original Porter too); the numba backend. Prints one JSON object.
"""
import argparse
import json
import os
import statistics
import sys
import time

import bm25s
import Stemmer

K1, B = 0.9, 0.4


def stemmer():
    return Stemmer.Stemmer("porter")


def tokenize(texts):
    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer(), return_ids=False, show_progress=False)


def read_topics(path):
    qids, queries = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            parts = line.split("\t", 1)
            if len(parts) != 2:
                sys.exit(f"{path}:{n}: expected qid<TAB>text")
            qids.append(parts[0])
            queries.append(parts[1])
    if not qids:
        sys.exit(f"{path}: no topics")
    return qids, queries


def index(a):
    t0 = time.perf_counter()
    files = sorted(f for f in os.listdir(a.input) if f.endswith(".jsonl"))
    if not files:
        sys.exit(f"{a.input}: no .jsonl files")
    ids, texts = [], []
    for name in files:
        with open(os.path.join(a.input, name), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                try:
                    d = json.loads(line)
                    ids.append(str(d["id"]))
                    texts.append(d["contents"])
                except (ValueError, KeyError) as e:
                    sys.exit(f"{name}:{n}: not an {{\"id\",\"contents\"}} record ({e})")
    t1 = time.perf_counter()
    tokens = tokenize(texts)
    t2 = time.perf_counter()
    model = bm25s.BM25(k1=K1, b=B, method="lucene", backend="numba")
    model.index(tokens, show_progress=False)
    t3 = time.perf_counter()
    os.makedirs(a.index, exist_ok=True)
    model.save(a.index, corpus=[{"id": i, "text": t} for i, t in zip(ids, texts)], show_progress=False)
    with open(os.path.join(a.index, "ids.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(ids) + "\n")
    t4 = time.perf_counter()
    print(json.dumps({"engine": "bm25s", "version": bm25s.__version__, "documents": len(ids),
                      "phases": {"read": t1 - t0, "tokenize": t2 - t1, "index": t3 - t2, "save": t4 - t3}}))


def load(path):
    model = bm25s.BM25.load(path, load_corpus=False, backend="numba", show_progress=False)
    model.backend = "numba"
    with open(os.path.join(path, "ids.txt"), encoding="utf-8") as f:
        ids = f.read().split("\n")[:-1]
    return model, ids


def search_once(model, queries, k, threads):
    tokens = tokenize(queries)
    # A query whose every word is a stop word (or unknown) has nothing to match: bm25s wants at least one token.
    tokens = [[w for w in q if w in model.vocab_dict] or [""] for q in tokens]
    return model.retrieve(tokens, k=k, n_threads=threads, backend_selection="numba", show_progress=False)


def write_run(path, qids, ids, result):
    docs, scores = result
    with open(path, "w", encoding="utf-8") as f:
        for qi, qid in enumerate(qids):
            for rank, (d, s) in enumerate(zip(docs[qi], scores[qi]), 1):
                f.write(f"{qid} Q0 {ids[d]} {rank} {s:.6f} bm25s\n")


def search(a):
    qids, queries = read_topics(a.topics)
    t = time.perf_counter()
    model, ids = load(a.index)
    open_seconds = time.perf_counter() - t
    warm, times, result = [], [], None
    for _ in range(a.warmup):
        t = time.perf_counter()
        search_once(model, queries, a.k, a.threads)
        warm.append(time.perf_counter() - t)
    for _ in range(a.passes):
        t = time.perf_counter()
        result = search_once(model, queries, a.k, a.threads)
        times.append(time.perf_counter() - t)
    if a.output:
        write_run(a.output, qids, ids, result)
    median = statistics.median(times)
    print(json.dumps({"engine": "bm25s", "version": bm25s.__version__, "index": a.index, "documents": len(ids),
                      "queries": len(qids), "k": a.k, "threads": a.threads, "pipeline": {"model": f"bm25s lucene(k1={K1}, b={B})"},
                      "openSeconds": open_seconds, "warmupSeconds": warm, "passSeconds": times, "medianSeconds": median,
                      "queriesPerSecond": len(qids) / median, "hits": int(sum(len(r) for r in result[0]))}))


def run(a):
    qids, queries = read_topics(a.topics)
    model, ids = load(a.index)
    write_run(a.output, qids, ids, search_once(model, queries, a.k, a.threads))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["index", "search", "run"])
    ap.add_argument("--input")
    ap.add_argument("--index", required=True)
    ap.add_argument("--topics")
    ap.add_argument("--output")
    ap.add_argument("--k", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--passes", type=int, default=3)
    a = ap.parse_args()
    if a.command == "index":
        if not a.input:
            ap.error("index needs --input")
        index(a)
    else:
        if not a.topics:
            ap.error(f"{a.command} needs --topics")
        if a.command == "run" and not a.output:
            ap.error("run needs --output")
        (search if a.command == "search" else run)(a)


if __name__ == "__main__":
    main()
