# Generates Sources/QuarryCore/Analysis/WordBreakTable.swift from lucene_classes.tsv (Classify.java output).
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, '..', '..', 'Sources', 'QuarryCore', 'Analysis', 'WordBreakTable.swift')
LISTING = sys.argv[1] if len(sys.argv) > 1 else 'lucene_classes.tsv'
CLASSES = ['other', 'letter', 'hebrewLetter', 'numeric', 'extendNumLet', 'midLetter', 'midNum', 'midNumLet',
           'singleQuote', 'doubleQuote', 'extend', 'zwj', 'presentationSelector', 'katakana', 'han', 'hiragana',
           'complexContext', 'complexContextExtend', 'emoji', 'emojiModifier', 'regionalIndicator', 'letterEmoji']
cls = {}
for line in open(LISTING):
    h, c, _ = line.rstrip('\n').split('\t')
    cls[int(h, 16)] = c
# Roles the emoji rule gives to scalars that are plain Extend / Other to the word rule.
cls[0x200D] = 'zwj'
cls[0xFE0E] = cls[0xFE0F] = 'presentationSelector'
for cp in range(0x1F1E6, 0x1F200): assert cls[cp] == 'other'; cls[cp] = 'regionalIndicator'
ranges = []
for cp in range(0x80, 0x110000):
    c = cls.get(cp, 'other')   # surrogates: other
    if ranges and ranges[-1][1] == c: continue
    ranges.append((cp, c))
words = [(start << 5) | CLASSES.index(c) for start, c in ranges]
lines = []
for i in range(0, len(words), 8):
    lines.append('        ' + ', '.join(f'0x{w:07X}' for w in words[i:i + 8]) + ',')
src = open(LISTING, 'rb').read()
out = f'''// Generated from Lucene's StandardTokenizer (Anserini 0.21's fatjar, Lucene 9.4.2; Unicode 9.0 word-break
// properties, Unicode 11.0 emoji data) by probing every code point from U+0080 on: alone, after "a", between two
// "a", between two "1", before "a" and beside a Hebrew letter (Classify.java + gentable.py). Do not edit by hand.
// {len(ranges)} ranges; source listing sha256 {hashlib.sha256(src).hexdigest()[:16]}.

extension Tokenizer {{
    /// Each entry is (first code point << 5) | CharClass raw value; a range runs to the next entry's start.
    static let nonASCIIRanges: [UInt32] = [
{chr(10).join(lines)}
    ]
}}
'''
open(TARGET, 'w').write(out)
print(len(ranges), 'ranges')
