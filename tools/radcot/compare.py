#!/usr/bin/env python3
"""Check a trained student in Swift against PyTorch and the teacher, on the records train.py evaluated.

1. Token for token: `quarry generate --passages` on the records' own passages (the ones
   `quarry distill radcot-data` retrieved), in the prompt train.py used, against train.py's
   predictions.jsonl (PyTorch greedy ids).
2. Through the expander: `quarry run --expander radcot` retrieves the passages itself from --index; its
   rationale (from --save-queries) against PyTorch's text and against the teacher's text cut to the
   trained target length (the overfit check: a student trained to memorise must write it back exactly).

    python3 tools/radcot/compare.py --model DIR --records HELD.jsonl --index IDX [--passages 10]
        [--max-source-tokens 300] [--max-new-tokens 64] [--quarry .build/release/quarry] [--work DIR]

Prints one JSON object with the counts; exit status 1 if PyTorch and Swift disagree anywhere.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import PAPER_PROMPT, collapse, read_records  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--records", required=True)
    ap.add_argument("--index", required=True)
    ap.add_argument("--passages", type=int, default=10)
    ap.add_argument("--max-source-tokens", type=int, default=300)
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--quarry", default=os.path.join(ROOT, ".build", "release", "quarry"))
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "radcot-compare"))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)

    records = read_records(a.records, a.limit)
    preds = {}
    with open(os.path.join(a.model, "predictions.jsonl"), encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            preds[p["qid"]] = p
    records = [r for r in records if r["qid"] in preds]
    if not records:
        sys.exit("no record has a prediction in the model's predictions.jsonl")

    # 1. quarry generate on the records' own passages.
    inputs = os.path.join(a.work, "queries.txt")
    passages = os.path.join(a.work, "passages.jsonl")
    with open(inputs, "w", encoding="utf-8") as qi, open(passages, "w", encoding="utf-8") as pi:
        for r in records:
            qi.write(collapse(r["query"]) + "\n")
            texts = [(c["title"] + " " + c["text"]) if c.get("title") else c["text"] for c in r["ctxs"][: a.passages]]
            pi.write(json.dumps(texts or [""], ensure_ascii=False) + "\n")
    out = os.path.join(a.work, "generated.jsonl")
    subprocess.run([a.quarry, "generate", "--model", a.model, "--input", inputs, "--passages", passages, "--template", PAPER_PROMPT,
                    "--max-source-tokens", str(a.max_source_tokens), "--max-new-tokens", str(a.max_new_tokens),
                    "--threads", str(a.threads), "--output", out], check=True)
    ids_equal = 0
    mismatches = []
    with open(out, encoding="utf-8") as f:
        for r, line in zip(records, f):
            g = json.loads(line)
            if g["ids"] == preds[r["qid"]]["ids"]:
                ids_equal += 1
            else:
                mismatches.append(r["qid"])

    # 2. The expander, retrieving for itself.
    topics = os.path.join(a.work, "topics.tsv")
    with open(topics, "w", encoding="utf-8") as f:
        for r in records:
            f.write(f"{r['qid']}\t{collapse(r['query'])}\n")
    saved = os.path.join(a.work, "radcot.queries.jsonl")
    subprocess.run([a.quarry, "run", "--index", a.index, "--topics", topics, "--output", os.path.join(a.work, "radcot.run"),
                    "--save-queries", saved, "--expander", "radcot", "--set", f"radcot.model={a.model}",
                    "--set", f"radcot.passages={a.passages}", "--set", f"radcot.maxPassageTokens={a.max_source_tokens}",
                    "--set", f"radcot.maxNewTokens={a.max_new_tokens}", "--threads", str(a.threads)], check=True)
    plugin = {}
    with open(saved, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            plugin[s["qid"]] = s.get("expansion", "")
    same_as_torch = sum(plugin.get(r["qid"]) == preds[r["qid"]]["text"] for r in records)
    same_as_teacher = sum(plugin.get(r["qid"]) == preds[r["qid"]]["target"] for r in records)
    result = {"records": len(records), "generate_ids_equal_pytorch": ids_equal, "mismatched_qids": mismatches[:10],
              "plugin_text_equal_pytorch": same_as_torch, "plugin_text_equal_teacher": same_as_teacher}
    print(json.dumps(result, indent=2))
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
