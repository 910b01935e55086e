#!/usr/bin/env python3
"""Turns the field benchmark's raw records (OUT/raw/) into OUT/results.md (tables, targets, machine facts)
and the scaling plots OUT/indexing.svg, OUT/index-size.svg, OUT/search.svg. Needs only the raw files, so
the report can be remade without measuring again:

    report.py --out docs/benchmarks

Medians over repeats; peak RSS is the largest of the repeats. A ratio is Quarry's speed over the peer's
(above 1: Quarry faster) and, for sizes and memory, Quarry's over the peer's (below 1: Quarry smaller).
"""
import argparse
import json
import os
import statistics
from collections import defaultdict

NAMES = {"quarry": "Quarry", "anserini": "Anserini", "bm25s": "bm25s"}


def load_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_json(path):
    return json.load(open(path, encoding="utf-8")) if os.path.exists(path) else None


def group(records, *keys):
    out = defaultdict(list)
    for r in records:
        out[tuple(r[k] for k in keys)].append(r)
    return out


def fmt(x, digits=0):
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    return f"{a / b:.2f}×" if a is not None and b else "—"


def mb(x):
    return None if x is None else x / 1e6


def slice_label(n):
    return f"{n:,}"


class Report:
    def __init__(self, out):
        self.out = out
        raw = os.path.join(out, "raw")
        self.facts = load_json(os.path.join(raw, "facts.json")) or {}
        self.index = load_jsonl(os.path.join(raw, "index.jsonl"))
        self.search = load_jsonl(os.path.join(raw, "search.jsonl"))
        self.rm3 = load_jsonl(os.path.join(raw, "rm3.jsonl"))
        self.e2e = load_jsonl(os.path.join(raw, "e2e.jsonl"))
        self.scifact = load_jsonl(os.path.join(raw, "scifact.jsonl"))
        self.neural = load_json(os.path.join(raw, "neural.json"))
        self.serve = load_json(os.path.join(raw, "serve.json"))
        self.sanity = load_json(os.path.join(raw, "sanity.json"))
        self.targets = []  # (target, where, measured, met)
        self.lines = []

    def w(self, line=""):
        self.lines.append(line)

    # ------------------------------------------------------------------ medians
    def index_stats(self):
        """(documents, threads, engine) → docs/s at the median time, median size, peak RSS."""
        out = {}
        for (docs, threads, engine), rs in group(self.index, "documents", "threads", "engine").items():
            seconds = statistics.median(r["seconds"] for r in rs)
            out[(docs, threads, engine)] = {
                "docsPerSecond": docs / seconds, "bytes": statistics.median(r["bytes"] for r in rs),
                "bytesWithoutText": statistics.median(r["bytesWithoutText"] for r in rs) if "bytesWithoutText" in rs[0] else None,
                "rssMB": max(r["rssMB"] for r in rs), "repeats": len(rs),
                "cpuSeconds": statistics.median(r["cpuSeconds"] for r in rs) if all("cpuSeconds" in r for r in rs) else None}
        return out

    @staticmethod
    def phase_stats(records, *keys):
        return {k: rs[0] for k, rs in group(records, *keys).items()}

    @staticmethod
    def command_stats(records, *keys):
        out = {}
        for k, rs in group(records, *keys).items():
            seconds = statistics.median(r["seconds"] for r in rs)
            out[k] = {"seconds": seconds, "queriesPerSecond": rs[0]["queries"] / seconds, "rssMB": max(r["rssMB"] for r in rs), "repeats": len(rs)}
        return out

    def load_note(self, records):
        """The machine's 1-minute load average when these measurements started (2 cores: above 2, others were running)."""
        loads = [r["load1"] for r in records if "load1" in r]
        if loads:
            self.w()
            self.w(f"1-minute load average when these measurements started: {min(loads):.1f}–{max(loads):.1f} "
                   f"(median {statistics.median(loads):.1f}) on {self.facts.get('cores', '?')} cores; the benchmark's own previous "
                   "command counts for up to its thread count of that, the rest is other work on the machine.")

    def target(self, what, where, value, met):
        self.targets.append((what, where, value, "met" if met else "**not met**"))

    # ------------------------------------------------------------------ sections
    def indexing(self):
        if not self.index:
            return
        st = self.index_stats()
        docs_list = sorted({k[0] for k in st})
        threads_list = sorted({k[1] for k in st})
        g = lambda d, t, e, f: st.get((d, t, e), {}).get(f)
        self.w("## Indexing the Wikipedia paragraphs")
        self.w()
        self.w("Documents per second of the whole command (start-up, reading, analysis, writing, closing); bm25s tokenizes "
               "and indexes on one thread, so it has no 2-thread figure.")
        self.w()
        self.w("| documents | threads | Quarry docs/s | Anserini docs/s | bm25s docs/s | Quarry ÷ Anserini | Quarry ÷ bm25s |")
        self.w("|---:|---:|---:|---:|---:|---:|---:|")
        for d in docs_list:
            for t in threads_list:
                q, a, b = (g(d, t, e, "docsPerSecond") for e in ("quarry", "anserini", "bm25s"))
                self.w(f"| {slice_label(d)} | {t} | {fmt(q)} | {fmt(a)} | {fmt(b)} | {ratio(q, a)} | {ratio(q, b)} |")
                if q and a:
                    self.target("indexing docs/s ≥ Anserini's", f"{slice_label(d)} docs, {t} thread{'s' if t > 1 else ''}", ratio(q, a), q >= a)
        if any(v.get("cpuSeconds") for v in st.values()):
            self.w()
            self.w("The same builds in CPU time (user + system seconds of all the process's threads): documents per CPU-second. "
                   "A JVM runs its compiler, garbage collector and Lucene's segment merges on threads of their own, so "
                   "Anserini with `-threads 1` keeps more than one core busy; this is the cost per document when cores are the limit.")
            self.w()
            self.w("| documents | threads | Quarry CPU s | Anserini CPU s | Quarry docs/CPU-s | Anserini docs/CPU-s | Quarry ÷ Anserini |")
            self.w("|---:|---:|---:|---:|---:|---:|---:|")
            for d in docs_list:
                for t in threads_list:
                    qc, ac = g(d, t, "quarry", "cpuSeconds"), g(d, t, "anserini", "cpuSeconds")
                    qd, ad = (d / qc if qc else None), (d / ac if ac else None)
                    self.w(f"| {slice_label(d)} | {t} | {fmt(qc, 1)} | {fmt(ac, 1)} | {fmt(qd)} | {fmt(ad)} | {ratio(qd, ad)} |")
        self.w()
        self.w("Index size on disk (all files, apparent bytes) and the peak resident memory of the indexing process. "
               "Stored: Quarry keeps each document's id, title and text (Xapian document data; the text compressed with zstd "
               "against a dictionary trained on the collection), its term list (document vector, for RM3) and no positions, "
               "in a compacted Xapian database; Anserini runs with `-storeContents -storeDocvectors` "
               "(the text, term vectors, no positions); bm25s saves its precomputed score matrix and vocabulary "
               "(in brackets) and, to hold the same text, the corpus (`save(corpus=…)`).")
        self.w()
        self.w("| documents | threads | Quarry MB | Anserini MB | bm25s MB (index only) | Quarry ÷ Anserini | peak RSS MB Quarry / Anserini / bm25s | Quarry RSS ÷ Anserini |")
        self.w("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for d in docs_list:
            for t in threads_list:
                q, a, b = (mb(g(d, t, e, "bytes")) for e in ("quarry", "anserini", "bm25s"))
                bi = mb(g(d, t, "bm25s", "bytesWithoutText"))
                rq, ra, rb = (g(d, t, e, "rssMB") for e in ("quarry", "anserini", "bm25s"))
                bcell = f"{fmt(b)} ({fmt(bi)})" if b else "—"
                self.w(f"| {slice_label(d)} | {t} | {fmt(q)} | {fmt(a)} | {bcell} | {ratio(q, a)} | {fmt(rq)} / {fmt(ra)} / {fmt(rb)} | {ratio(rq, ra)} |")
                if q and a:
                    self.target("index size ≤ Anserini's (same content)", f"{slice_label(d)} docs, {t} thread{'s' if t > 1 else ''}", ratio(q, a), q <= a)
                if rq and ra:
                    self.target("peak RSS < Anserini's", f"indexing {slice_label(d)}, {t} thread{'s' if t > 1 else ''}", ratio(rq, ra), rq < ra)
        if len(docs_list) > 1:
            lo, hi = docs_list[0], docs_list[-1]
            parts = []
            for e in ("quarry", "anserini", "bm25s"):
                for t in threads_list:
                    a, b = g(lo, t, e, "docsPerSecond"), g(hi, t, e, "docsPerSecond")
                    if a and b:
                        parts.append(f"{NAMES[e]} {t}t {b / a:.2f}")
            self.w()
            self.w(f"Scaling (docs/s at {slice_label(hi)} ÷ docs/s at {slice_label(lo)}; 1.00 is linear, above 1 where start-up weighs on the small slice): " + ", ".join(parts) + ".")
        self.load_note(self.index)
        self.w()

    def searching(self):
        if not self.search:
            return
        st = self.phase_stats(self.search, "documents", "k", "threads", "engine")
        docs_list = sorted({k[0] for k in st})
        self.w("## BM25 search")
        self.w()
        q = self.search[0]["queries"]
        self.w(f"Queries per second of the search phase: the index opened once, one untimed warm-up pass over the {q:,} "
               "MS MARCO dev queries, then timed passes (the median; each query once per pass). Anserini searches through "
               "`SimpleSearcher.batch_search` (what Pyserini calls), which also loads each hit's stored document for its id.")
        self.w()
        self.w("| documents | k | threads | Quarry q/s | Anserini q/s | bm25s q/s | Quarry ÷ Anserini | Quarry ÷ bm25s | peak RSS MB Quarry / Anserini / bm25s |")
        self.w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for d in docs_list:
            for k in (10, 1000):
                for t in sorted({key[2] for key in st}):
                    g = lambda e, f: st.get((d, k, t, e), {}).get(f)
                    qq, a, b = g("quarry", "queriesPerSecond"), g("anserini", "queriesPerSecond"), g("bm25s", "queriesPerSecond")
                    if qq is None and a is None:
                        continue
                    self.w(f"| {slice_label(d)} | {k} | {t} | {fmt(qq)} | {fmt(a)} | {fmt(b)} | {ratio(qq, a)} | {ratio(qq, b)} | "
                           f"{fmt(g('quarry', 'rssMB'))} / {fmt(g('anserini', 'rssMB'))} / {fmt(g('bm25s', 'rssMB'))} |")
                    if d == docs_list[-1] and qq and a:
                        self.target("BM25 q/s ≥ 1.5× Anserini's", f"k = {k}, {t} thread{'s' if t > 1 else ''}, {slice_label(d)} docs", ratio(qq, a), qq >= 1.5 * a)
                    rq, ra = g("quarry", "rssMB"), g("anserini", "rssMB")
                    if d == docs_list[-1] and rq and ra:
                        self.target("peak RSS < Anserini's", f"BM25 search k = {k}, {t} thread{'s' if t > 1 else ''}", ratio(rq, ra), rq < ra)
        self.load_note(self.search)
        self.w()
        if self.rm3:
            st = self.phase_stats(self.rm3, "documents", "k", "threads", "engine")
            self.w("BM25 + RM3 (fbDocs 10, fbTerms 10, original query weight 0.5), search phase as above:")
            self.w()
            self.w("| documents | k | threads | Quarry q/s | Anserini q/s | Quarry ÷ Anserini | peak RSS MB Quarry / Anserini |")
            self.w("|---:|---:|---:|---:|---:|---:|---:|")
            for (d, k, t) in sorted({key[:3] for key in st}):
                g = lambda e, f: st.get((d, k, t, e), {}).get(f)
                qq, a = g("quarry", "queriesPerSecond"), g("anserini", "queriesPerSecond")
                self.w(f"| {slice_label(d)} | {k} | {t} | {fmt(qq)} | {fmt(a)} | {ratio(qq, a)} | {fmt(g('quarry', 'rssMB'))} / {fmt(g('anserini', 'rssMB'))} |")
                if qq and a:
                    self.target("RM3 q/s ≥ 2× Anserini's", f"k = {k}, {t} thread{'s' if t > 1 else ''}", ratio(qq, a), qq >= 2 * a)
                rq, ra = g("quarry", "rssMB"), g("anserini", "rssMB")
                if rq and ra:
                    self.target("peak RSS < Anserini's", f"RM3 search, {t} thread{'s' if t > 1 else ''}", ratio(rq, ra), rq < ra)
            self.load_note(self.rm3)
            self.w()

    def end_to_end(self):
        if not self.e2e:
            return
        st = self.command_stats(self.e2e, "pipeline", "k", "threads", "engine")
        d = self.e2e[0]["documents"]
        self.w("## End to end, as a user runs it")
        self.w()
        self.w(f"The whole command over the {self.e2e[0]['queries']:,} queries on the {slice_label(d)}-document index: "
               "`quarry run`, Anserini's `SearchCollection`, and a bm25s script (load, tokenize, retrieve, write the run) — "
               "start-up, loading, searching and writing included. Seconds (median), and speed ratios.")
        self.w()
        self.w("| pipeline | k | threads | Quarry s | Anserini s | bm25s s | Quarry ÷ Anserini | Quarry ÷ bm25s | peak RSS MB Quarry / Anserini / bm25s |")
        self.w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (p, k, t) in sorted({key[:3] for key in st}, key=lambda x: (x[0], x[1], x[2])):
            g = lambda e, f: st.get((p, k, t, e), {}).get(f)
            qs, a, b = g("quarry", "seconds"), g("anserini", "seconds"), g("bm25s", "seconds")
            self.w(f"| {p.upper()} | {k} | {t} | {fmt(qs, 2)} | {fmt(a, 2)} | {fmt(b, 2)} | {ratio(a, qs)} | {ratio(b, qs)} | "
                   f"{fmt(g('quarry', 'rssMB'))} / {fmt(g('anserini', 'rssMB'))} / {fmt(g('bm25s', 'rssMB'))} |")
            rq, ra = g("quarry", "rssMB"), g("anserini", "rssMB")
            if rq and ra:
                self.target("peak RSS < Anserini's", f"end to end {p.upper()} k = {k}, {t} thread{'s' if t > 1 else ''}", ratio(rq, ra), rq < ra)
        self.load_note(self.e2e)
        self.w()

    def scifact_section(self):
        if not self.scifact:
            return
        st = self.command_stats(self.scifact, "pipeline", "threads", "engine")
        n = self.scifact[0]["queries"]
        self.w("## `quarry run` on SciFact, end to end")
        self.w()
        self.w(f"SciFact's {n} test queries, 1,000 hits, `--remove-query` (`-removeQuery`): the whole `quarry run` against the whole "
               "Anserini `SearchCollection` (JVM start-up included), on indexes built with the settings above.")
        self.w()
        self.w("| pipeline | threads | Quarry s | Anserini s | Quarry ÷ Anserini | peak RSS MB Quarry / Anserini |")
        self.w("|---|---:|---:|---:|---:|---:|")
        for (p, t) in sorted({key[:2] for key in st}):
            g = lambda e, f: st.get((p, t, e), {}).get(f)
            qs, a = g("quarry", "seconds"), g("anserini", "seconds")
            self.w(f"| {p.upper()} | {t} | {fmt(qs, 2)} | {fmt(a, 2)} | {ratio(a, qs)} | {fmt(g('quarry', 'rssMB'))} / {fmt(g('anserini', 'rssMB'))} |")
            rq, ra = g("quarry", "rssMB"), g("anserini", "rssMB")
            if rq and ra:
                self.target("peak RSS < Anserini's", f"SciFact `quarry run` {p.upper()}, {t} thread{'s' if t > 1 else ''}", ratio(rq, ra), rq < ra)
        self.load_note(self.scifact)
        self.w()

    def neural_section(self):
        if not self.neural:
            return
        self.w("## Neural costs against PyTorch")
        self.w()
        if "skipped" in self.neural:
            self.w(f"Not measured: {self.neural['skipped']}.")
            self.w()
            return
        self.w(f"`tools/bench/neural.py` ({self.neural['threads']} threads each, medians of {self.neural['repeats']} runs after a warm-up): "
               "all-MiniLM-L6-v2 embeddings (what the `radio` reranker computes per candidate) and a flan-t5-base-shaped "
               "Fusion-in-Decoder pass (what the `radcot` expander runs per query), against sentence-transformers / transformers.")
        self.w()
        self.w("| row | Quarry | PyTorch | Quarry ÷ PyTorch speed | peak RSS MB Quarry / PyTorch |")
        self.w("|---|---:|---:|---:|---:|")
        for r in self.neural["rows"]:
            rss = f"{fmt(r['rssQuarryMB'])} / {fmt(r['rssPyTorchMB'])}" if "rssQuarryMB" in r else ""
            self.w(f"| {r['row']} | {fmt(r['quarry'], 2)} | {fmt(r['pytorch'], 2)} | {r['speedRatio']:.2f}× | {rss} |")
        self.w()

    def serve_section(self):
        self.w("## Server requests per second")
        self.w()
        self.w("`quarry serve` on the largest index under `wrk` on loopback (`tools/bench/serve-load.sh`): POST /search with k = 10, "
               "the 1,000 queries in rotation, BM25 and BM25 + RM3. Neither peer has a search server in the versions compared "
               "(Pyserini 0.21 and bm25s are libraries), so this row has Quarry only.")
        self.w()
        if not self.serve or "skipped" in self.serve:
            reason = self.serve["skipped"] if self.serve else "the serve row was not run"
            self.w(f"Not measured: {reason}. `run.py`'s `serve` row runs `tools/bench/serve-load.sh --quarry Q --index DIR "
                   "--topics FILE --json OUT` when that script exists (or reads `SERVE_LOAD_JSON`), and this table shows its rows.")
            self.w()
            return
        self.w("| pipeline | requests/s | p50 ms | p99 ms | errors | peak RSS MB |")
        self.w("|---|---:|---:|---:|---:|---:|")
        for r in self.serve.get("rows", []):
            self.w(f"| {r.get('pipeline', '')} | {fmt(r.get('requestsPerSecond'))} | {fmt(r.get('p50ms'), 1)} | {fmt(r.get('p99ms'), 1)} | "
                   f"{r.get('errors', '—')} | {fmt(r.get('rssMB'))} |")
        self.w()

    def sanity_section(self):
        if not self.sanity:
            return
        self.w("## Do they return the same hits?")
        self.w()
        s = self.sanity
        parts = []
        for peer, p in s["pairs"].items():
            parts.append(f"against {NAMES[peer]}, the same first hit for {p['sameFirst']:,} of {p['queries']:,} queries, the same top 10 "
                         f"(as a set) for {p['sameTop10Set']:,}, and {p['meanOverlap10']:.1%} of the top 10 in common on average")
        self.w(f"Quarry's BM25 runs (k = 10, 1 thread, the largest slice: {s['slice']}) {'; '.join(parts)}. Quarry and Anserini analyze "
               "alike (same tokenizer, stop words, Porter stemmer; checked term for term in the parity work); their BM25 differ in "
               "the idf formula and in Lucene's one-byte document lengths, so near-ties reorder. bm25s has its own tokenizer, "
               "stop words and PyStemmer's Porter.")
        self.w()

    def targets_section(self):
        if not self.targets:
            return
        self.w("## Targets (issue 8), as measured in this run")
        self.w()
        self.w("| target | where | Quarry ÷ Anserini | |")
        self.w("|---|---|---:|---|")
        for t in self.targets:
            self.w("| " + " | ".join(t) + " |")
        self.w()

    def facts_section(self):
        f = self.facts
        if not f:
            return
        e = f.get("engines", {})
        self.w("## Machine and software")
        self.w()
        self.w(f"- CPU: {f.get('cpu')}, {f.get('cores')} cores{' (AVX2)' if f.get('avx2') else ''}; memory {f.get('memoryGiB')} GiB; "
               f"{f.get('os')}, kernel {f.get('kernel')}")
        self.w(f"- {f.get('swift')}; {f.get('java')}; Python {f.get('python')}")
        q, a, b, t = e.get("quarry", {}), e.get("anserini", {}), e.get("bm25s", {}), e.get("pytorch", {})
        self.w(f"- Quarry {q.get('version')} (commit {q.get('commit')}, release build) on Xapian {q.get('xapian')}; "
               f"Anserini {a.get('version')} ({a.get('jar')}, sha256 {str(a.get('sha256'))[:12]}…, from {a.get('source')}); "
               f"bm25s {b.get('version')} (numba {b.get('numba')}, PyStemmer {b.get('PyStemmer')}, numpy {b.get('numpy')}, "
               f"scipy {b.get('scipy')}); torch {t.get('torch')}, transformers {t.get('transformers')}, "
               f"sentence-transformers {t.get('sentence-transformers')}")
        rows = f.get("rowsMeasured", {})
        self.w(f"- Measured {f.get('started')} to {f.get('finished')}; load average at start "
               f"{fmt(f.get('loadAverageAtStart', [None])[0], 2)}, at end {fmt(f.get('loadAverageAtEnd', [None])[0], 2)}")
        by_command = {}
        for r, d in rows.items():
            if isinstance(d, dict):
                key = (d.get("command") or f.get("command"), d.get("repeats", f.get("repeats")), d.get("indexRepeats", f.get("indexRepeats")))
                by_command.setdefault(key, []).append(f"{r} ({d['started'][11:16]}–{d['finished'][11:16]})")
        for (cmd, rep, irep), names in by_command.items():
            self.w(f"- `{cmd}`: {', '.join(names)}; {rep} repeats or timed passes per figure"
                   + (f", {irep} build per indexing figure" if "index" in " ".join(names) else ""))
        self.w()

    # ------------------------------------------------------------------ plots
    def plots(self):
        import matplotlib
        matplotlib.use("Agg")
        matplotlib.rcParams["svg.hashsalt"] = "quarry-field"
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter
        thousands = FuncFormatter(lambda x, _: f"{x / 1000:.0f}k")
        styles = {"quarry": "tab:blue", "anserini": "tab:orange", "bm25s": "tab:green"}
        meta = {"Date": None}
        made = []
        if self.index:
            st = self.index_stats()
            fig, ax = plt.subplots(figsize=(6.4, 4))
            for e in ("quarry", "anserini", "bm25s"):
                for t in sorted({k[1] for k in st}):
                    pts = sorted((d, v["docsPerSecond"]) for (d, tt, ee), v in st.items() if ee == e and tt == t)
                    if pts:
                        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", color=styles[e],
                                linestyle="-" if t == 1 else "--", label=f"{NAMES[e]}, {t} thread{'s' if t > 1 else ''}")
            ax.set_xlabel("documents indexed")
            ax.xaxis.set_major_formatter(thousands)
            ax.set_ylabel("documents per second")
            ax.set_title("Indexing throughput (Wikipedia paragraphs)")
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
            fig.tight_layout()
            fig.savefig(os.path.join(self.out, "indexing.svg"), metadata=meta)
            plt.close(fig)
            fig, ax = plt.subplots(figsize=(6.4, 4))
            t = min(k[1] for k in st)
            for e in ("quarry", "anserini", "bm25s"):
                pts = sorted((d, v["bytes"] / 1e6) for (d, tt, ee), v in st.items() if ee == e and tt == t)
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", color=styles[e], label=NAMES[e])
            ax.set_xlabel("documents indexed")
            ax.xaxis.set_major_formatter(thousands)
            ax.set_ylabel("index size on disk (MB)")
            ax.set_title("Index size, same stored content")
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
            fig.tight_layout()
            fig.savefig(os.path.join(self.out, "index-size.svg"), metadata=meta)
            plt.close(fig)
            made += ["indexing.svg", "index-size.svg"]
        if self.search:
            st = self.phase_stats(self.search, "documents", "k", "threads", "engine")
            fig, axes = plt.subplots(1, 2, figsize=(10, 4))
            for ax, k in zip(axes, (10, 1000)):
                for e in ("quarry", "anserini", "bm25s"):
                    for t in sorted({key[2] for key in st}):
                        pts = sorted((d, v["queriesPerSecond"]) for (d, kk, tt, ee), v in st.items() if ee == e and tt == t and kk == k)
                        if pts:
                            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", color=styles[e],
                                    linestyle="-" if t == 1 else "--", label=f"{NAMES[e]}, {t} thread{'s' if t > 1 else ''}")
                ax.set_xlabel("documents in the index")
                ax.xaxis.set_major_formatter(thousands)
                ax.set_ylabel("queries per second")
                ax.set_yscale("log")
                ax.set_title(f"BM25 search, k = {k}")
                ax.grid(alpha=0.3, which="both")
            axes[0].legend(fontsize=8)
            fig.tight_layout()
            fig.savefig(os.path.join(self.out, "search.svg"), metadata=meta)
            plt.close(fig)
            made.append("search.svg")
        return made

    def write(self):
        self.w("# Quarry against the field")
        self.w()
        self.w("Generated by `tools/bench/field.sh` (then `tools/bench/field/report.py`) from the records in `raw/`; "
               "docs/benchmarks.md explains each row. Ratios are Quarry ÷ peer for speeds (above 1: Quarry faster) and "
               "for sizes and memory (below 1: Quarry smaller).")
        self.w()
        self.facts_section()
        self.indexing()
        self.searching()
        self.end_to_end()
        self.scifact_section()
        self.neural_section()
        self.serve_section()
        self.sanity_section()
        self.targets_section()
        made = self.plots()
        if made:
            self.w("## Plots")
            self.w()
            for m in made:
                self.w(f"![{m}]({m})")
            self.w()
        with open(os.path.join(self.out, "results.md"), "w", encoding="utf-8") as f:
            f.write("\n".join(self.lines).rstrip("\n") + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(a.out, "raw")):
        raise SystemExit(f"{a.out}/raw: no benchmark records (run tools/bench/field.sh)")
    Report(a.out).write()


if __name__ == "__main__":
    main()
