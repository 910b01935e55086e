#!/usr/bin/env python3
"""Seed corpora for Quarry's fuzz targets, cut small from the shared collections and the repository's
fixtures: a few records of each real file (the fuzzer mutates from real shapes), plus hand-made
files where no small real one exists (a safetensors file, a SentencePiece model, tokenizer.json).

usage: seeds.py --corpora DIR --fixtures DIR --out DIR
writes OUT/<target>/<seed> for every target `quarry-fuzz list` names.
"""
import argparse, base64, gzip, io, json, os, struct, sys, tarfile


def lines(path, n):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        out = []
        for line in f:
            out.append(line)
            if len(out) >= n:
                break
        return "".join(out)


def trec_docs(path, n):
    out, cur = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            cur.append(line)
            if line.strip().upper() == "</DOC>":
                out.append("".join(cur))
                cur = []
                if len(out) >= n:
                    break
    return out


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, wire, payload):
    key = varint((number << 3) | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def sentencepiece_model():
    """A Unigram SentencePiece ModelProto: <pad>, </s>, <unk> and a few scored pieces."""
    pieces = [("<pad>", 0.0, 3), ("</s>", 0.0, 3), ("<unk>", 0.0, 2), ("\u2581", -2.0, 1), ("\u2581glacier", -3.0, 1),
              ("s", -2.5, 1), ("\u2581move", -3.1, 1), ("\u2581slow", -3.3, 1), ("ly", -2.9, 1), ("a", -4.0, 1),
              ("e", -4.0, 1), ("i", -4.1, 1), ("o", -4.2, 1), ("\u2581the", -2.2, 1), ("<0x41>", 0.0, 6)]
    body = b""
    for text, score, kind in pieces:
        p = field(1, 2, text.encode()) + field(2, 5, struct.pack("<f", score)) + field(3, 0, varint(kind))
        body += field(1, 2, p)
    trainer = field(3, 0, varint(1)) + field(40, 0, varint(0)) + field(41, 0, varint(2)) + field(42, 0, varint(1)) + field(43, 0, varint(0))
    normalizer = field(1, 2, b"identity") + field(3, 0, varint(1)) + field(4, 0, varint(1)) + field(5, 0, varint(1))
    return body + field(2, 2, trainer) + field(3, 2, normalizer)


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    c = lambda *p: os.path.join(a.corpora, *p)
    seeds = {}

    def put(target, name, content):
        seeds.setdefault(target, {})[name] = content.encode() if isinstance(content, str) else content

    # Collections.
    for i, d in enumerate(trec_docs(c("vaswani", "doc-text.trec"), 3)):
        put("collection-trec", f"vaswani-{i}", d)
    put("collection-trec", "cacm-topics-as-docs", "".join(trec_docs(c("cacm", "topics.cacm.txt"), 2)))
    put("collection-beir", "scifact", lines(c("scifact", "corpus.jsonl.gz"), 3))
    put("collection-beir", "enwiki", lines(c("enwiki-paragraphs", "corpus-00.jsonl.gz"), 2))
    enwiki = [json.loads(l) for l in lines(c("enwiki-paragraphs", "corpus-00.jsonl.gz"), 3).splitlines()]
    put("collection-jsonl", "anserini", "".join(json.dumps({"id": d["_id"], "contents": d["title"] + " " + d["text"][:300]}) + "\n" for d in enwiki))
    put("collection-jsonl", "beir", lines(c("scifact", "corpus.jsonl.gz"), 2))
    put("collection-msmarco", "dl19", lines(c("msmarco-dl19", "passages.tsv.gz"), 4))
    d = enwiki[0]
    put("collection-html", "page", f"<!DOCTYPE html><html><head><title>{d['title']}</title><meta charset=utf-8>"
        f"<style>p{{color:red}}</style><script>var x = '<p>';</script></head><body><h1>{d['title']}</h1>"
        f"<p>{d['text'][:400]}</p><!-- a comment --><p>caf&eacute; &amp; &#x41;&#66;</p></body></html>")
    with gzip.open(c("squad", "dev-v1.1.json.gz"), "rt", encoding="utf-8") as f:
        squad = json.load(f)
    article = squad["data"][0]
    small = {"version": "1.1", "data": [{"title": article["title"], "paragraphs": [
        {"context": p["context"][:400], "qas": p["qas"][:2]} for p in article["paragraphs"][:2]]}]}
    put("collection-squad", "dev", json.dumps(small))
    put("questions", "squad", json.dumps(small))

    # Topics, questions, qrels, runs.
    put("topics", "scifact-tsv", lines(c("scifact", "topics.beir-v1.0.0-scifact.test.tsv.gz"), 4))
    put("topics", "dl19-tsv", lines(c("msmarco-dl19", "topics.dl19-passage.txt"), 3))
    put("topics", "cacm-trec", "".join(trec_docs(c("cacm", "topics.cacm.txt"), 2)))
    put("topics", "vaswani-trec", "".join(trec_docs(c("vaswani", "query-text.trec"), 2)) if os.path.exists(c("vaswani", "query-text.trec")) else "")
    put("topics", "trec-top", "<top>\n<num> Number: 301\n<title> International Organized Crime\n<desc> Description:\nIdentify organizations.\n<narr> Narrative:\nA relevant document names one.\n</top>\n")
    put("topics", "jsonl", '{"id": "1", "title": "glaciers", "pipeline": "--expander rm3"}\n{"qid": 2, "query": "bees"}\n')
    put("questions", "dpr-nq", lines(c("qa-questions", "topics.dpr.nq.test.txt.gz"), 3))
    put("questions", "jsonl", '{"id": "q1", "question": "who discovered x-rays", "answers": ["Röntgen"]}\n')
    put("qrels", "scifact", lines(c("scifact", "qrels.beir-v1.0.0-scifact.test.txt"), 6))
    put("qrels", "dl19", lines(c("msmarco-dl19", "qrels.dl19-passage.txt"), 6))
    put("qrels", "vaswani", lines(c("vaswani", "qrels"), 6))
    run = []
    for i, l in enumerate(lines(c("scifact", "qrels.beir-v1.0.0-scifact.test.txt"), 6).splitlines()):
        f = l.split()
        run.append(f"{f[0]} Q0 {f[2]} {i + 1} {10 - i * 0.5:.4f} quarry")
    put("run", "scifact", "\n".join(run) + "\n")

    # Neural files.
    f32 = struct.pack("<6f", 0.5, -1.0, 2.0, 0.0, 3.25, -0.125)
    put("safetensors", "small", safetensors([("a.weight", "F32", [2, 3], f32), ("b", "F16", [2], struct.pack("<2e", 1.0, -2.0)),
                                             ("c", "BF16", [1], b"\x80\x3f"), ("d", "F64", [1], struct.pack("<d", 1.5)),
                                             ("empty", "F32", [0], b"")], {"format": "pt"}))
    with open(os.path.join(a.fixtures, "neural/t5/tiny-t5-v1_1/model.safetensors"), "rb") as f:
        head = f.read(8)
        n = struct.unpack("<Q", head)[0]
        header = json.loads(f.read(n))
    # The real fixture's header with its first two tensors' bytes zeroed (the file itself is 2 MB).
    names = sorted(k for k in header if k != "__metadata__")[:2]
    tensors = []
    for name in names:
        e = header[name]
        size = e["data_offsets"][1] - e["data_offsets"][0]
        tensors.append((name, e["dtype"], e["shape"], bytes(min(size, 4096)) if size <= 4096 else None))
    tensors = [t for t in tensors if t[3] is not None]
    if tensors:
        put("safetensors", "tiny-t5-head", safetensors(tensors))
    put("sentencepiece-model", "unigram", sentencepiece_model())
    with open(os.path.join(a.fixtures, "neural/t5/tiny-t5-v1_1/tokenizer.json"), encoding="utf-8") as f:
        t5 = json.load(f)
    t5["model"]["vocab"] = t5["model"]["vocab"][:40]
    t5["added_tokens"] = t5["added_tokens"][:3]
    if t5.get("normalizer") and "precompiled_charsmap" in json.dumps(t5["normalizer"]):
        t5["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}
    put("tokenizer-json", "unigram", json.dumps(t5))
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "glacier", "##s", "move", "slow", "##ly"])}
    put("tokenizer-json", "wordpiece", json.dumps({
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
                         for t, i in vocab.items() if t.startswith("[")],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab}}))
    with open(os.path.join(a.fixtures, "neural/t5/tiny-t5-v1_1/config.json"), encoding="utf-8") as f:
        put("tokenizer-json", "t5-config", f.read())

    # Text: queries of every collection, and the writing systems and punctuation analyzers trip on.
    texts = [l.split("\t", 1)[-1] for l in lines(c("msmarco-dl19", "topics.dl19-passage.txt"), 3).splitlines()]
    texts += ["Glaciers move slowly — 氷河は動く, café naïve résumé", "C++ e-mail@host.org 3.14e10 U.S.A. don't",
              "title:x* AND (\"quoted phrase\" OR -minus) NEAR/3 +plus", "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd \U0001F600\u200d\U0001F469"]
    for i, t in enumerate(texts):
        put("tokenize", f"text-{i}", t)
        put("query", f"text-{i}", t)
    for i, p in enumerate(["--expander rm3 --set rm3.fbDocs=5 --set rm3.fbTerms=20", "--model ql --set ql.mu=1000",
                           "--set bm25.k1=1.2 --set bm25.b=0.75 --reranker none", "--expander 'rm3' --set \"rm3.originalQueryWeight=0.3\""]):
        put("pipeline", f"spec-{i}", p)

    # Server bodies.
    put("server-search", "rm3", json.dumps({"query": "glaciers valley", "k": 5, "expander": "rm3", "options": {"rm3.fbDocs": 3},
                                            "snippets": True, "id": "1"}))
    put("server-search", "plain", json.dumps({"query": "honey bees", "model": "ql"}))
    put("server-batch", "two", json.dumps({"queries": [{"query": "glaciers", "k": 3}, {"query": "bees", "id": "b", "expander": "rm3"}]}))
    put("server-experiment", "two", json.dumps({"pipelines": [{"name": "bm25"}, {"name": "rm3", "expander": "rm3"}], "k": 10,
                                                "metrics": ["ndcg_cut_10", "map"]}))

    # Process-plugin lines.
    put("process-protocol", "hello", json.dumps({"type": "hello", "protocol": 1, "name": "echo", "summary": "s", "role": "expander",
                                                 "options": [{"name": "fanout", "type": "int", "default": 3, "help": "h"}]}))
    put("process-protocol", "answers", "\n".join([
        json.dumps({"type": "expansion", "id": 1, "text": "glaciers", "texts": [{"text": "ice sheet", "weight": 0.3}], "terms": [{"term": "ice", "weight": 0.5}], "generated": "ice"}),
        json.dumps({"type": "scores", "id": 2, "scores": [0.5, -1, 3]}),
        json.dumps({"type": "error", "id": 3, "message": "no"})]))

    for target, files in seeds.items():
        d = os.path.join(a.out, target)
        os.makedirs(d, exist_ok=True)
        for name, content in files.items():
            if content:
                with open(os.path.join(d, name), "wb") as f:
                    f.write(content)
    print(f"seeds: {sum(len(v) for v in seeds.values())} files for {len(seeds)} targets in {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
