#!/usr/bin/env python3
"""Tiny trained T5 models and their reference outputs, for the Swift T5 / Fusion-in-Decoder parity tests.

No pretrained T5 weights are reachable here, so this builds two small T5s with `transformers` —
t5 v1.0 (ReLU feed-forward, embeddings tied to the output head, which scales by d_model^-0.5) and
t5 v1.1 / flan-t5 (gated-GELU, untied head) — with the project's test SentencePiece vocabulary
(Tests/Fixtures/neural/t5-spm), trains each for a few hundred steps on a copy task over text from the
shared collections so that their logits are far from flat, saves them in Hugging Face format, and records
for fixed inputs: encoder states, teacher-forced decoder logits, greedy and beam-search outputs (with the
top-2 logit margin at every step, so ties cannot make the tests flaky), and a Fusion-in-Decoder case
(several passages encoded apart, their states concatenated, decoded over all of them).

The v1.1 model is also written in bfloat16 and as a sharded checkpoint (model-0000N-of-0000M.safetensors
with its index), the forms real flan-t5 checkpoints come in.

    pip install torch==2.13.0+cpu "transformers==4.46.3" sentencepiece safetensors
    python3 tools/neural/make_t5_reference.py            # writes Tests/Fixtures/neural/t5/

transformers 4.x on purpose: 5.x always ties the output head to the embeddings, also for t5 v1.1,
while real flan-t5 checkpoints carry their own lm_head.weight.

Deterministic: fixed seeds, one thread.
"""
import gzip
import json
import os
import random
import sys

import torch
from transformers import T5Config, T5ForConditionalGeneration, T5TokenizerFast
from transformers.modeling_outputs import BaseModelOutput

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPORA = os.environ.get("QUARRY_CORPORA", os.path.join(ROOT, "..", "shared", "corpora"))
SPM = os.path.join(ROOT, "Tests", "Fixtures", "neural", "t5-spm")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "neural", "t5")

torch.manual_seed(0)
random.seed(0)
torch.set_num_threads(1)


def passages(n):
    """SciFact abstracts' first sentences, deterministic."""
    out = []
    with gzip.open(os.path.join(CORPORA, "scifact", "corpus.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"].strip()
            if len(text) > 40:
                out.append(text[:300])
            if len(out) >= n:
                break
    return out


def build(variant, vocab):
    common = dict(vocab_size=vocab, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2, num_heads=4,
                  relative_attention_num_buckets=32, relative_attention_max_distance=128, dropout_rate=0.0,
                  layer_norm_epsilon=1e-6, initializer_factor=1.0, pad_token_id=0, eos_token_id=1,
                  decoder_start_token_id=0)
    if variant == "v1_0":
        cfg = T5Config(feed_forward_proj="relu", tie_word_embeddings=True, **common)
    else:
        cfg = T5Config(feed_forward_proj="gated-gelu", tie_word_embeddings=False, **common)
    return T5ForConditionalGeneration(cfg)


def train(model, tok, texts, steps=400):
    """Copy task: the target is the first tokens of the source."""
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(steps):
        batch = random.sample(texts, 16)
        enc = tok(batch, max_length=32, truncation=True, padding=True, return_tensors="pt")
        labels = tok(batch, max_length=12, truncation=True, padding=True, return_tensors="pt").input_ids
        labels[labels == 0] = -100
        loss = model(input_ids=enc.input_ids, attention_mask=enc.attention_mask, labels=labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"  step {step} loss {loss.item():.3f}", file=sys.stderr)
    model.eval()


def margins(scores):
    """Smallest top-2 gap of each step's scores (for greedy: the logits)."""
    out = []
    for s in scores:
        top = torch.topk(s[0].float(), 2).values
        out.append(float(top[0] - top[1]))
    return out


def flat(t):
    return [round(float(x), 7) for x in t.reshape(-1).tolist()]


@torch.no_grad()
def reference(model, tok, inputs, targets, fid_query, fid_passages):
    cases = []
    for text, target in zip(inputs, targets):
        enc = tok([text], max_length=48, truncation=True, return_tensors="pt")
        tgt = tok([target], max_length=12, truncation=True, return_tensors="pt").input_ids
        states = model.encoder(input_ids=enc.input_ids, attention_mask=enc.attention_mask).last_hidden_state
        decoder_in = model._shift_right(tgt)
        logits = model(input_ids=enc.input_ids, attention_mask=enc.attention_mask, decoder_input_ids=decoder_in).logits
        greedy = model.generate(input_ids=enc.input_ids, attention_mask=enc.attention_mask, max_new_tokens=16,
                                do_sample=False, num_beams=1, output_scores=True, return_dict_in_generate=True)
        beam = model.generate(input_ids=enc.input_ids, attention_mask=enc.attention_mask, max_new_tokens=16,
                              do_sample=False, num_beams=4, early_stopping=False, length_penalty=1.0,
                              num_return_sequences=1, output_scores=True, return_dict_in_generate=True)
        cases.append({
            "input": text, "inputIds": enc.input_ids[0].tolist(),
            "encoderShape": list(states.shape[1:]), "encoderStates": flat(states[0]),
            "decoderInputIds": decoder_in[0].tolist(), "logitsShape": list(logits.shape[1:]), "logits": flat(logits[0]),
            "greedy": greedy.sequences[0].tolist(), "greedyMargins": margins(greedy.scores),
            "beam4": beam.sequences[0].tolist(), "beam4Score": float(beam.sequences_scores[0]),
        })
    # Fusion-in-Decoder: each "question: q context: p" encoded apart, states and masks concatenated.
    texts = [f"question: {fid_query} context: {p}" for p in fid_passages]
    enc = tok(texts, max_length=40, truncation=True, padding="max_length", return_tensors="pt")
    states = model.encoder(input_ids=enc.input_ids, attention_mask=enc.attention_mask).last_hidden_state
    n, length, d = states.shape
    fused = states.reshape(1, n * length, d)
    mask = enc.attention_mask.reshape(1, n * length)
    out = model.generate(encoder_outputs=BaseModelOutput(last_hidden_state=fused), attention_mask=mask,
                         max_new_tokens=16, do_sample=False, num_beams=1, output_scores=True, return_dict_in_generate=True)
    first = model(encoder_outputs=BaseModelOutput(last_hidden_state=fused), attention_mask=mask,
                  decoder_input_ids=out.sequences[:, :-1] if out.sequences.shape[1] > 1 else out.sequences).logits
    fid = {"query": fid_query, "passages": fid_passages, "inputIds": enc.input_ids.tolist(),
           "attentionMask": enc.attention_mask.tolist(), "greedy": out.sequences[0].tolist(),
           "greedyMargins": margins(out.scores), "logitsShape": list(first.shape[1:]), "logits": flat(first[0])}
    return {"cases": cases, "fid": fid}


def main():
    if not os.path.exists(os.path.join(SPM, "spiece.model")):
        sys.exit(f"missing {SPM}/spiece.model (tools/neural/train_t5_spm.py makes it)")
    tok = T5TokenizerFast.from_pretrained(SPM)
    texts = passages(1200)
    train_texts, held = texts[:1100], texts[1100:]
    inputs = held[:4]
    targets = held[:4]
    fid_query = held[4][:60]
    fid_passages = held[5:9]
    os.makedirs(OUT, exist_ok=True)
    for variant in ["v1_0", "v1_1"]:
        print(f"t5 {variant}", file=sys.stderr)
        torch.manual_seed(1)
        model = build(variant, len(tok))
        train(model, tok, train_texts)
        d = os.path.join(OUT, f"tiny-t5-{variant}")
        model.save_pretrained(d, safe_serialization=True)
        if variant == "v1_1":  # one copy of the tokenizer, so the directory is a complete checkpoint
            tok.save_pretrained(d)
        ref = reference(model, tok, inputs, targets, fid_query, fid_passages)
        with gzip.open(os.path.join(OUT, f"reference-{variant}.json.gz"), "wt", encoding="utf-8") as f:
            json.dump(ref, f)
        worst = min(min(c["greedyMargins"]) for c in ref["cases"])
        print(f"  smallest greedy top-2 margin {worst:.4f}", file=sys.stderr)
        if variant == "v1_1":  # the sharded copy first: it must hold the float32 weights
            model.save_pretrained(os.path.join(OUT, "tiny-t5-v1_1-sharded"), safe_serialization=True, max_shard_size="200KB")
            model.to(torch.bfloat16).save_pretrained(os.path.join(OUT, "tiny-t5-v1_1-bf16"), safe_serialization=True)


if __name__ == "__main__":
    main()
