#!/usr/bin/env python3
"""Inputs of the field benchmark, made once in the work directory and shared by every engine.

  collection: the Wikipedia paragraphs (BEIR JSONL) rewritten as Anserini's JSONL {"id","contents"} with
              contents = title + " " + text (what Anserini indexes for BEIR and what Quarry indexes as one
              field), uncompressed, 10,000 documents a file, so Anserini's per-file indexing threads have work
              at every size; WORK/slices/<size>/ holds hard links to the first <size> documents' files.
  topics:     the first N queries of topics.msmarco-passage.dev-subset.txt, read from the Anserini fatjar
              (inside the pyserini 0.21.0 wheel) as qid<TAB>text.
  scifact:    SciFact's corpus in the same JSONL (Anserini's input) and its test topics as plain TSV.

    prepare.py --corpora DIR --work DIR --jar JAR --sizes 100000,300000,all --queries 1000

Prints one JSON object: the slices (name, documents, path), the topics file and the SciFact files.
"""
import argparse
import gzip
import json
import os
import sys
import zipfile

PER_FILE = 10_000
TOPICS_IN_JAR = "topics-and-qrels/topics.msmarco-passage.dev-subset.txt"


def size_name(n):
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def convert_enwiki(src_dir, out_dir):
    """Writes part-NNNN.jsonl files of PER_FILE documents; returns their document counts in order."""
    done = os.path.join(out_dir, "COUNTS.json")
    if os.path.exists(done):
        return json.load(open(done))
    os.makedirs(out_dir, exist_ok=True)
    sources = sorted(f for f in os.listdir(src_dir) if f.endswith(".jsonl.gz"))
    if not sources:
        sys.exit(f"{src_dir}: no corpus-NN.jsonl.gz files")
    counts, out, n = [], None, 0

    def close():
        nonlocal out
        if out:
            out.close()
            os.replace(out.name, out.name[: -len(".part")])
            out = None

    for name in sources:
        with gzip.open(os.path.join(src_dir, name), "rt", encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                    record = {"id": str(d["_id"]), "contents": d.get("title", "") + " " + d["text"]}
                except (ValueError, KeyError) as e:
                    sys.exit(f"{name}:{line_no}: not a BEIR record ({e})")
                if out is None:
                    out = open(os.path.join(out_dir, f"part-{len(counts):04d}.jsonl.part"), "w", encoding="utf-8")
                    counts.append(0)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                counts[-1] += 1
                n += 1
                if counts[-1] == PER_FILE:
                    close()
    close()
    json.dump(counts, open(done, "w"))
    return counts


def make_slice(parts_dir, counts, size, slices_dir):
    total = sum(counts)
    want = total if size == "all" else int(size)
    if want > total:
        sys.exit(f"slice of {want} documents asked for, the collection has {total}")
    files, n = [], 0
    for i, c in enumerate(counts):
        if n >= want:
            break
        if n + c > want:
            sys.exit(f"slice sizes must be multiples of {PER_FILE} (or 'all'): {want}")
        files.append(f"part-{i:04d}.jsonl")
        n += c
    name = "all" if size == "all" else size_name(want)
    d = os.path.join(slices_dir, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f not in files:
            os.remove(os.path.join(d, f))
    for f in files:
        if not os.path.exists(os.path.join(d, f)):
            os.link(os.path.join(parts_dir, f), os.path.join(d, f))
    return {"name": name, "documents": n, "path": d}


def topics(jar, n, path):
    with zipfile.ZipFile(jar) as z:
        lines = z.read(TOPICS_IN_JAR).decode("utf-8").splitlines()
    rows = []
    for line in lines:
        qid, text = line.split("\t", 1)
        rows.append(f"{qid}\t{' '.join(text.split())}")
        if len(rows) == n:
            break
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    return {"path": path, "queries": len(rows), "source": f"{os.path.basename(jar)}:{TOPICS_IN_JAR}"}


def scifact(corpora, work):
    src = os.path.join(corpora, "scifact")
    out = os.path.join(work, "scifact")
    os.makedirs(os.path.join(out, "input"), exist_ok=True)
    corpus = os.path.join(out, "input", "corpus.jsonl")
    if not os.path.exists(corpus):
        with gzip.open(os.path.join(src, "corpus.jsonl.gz"), "rt", encoding="utf-8") as f, open(corpus + ".part", "w", encoding="utf-8") as o:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    o.write(json.dumps({"id": str(d["_id"]), "contents": d.get("title", "") + " " + d.get("text", "")}, ensure_ascii=False) + "\n")
        os.replace(corpus + ".part", corpus)
    tsv = os.path.join(out, "topics.tsv")
    with gzip.open(os.path.join(src, "topics.beir-v1.0.0-scifact.test.tsv.gz"), "rt", encoding="utf-8") as f, open(tsv, "w", encoding="utf-8") as o:
        o.write(f.read())
    return {"beir": os.path.join(src, "corpus.jsonl.gz"), "anserini": os.path.dirname(corpus), "topics": tsv}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--jar", required=True)
    ap.add_argument("--sizes", default="100000,300000,all")
    ap.add_argument("--queries", type=int, default=1000)
    a = ap.parse_args()
    enwiki = os.path.join(a.corpora, "enwiki-paragraphs")
    if not os.path.isdir(enwiki):
        sys.exit(f"{enwiki}: not found (--corpora or QUARRY_CORPORA)")
    parts = os.path.join(a.work, "enwiki-parts")
    counts = convert_enwiki(enwiki, parts)
    slices = [make_slice(parts, counts, s.strip(), os.path.join(a.work, "slices")) for s in a.sizes.split(",")]
    print(json.dumps({"slices": slices, "topics": topics(a.jar, a.queries, os.path.join(a.work, "topics.tsv")),
                      "scifact": scifact(a.corpora, a.work)}))


if __name__ == "__main__":
    main()
