#!/usr/bin/env python3
"""Train the small T5-style SentencePiece unigram model the neural tests use.

Deterministic: a fixed slice of the shared collections (scifact, MS MARCO DL19 passages, SQuAD contexts,
Wikipedia paragraphs), one training thread, no input shuffling. T5 conventions: pad=0, eos=1 (</s>), unk=2,
no bos, byte fallback off, sentencepiece's default nmt_nfkc normalization.

Writes into Tests/Fixtures/neural/t5-spm/ (or --out):
  spiece.model                       the sentencepiece model
  tokenizer.json, tokenizer_config.json, special_tokens_map.json
                                     transformers' fast T5 tokenizer converted from spiece.model
                                     (100 <extra_id_N> sentinels, as T5 has: <extra_id_0> is the last id),
                                     saved with save_pretrained (transformers 5 no longer writes
                                     special_tokens_map.json; its content is in tokenizer_config.json)

Needs: pip install sentencepiece transformers protobuf tokenizers (no torch).
The committed model is used by the tiny T5 test models too: do not regenerate it without reason.

    python3 tools/neural/train_t5_spm.py [--corpora ../shared/corpora] [--vocab-size 3000]
"""
import argparse, gzip, json, os, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def corpora_dir(arg):
    if arg:
        return arg
    env = os.environ.get("QUARRY_CORPORA")
    return env if env else os.path.normpath(os.path.join(ROOT, "..", "shared", "corpora"))


def training_lines(corpora, per_source):
    """A fixed, ordered slice of each collection (no randomness)."""
    out = []
    with gzip.open(os.path.join(corpora, "scifact", "corpus.jsonl.gz"), "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= per_source:
                break
            d = json.loads(line)
            out.append(d["title"])
            out.append(d["text"])
    with gzip.open(os.path.join(corpora, "msmarco-dl19", "passages.tsv.gz"), "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= per_source:
                break
            out.append(line.rstrip("\n").split("\t", 1)[1])
    with gzip.open(os.path.join(corpora, "squad", "dev-v1.1.json.gz"), "rt", encoding="utf-8") as f:
        squad = json.load(f)
    n = 0
    for art in squad["data"]:
        for p in art["paragraphs"]:
            if n < per_source:
                out.append(p["context"])
                for qa in p["qas"][:2]:
                    out.append(qa["question"])
                n += 1
    with gzip.open(os.path.join(corpora, "enwiki-paragraphs", "corpus-00.jsonl.gz"), "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= per_source:
                break
            out.append(json.loads(line)["text"])
    # sentencepiece reads one sentence per line
    return [" ".join(t.split()) for t in out if t.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora")
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "neural", "t5-spm"))
    ap.add_argument("--vocab-size", type=int, default=3000)
    ap.add_argument("--per-source", type=int, default=4000)
    args = ap.parse_args()

    import sentencepiece as spm

    lines = training_lines(corpora_dir(args.corpora), args.per_source)
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "train.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        prefix = os.path.join(tmp, "spiece")
        spm.SentencePieceTrainer.train(
            input=text, model_prefix=prefix, model_type="unigram", vocab_size=args.vocab_size,
            pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
            pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>",
            byte_fallback=False, normalization_rule_name="nmt_nfkc",
            num_threads=1, shuffle_input_sentence=False, input_sentence_size=0,
            max_sentence_length=16384, minloglevel=2,
        )
        from sentencepiece import sentencepiece_model_pb2
        proto = sentencepiece_model_pb2.ModelProto()
        with open(prefix + ".model", "rb") as f:
            proto.ParseFromString(f.read())
        # The trainer records its input and output paths (temporary here): fix them so the bytes repeat.
        del proto.trainer_spec.input[:]
        proto.trainer_spec.input.append("train.txt")
        proto.trainer_spec.model_prefix = "spiece"
        model = proto.SerializeToString()
    with open(os.path.join(args.out, "spiece.model"), "wb") as f:
        f.write(model)

    # transformers' conversion of the slow (sentencepiece) tokenizer to the fast one: load the directory
    # holding only spiece.model (so the conversion runs), then save it in Hugging Face form.
    from transformers import T5Tokenizer  # transformers 5: the fast, tokenizers-backed class
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "spiece.model"), "wb") as f:
            f.write(model)
        tok = T5Tokenizer.from_pretrained(tmp, extra_ids=100, model_max_length=512)
        assert len(tok) == args.vocab_size + 100, len(tok)
        assert tok.convert_tokens_to_ids("<extra_id_0>") == args.vocab_size + 99
        tok.save_pretrained(args.out)
    print(f"{len(lines)} training lines; vocab {args.vocab_size} (+100 sentinels); wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
