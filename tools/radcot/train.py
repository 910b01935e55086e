#!/usr/bin/env python3
"""Train a RADCoT student: a T5 read as Fusion-in-Decoder on the records `quarry distill radcot-data`
writes ({"qid","query","target","ctxs":[{"id","title","text","score"}]}), with the paper's objective
(teacher-forced cross-entropy on the teacher's text) and AdamW. Exports a Hugging Face directory the
`radcot` expander loads directly (config.json, model.safetensors, spiece.model).

No pretrained T5 is reachable here: the student starts from a config (random weights) with its own
SentencePiece unigram vocabulary trained on the records' teacher text, queries and passages. Every number
made with it must say so.

The encoder inputs are built exactly as the Swift expander builds them (Plugins/RADCoT/RADCoTPrompt.swift):
the paper's template per passage, a passage being "title text", runs of whitespace collapsed to one space,
each input cut to --max-source-tokens tokens with </s> last; no passages: one input with an empty passage.

    python3 tools/radcot/train.py --train TRAIN.jsonl --heldout HELD.jsonl --out DIR [--passages 10] [--steps 2000] ...

Writes into DIR: the model, metrics.json (config, the held-out loss curve, ROUGE-L and exact match of
greedy outputs against the teacher), predictions.jsonl (the held-out greedy outputs: qid, text, ids).
Needs torch, transformers 4.x (tested 4.46.3: 5.x handles T5's head tying differently), sentencepiece.
"""
import argparse
import json
import math
import os
import random
import re
import sys
import tempfile
import time

PAPER_PROMPT = "Answer the following question {query} based on the given passage {passage} Give the rationale before answering"
# Swift's Character.isWhitespace (Unicode White_Space), which RADCoTPrompt splits on.
WHITESPACE = re.compile("[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


def collapse(text):
    return " ".join(t for t in WHITESPACE.split(text) if t)


def sources(template, query, ctxs, passages):
    texts = [(c.get("title") + " " + c["text"]) if c.get("title") else c["text"] for c in ctxs[:passages]]
    return [collapse(template.replace("{query}", query).replace("{passage}", p)) for p in (texts or [""])]


def read_records(path, limit=None):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            r = json.loads(line)
            for key in ("qid", "query", "target", "ctxs"):
                if key not in r:
                    sys.exit(f"{path}:{n}: record has no {key!r}")
            out.append(r)
            if limit and len(out) == limit:
                break
    return out


def train_vocab(records, out_dir, vocab_size, template, passages):
    import sentencepiece as spm
    lines = []
    for r in records:
        lines.append(collapse(r["target"]))
        lines.extend(sources(template, r["query"], r["ctxs"], passages))
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "train.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("\n".join(l for l in lines if l) + "\n")
        prefix = os.path.join(tmp, "spiece")
        # T5's conventions: pad 0, </s> 1, unk 2, no bos; nmt_nfkc normalisation; deterministic.
        spm.SentencePieceTrainer.train(
            input=text, model_prefix=prefix, model_type="unigram", vocab_size=vocab_size,
            pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>",
            byte_fallback=False, normalization_rule_name="nmt_nfkc", num_threads=1, shuffle_input_sentence=False,
            input_sentence_size=0, max_sentence_length=65536, minloglevel=2, hard_vocab_limit=False)
        with open(prefix + ".model", "rb") as f:
            model = f.read()
    with open(os.path.join(out_dir, "spiece.model"), "wb") as f:
        f.write(model)
    return spm.SentencePieceProcessor(model_proto=model)


def encode(sp, text, max_tokens):
    """Token ids with </s> last, cut to max_tokens (as Hugging Face's T5 tokenizer truncates)."""
    ids = sp.encode(text)[: max_tokens - 1]
    return ids + [1]


def rouge_l(pred, ref):
    a, b = pred.lower().split(), ref.lower().split()
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, r = lcs / len(a), lcs / len(b)
    return 2 * p * r / (p + r)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--heldout", required=True, help="held-out records (the training file itself for an overfit check)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--limit", type=int, help="use only the first N training records")
    ap.add_argument("--heldout-limit", type=int, default=200)
    ap.add_argument("--prompt-file", help="template with {query} and {passage} (default: the paper's)")
    ap.add_argument("--passages", type=int, default=10, help="passages per query in training (the paper: 10)")
    ap.add_argument("--max-source-tokens", type=int, default=300)
    ap.add_argument("--max-target-tokens", type=int, default=64)
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--d-ff", type=int, default=1024)
    ap.add_argument("--d-kv", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--grad-accum", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--decay", action="store_true", help="decay the learning rate linearly to 0 over --steps")
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--clip", type=float, default=0.0, help="clip the gradient norm to this (0, the default: no clipping)")
    ap.add_argument("--warmup", type=int, default=0, help="raise the learning rate linearly over this many steps")
    ap.add_argument("--stop-when-exact", action="store_true",
                    help="at each evaluation also decode the held-out records greedily; stop once all equal their targets")
    ap.add_argument("--steps", type=int, default=1000, help="optimizer steps")
    ap.add_argument("--time-budget", type=float, help="stop after this many minutes of training (then evaluate and export)")
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--device", default="cuda" if os.environ.get("CUDA_VISIBLE_DEVICES") else "cpu")
    ap.add_argument("--max-new-tokens", type=int, help="greedy length on the held-out set (default: --max-target-tokens)")
    a = ap.parse_args()

    import torch
    from transformers import T5Config, T5ForConditionalGeneration
    from transformers.modeling_outputs import BaseModelOutput

    torch.manual_seed(a.seed)
    random.seed(a.seed)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    template = open(a.prompt_file, encoding="utf-8").read().strip() if a.prompt_file else PAPER_PROMPT
    train = read_records(a.train, a.limit)
    held = read_records(a.heldout, a.heldout_limit)
    sp = train_vocab(train, a.out, a.vocab_size, template, a.passages)
    vocab = sp.get_piece_size() + 100  # + T5's 100 sentinels, as the Swift tokenizer adds them to spiece.model
    cfg = T5Config(vocab_size=vocab, d_model=a.d_model, d_kv=a.d_kv, d_ff=a.d_ff, num_layers=a.layers, num_decoder_layers=a.layers,
                   num_heads=a.heads, feed_forward_proj="gated-gelu", tie_word_embeddings=True, dropout_rate=a.dropout,
                   decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    model = T5ForConditionalGeneration(cfg).to(a.device)
    params = sum(p.numel() for p in model.parameters())
    print(f"student: {params / 1e6:.1f}M parameters (not pretrained), vocab {vocab}", file=sys.stderr)

    def batch(records):
        n = max(1, min(a.passages, max(len(r["ctxs"]) for r in records)))
        srcs = [[encode(sp, s, a.max_source_tokens) for s in sources(template, r["query"], r["ctxs"], a.passages)] for r in records]
        length = max(len(s) for group in srcs for s in group)
        ids = torch.zeros(len(records), n, length, dtype=torch.long)
        mask = torch.zeros(len(records), n, length, dtype=torch.long)
        for i, group in enumerate(srcs):
            for j, s in enumerate(group):
                ids[i, j, : len(s)] = torch.tensor(s)
                mask[i, j, : len(s)] = 1
        targets = [encode(sp, collapse(r["target"]), a.max_target_tokens) for r in records]
        tl = max(len(t) for t in targets)
        labels = torch.full((len(records), tl), -100, dtype=torch.long)
        for i, t in enumerate(targets):
            labels[i, : len(t)] = torch.tensor(t)
        return ids.to(a.device), mask.to(a.device), labels.to(a.device)

    def encode_fid(ids, mask):
        b, n, l = ids.shape
        states = model.encoder(input_ids=ids.view(b * n, l), attention_mask=mask.view(b * n, l)).last_hidden_state
        return BaseModelOutput(last_hidden_state=states.view(b, n * l, -1)), mask.view(b, n * l)

    def loss_of(records):
        ids, mask, labels = batch(records)
        enc, m = encode_fid(ids, mask)
        return model(encoder_outputs=enc, attention_mask=m, labels=labels).loss

    def heldout_loss():
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(held), 8):
                chunk = held[i: i + 8]
                total += loss_of(chunk).item() * len(chunk)
                count += len(chunk)
        model.train()
        return total / count

    def greedy_predictions():
        """Greedy outputs on the held-out records, as the Swift expander decodes (no length penalty, stop at </s>)."""
        max_new = a.max_new_tokens or a.max_target_tokens
        was_training = model.training
        model.eval()
        preds = []
        with torch.no_grad():
            for r in held:
                ids, mask, _ = batch([r])
                enc, m = encode_fid(ids, mask)
                out = model.generate(encoder_outputs=enc, attention_mask=m, max_new_tokens=max_new, num_beams=1, do_sample=False)
                tokens = out[0].tolist()
                # As the Swift tokenizer decodes: pad and </s> dropped, <unk> shown as sentencepiece shows it (⁇).
                text = sp.decode([t for t in tokens if t > 1 and t < sp.get_piece_size()])
                target = sp.decode(encode(sp, collapse(r["target"]), a.max_target_tokens)[:-1])
                preds.append({"qid": r["qid"], "text": text, "ids": tokens, "target": target, "rougeL": rouge_l(text, target)})
        if was_training:
            model.train()
        return preds

    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    def lr_factor(s):
        warm = min(1.0, (s + 1) / a.warmup) if a.warmup else 1.0
        return warm * (max(0.0, 1 - s / a.steps) if a.decay else 1.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    order, pos, curve = [], 0, []
    model.train()
    start = time.time()
    for step in range(1, a.steps + 1):
        opt.zero_grad()
        total = 0.0
        for _ in range(a.grad_accum):
            if pos + a.batch_size > len(order):
                order = list(range(len(train)))
                random.shuffle(order)
                pos = 0
            chunk = [train[i] for i in order[pos: pos + a.batch_size]]
            pos += a.batch_size
            loss = loss_of(chunk) / a.grad_accum
            loss.backward()
            total += loss.item()
        if a.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        schedule.step()
        out_of_time = a.time_budget is not None and time.time() - start > 60 * a.time_budget
        if step % a.eval_every == 0 or step == a.steps or out_of_time:
            hl = heldout_loss()
            point = {"step": step, "train_loss": total, "heldout_loss": hl, "seconds": round(time.time() - start, 1)}
            if a.stop_when_exact:
                point["heldout_exact"] = sum(p["text"] == p["target"] for p in greedy_predictions())
            curve.append(point)
            exact_note = f", exact {point['heldout_exact']}/{len(held)}" if a.stop_when_exact else ""
            print(f"step {step}: train loss {total:.4f}, held-out loss {hl:.4f}{exact_note} ({time.time() - start:.0f} s)", file=sys.stderr)
            if a.stop_when_exact and point["heldout_exact"] == len(held):
                print(f"every held-out record decoded exactly at step {step}", file=sys.stderr)
                break
        if out_of_time:
            print(f"time budget of {a.time_budget} minutes reached at step {step}", file=sys.stderr)
            break

    model.eval()
    model.save_pretrained(a.out, safe_serialization=True)

    preds = greedy_predictions()
    rouge = [p["rougeL"] for p in preds]
    exact = sum(p["text"] == p["target"] for p in preds)
    with open(os.path.join(a.out, "predictions.jsonl"), "w", encoding="utf-8") as f:
        for p in preds:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    metrics = {
        "pretrained": False,
        "parameters": params,
        "train_records": len(train), "heldout_records": len(held),
        "args": vars(a),
        "curve": curve,
        "steps_done": curve[-1]["step"] if curve else 0,
        "examples_seen": (curve[-1]["step"] if curve else 0) * a.batch_size * a.grad_accum,
        "heldout_rougeL": sum(rouge) / len(rouge),
        "heldout_exact": exact / len(held),
        "transformers": __import__("transformers").__version__, "torch": torch.__version__,
    }
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(f"held-out ROUGE-L {metrics['heldout_rougeL']:.4f}, exact {exact}/{len(held)} → {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
