#!/usr/bin/env python3
"""A Quarry query expander as a process: adds WordNet synonyms of the query's words.

It speaks Quarry's process protocol, version 1 (docs/process-protocol.md): JSON lines on stdin and
stdout, diagnostics on stderr. It reads the WordNet 3.0 database files (Debian's wordnet-base:
index.*, data.*, *.exc) directly, with the Python standard library only.

    quarry run --plugin-exec "python3 Plugins/Examples/wordnet-expander/wordnet_expander.py" \
        --expander wordnet --set wordnet.weight=0.3 ...
"""
import json
import os
import re
import sys

PROTOCOL = 1
PARTS = ("noun", "verb", "adj", "adv")
OPTIONS = [
    {"name": "weight", "type": "double", "default": 0.3,
     "help": "weight of each synonym's words (the query's own words weigh 1)"},
    {"name": "maxSynonyms", "type": "int", "default": 3, "help": "most synonyms added per query word"},
    {"name": "senses", "type": "int", "default": 1,
     "help": "senses read per word and part of speech, most frequent first"},
    {"name": "pos", "type": "string", "default": "noun,verb,adj,adv",
     "help": "parts of speech whose synonyms are added (comma-separated: noun, verb, adj, adv)"},
    {"name": "dict", "type": "string", "default": None,
     "help": "WordNet database directory (default: $WNSEARCHDIR, else /usr/share/wordnet)"},
]
# Words whose synonyms say nothing about the topic: function words and question words.
STOP = set("""a an and are as at be but by do does did for from had has have how i if in into is it its no
not of on or such that the their then there these they this to was what when where which who whom
whose why will with would can could should you your""".split())
# WordNet's own detachment rules (morphy): inflected ending -> base ending, per part of speech.
SUFFIXES = {
    "noun": [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
             ("men", "man"), ("ies", "y")],
    "verb": [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"),
             ("ing", "")],
    "adj": [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    "adv": [],
}


class WordNet:
    """The parts of a WordNet database a synonym lookup needs."""

    def __init__(self, directory, parts):
        self.parts = parts
        self.offsets = {}     # (part, lemma) -> synset offsets, most frequent sense first
        self.exceptions = {}  # (part, inflected form) -> base forms
        self.data = {}        # part -> open data file (a synset's offset is its byte offset there)
        for part in parts:
            with open(os.path.join(directory, "index." + part), encoding="utf-8") as f:
                for line in f:
                    if line.startswith(" "):
                        continue  # the licence header
                    fields = line.split()
                    count = int(fields[2])
                    self.offsets[(part, fields[0])] = [int(o) for o in fields[-count:]]
            exc = os.path.join(directory, part + ".exc")
            if os.path.exists(exc):
                with open(exc, encoding="utf-8") as f:
                    for line in f:
                        fields = line.split()
                        self.exceptions[(part, fields[0])] = fields[1:]
            self.data[part] = open(os.path.join(directory, "data." + part), "rb")

    def base_forms(self, word, part):
        """The lemmas `word` may be an inflection of (itself included), as WordNet's morphy finds them."""
        forms = [word] + self.exceptions.get((part, word), [])
        for ending, base in SUFFIXES[part]:
            if word.endswith(ending) and len(word) > len(ending):
                forms.append(word[: len(word) - len(ending)] + base)
        seen = []
        for f in forms:
            if (part, f) in self.offsets and f not in seen:
                seen.append(f)
        return seen

    def synset_words(self, part, offset):
        """The lemmas of one synset: `offset lex_filenum ss_type w_cnt word lex_id word lex_id ...`."""
        f = self.data[part]
        f.seek(offset)
        fields = f.readline().decode("utf-8").split()
        count = int(fields[3], 16)
        return [re.sub(r"\(.*\)$", "", w) for w in fields[4:4 + 2 * count:2]]  # adjectives carry (a), (p), ...

    def synonyms(self, word, senses, limit):
        out = []
        for part in self.parts:
            for base in self.base_forms(word, part):
                for offset in self.offsets[(part, base)][:senses]:
                    for lemma in self.synset_words(part, offset):
                        s = lemma.replace("_", " ").lower()
                        if s != word and s != base and s not in out:
                            out.append(s)
        return out[:limit]


def expand(wordnet, options, text):
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOP and len(w) > 1]
    synonyms = []
    for w in dict.fromkeys(words):
        synonyms += [s for s in wordnet.synonyms(w, options["senses"], options["maxSynonyms"]) if s not in synonyms]
    answer = {"texts": [{"text": text, "weight": 1.0}], "generated": " ".join(synonyms)}
    if synonyms:
        answer["texts"].append({"text": " ".join(synonyms), "weight": options["weight"]})
    return answer


def configure(options):
    """The WordNet database the options describe, or a message saying what is wrong."""
    directory = options.get("dict") or os.environ.get("WNSEARCHDIR") or "/usr/share/wordnet"
    parts = [p.strip() for p in options["pos"].split(",") if p.strip()]
    bad = [p for p in parts if p not in PARTS]
    if bad or not parts:
        return None, "wordnet.pos: unknown part of speech %s (valid: %s)" % (", ".join(bad) or "(none)", ", ".join(PARTS))
    if options["maxSynonyms"] < 0 or options["senses"] < 1:
        return None, "wordnet.maxSynonyms must be at least 0 and wordnet.senses at least 1"
    if not os.path.exists(os.path.join(directory, "index.noun")):
        return None, "%s: no WordNet database there (install wordnet-base, or set wordnet.dict or $WNSEARCHDIR)" % directory
    return WordNet(directory, parts), None


def main():
    wordnet, options = None, {}

    def send(message):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        message = json.loads(line)
        kind = message.get("type")
        if kind == "hello":
            if message.get("protocol", 0) < PROTOCOL:
                send({"type": "error", "message": "wordnet speaks process protocol %d" % PROTOCOL})
                return
            send({"type": "hello", "protocol": PROTOCOL, "name": "wordnet", "role": "expander",
                  "summary": "adds WordNet synonyms of the query's words (a Python process plugin)",
                  "options": OPTIONS})
        elif kind == "configure":
            options = message["options"]
            wordnet, problem = configure(options)
            send({"type": "error", "message": problem} if problem else {"type": "ready"})
            if problem:
                return
        elif kind == "expand":
            try:
                answer = expand(wordnet, options, message["query"]["text"])
                send(dict(answer, type="expansion", id=message["id"]))
            except Exception as e:  # one bad query must not end the process
                send({"type": "error", "id": message["id"], "message": repr(e)})
        elif kind == "bye":
            return
        elif "id" in message:
            send({"type": "error", "id": message["id"], "message": "wordnet does not do %r" % kind})


if __name__ == "__main__":
    main()
