#!/usr/bin/env bash
# Reference runs with Anserini 0.21 (the field's reference engine) on the shared collections.
#
# Usage: tools/parity/anserini.sh [--corpora DIR] [--work DIR] [collection ...]
#
#   --corpora DIR  the shared corpora (default: $QUARRY_CORPORA, else ../shared/corpora
#                  beside the repository root)
#   --work DIR     scratch space: jar, converted inputs, indexes, run files
#                  (default: ${TMPDIR:-/tmp}/quarry-anserini)
#   collection     any of: scifact cacm vaswani dl19 (default: all four)
#
# For each collection it builds Anserini's input in the work dir (converting where the published
# format is not one Anserini reads correctly), indexes it with IndexCollection (default analyzer:
# Porter stemming, Lucene's English stop words), searches with BM25 (k1 0.9, b 0.4, 1000 hits) and
# BM25+RM3 (fbDocs 10, fbTerms 10, originalQueryWeight 0.5), and evaluates both runs with
# pytrec_eval (tools/parity/evaluate.py). It writes, under tools/parity/anserini/:
#   <collection>.<bm25|rm3>.perquery.tsv   qid, metric, value
#   summary.tsv                            collection, model, metric, value
#   COMMANDS.txt                           the exact java command lines (run from the work dir)
# Rows and sections of collections not run this time are kept. Run files stay in the work dir.
#
# Environment: JAVA (default java, needs 17), PYTHON (default python3), PYSERINI_WHEEL_DIR
# (a folder that may already hold pyserini-0.21.0-py3-none-any.whl; default ${TMPDIR:-/tmp}/pyserini),
# THREADS (default 2).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
JAVA="${JAVA:-java}"
PYTHON="${PYTHON:-python3}"
THREADS="${THREADS:-2}"

CORPORA="${QUARRY_CORPORA:-$REPO_ROOT/../shared/corpora}"
WORK="${TMPDIR:-/tmp}/quarry-anserini"
OUT="$SCRIPT_DIR/anserini"
ALL=(scifact cacm vaswani dl19)

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "anserini.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

COLLECTIONS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --corpora) [[ $# -ge 2 ]] || die "--corpora needs a directory"; CORPORA="$2"; shift 2 ;;
    --corpora=*) CORPORA="${1#*=}"; shift ;;
    --work) [[ $# -ge 2 ]] || die "--work needs a directory"; WORK="$2"; shift 2 ;;
    --work=*) WORK="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    scifact|cacm|vaswani|dl19) COLLECTIONS+=("$1"); shift ;;
    *) die "unknown collection '$1' (one of: ${ALL[*]})" ;;
  esac
done
[[ ${#COLLECTIONS[@]} -gt 0 ]] || COLLECTIONS=("${ALL[@]}")

[[ -d "$CORPORA" ]] || die "corpora directory not found: $CORPORA (use --corpora or QUARRY_CORPORA)"
CORPORA="$(cd "$CORPORA" && pwd)"
mkdir -p "$WORK" "$OUT"
WORK="$(cd "$WORK" && pwd)"

# ---------------------------------------------------------------- tools
command -v "$JAVA" >/dev/null || die "java not found (Anserini 0.21 needs Java 11+; 17 tested)"
command -v "$PYTHON" >/dev/null || die "python not found: $PYTHON"
if ! "$PYTHON" -c 'import pytrec_eval' 2>/dev/null; then
  log "installing pytrec-eval-terrier"
  "$PYTHON" -m pip install --quiet pytrec-eval-terrier
fi

JAR="$("$REPO_ROOT/tools/anserini-jar.sh" "$WORK")"   # fetched once, shared with tools/bench/field.sh
JAR_NAME="$(basename "$JAR")"
JAR_SHA256="$(sha256sum "$JAR" | cut -d' ' -f1)"
JAVA_VERSION="$("$JAVA" -version 2>&1 | head -1)"

# ---------------------------------------------------------------- helpers
CMDLOG=""   # per-collection command log, set in run_collection

# Runs java from the work dir with paths relative to it, and logs the exact command line.
run_java() {
  local line="java -cp $JAR_NAME $*"
  echo "$line" >> "$CMDLOG"
  log "$line"
  echo "\$ $line" >> "$LOGFILE"
  (cd "$WORK" && "$JAVA" -cp "$JAR_NAME" "$@") >> "$LOGFILE" 2>&1 || {
    tail -n 40 "$LOGFILE" >&2; die "java failed (log: $LOGFILE)"; }
}

# convert MODE SRC DST: writes Anserini inputs (JsonCollection files, TSV topics).
convert() {
  "$PYTHON" - "$@" <<'EOF'
import gzip, json, re, sys
mode, src, dst = sys.argv[1:4]

def opener(path):
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")

def one_line(s):
    return re.sub(r"\s+", " ", s).strip()

n = 0
with opener(src) as f, open(dst, "w", encoding="utf-8") as out:
    if mode == "beir-jsonl":            # {"_id","title","text"} -> {"id","contents": title + " " + text}
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            out.write(json.dumps({"id": str(d["_id"]), "contents": d.get("title", "") + " " + d.get("text", "")}) + "\n")
            n += 1
    elif mode == "msmarco-tsv":         # pid<TAB>text -> {"id","contents"}
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            pid, text = line.split("\t", 1)
            out.write(json.dumps({"id": pid, "contents": text}) + "\n")
            n += 1
    elif mode == "trec-bare":           # <DOC><DOCNO>n</DOCNO> bare text </DOC> (no <TEXT>) -> {"id","contents"}
        data = f.read()
        for m in re.finditer(r"<DOC>\s*<DOCNO>\s*(.*?)\s*</DOCNO>(.*?)</DOC>", data, re.S):
            out.write(json.dumps({"id": m.group(1), "contents": one_line(m.group(2))}) + "\n")
            n += 1
        if n != data.count("<DOC>"):
            sys.exit(f"{src}: parsed {n} documents of {data.count('<DOC>')}")
    elif mode == "trec-topics":         # <top><num>N</num><title>text</title></top> -> N<TAB>text
        data = f.read()
        for m in re.finditer(r"<top>.*?<num>\s*(?:Number:)?\s*(.*?)\s*</num>.*?<title>(.*?)</title>.*?</top>", data, re.S):
            out.write(f"{m.group(1)}\t{one_line(m.group(2))}\n")
            n += 1
        if n != data.count("<top>"):
            sys.exit(f"{src}: parsed {n} topics of {data.count('<top>')}")
    elif mode == "copy":                # decompress / copy as is
        for line in f:
            out.write(line)
            n += 1
    else:
        sys.exit(f"unknown conversion {mode}")
print(n)
EOF
}

# ---------------------------------------------------------------- one collection
run_collection() {
  local c="$1" dir topics_src topicreader qrels level=1 search_extra=() collection_args=()
  local cw="$WORK/$c"
  rm -rf "$cw/index" "$cw/input"
  mkdir -p "$cw/input"
  CMDLOG="$cw/commands.txt"; : > "$CMDLOG"
  LOGFILE="$cw/java.log"; : > "$LOGFILE"
  local prep="$cw/prep.txt"; : > "$prep"

  case "$c" in
    scifact)
      dir="$CORPORA/scifact"
      n=$(convert beir-jsonl "$dir/corpus.jsonl.gz" "$cw/input/corpus.jsonl")
      echo "# $c/input/corpus.jsonl: $n docs from scifact/corpus.jsonl.gz, {\"id\": _id, \"contents\": title + \" \" + text}" >> "$prep"
      n=$(convert copy "$dir/topics.beir-v1.0.0-scifact.test.tsv.gz" "$cw/topics.tsv")
      echo "# $c/topics.tsv: $n topics, scifact/topics.beir-v1.0.0-scifact.test.tsv.gz decompressed" >> "$prep"
      collection_args=(-collection JsonCollection)
      topicreader=TsvString
      search_extra=(-removeQuery)
      qrels="$dir/qrels.beir-v1.0.0-scifact.test.txt"
      ;;
    cacm)
      dir="$CORPORA/cacm"
      cp "$dir/cacm.tar.gz" "$cw/input/cacm.tar.gz"
      echo "# $c/input/cacm.tar.gz: cacm/cacm.tar.gz copied as is (HtmlCollection reads the tarball; docid = file name without .html)" >> "$prep"
      n=$(convert copy "$dir/topics.cacm.txt" "$cw/topics.txt")
      echo "# $c/topics.txt: $n lines, cacm/topics.cacm.txt as is" >> "$prep"
      collection_args=(-collection HtmlCollection)
      topicreader=Cacm
      qrels="$dir/qrels.cacm.txt"
      ;;
    vaswani)
      dir="$CORPORA/vaswani"
      n=$(convert trec-bare "$dir/doc-text.trec" "$cw/input/docs.jsonl")
      echo "# $c/input/docs.jsonl: $n docs from vaswani/doc-text.trec (bare text inside <DOC>, no <TEXT>: Anserini's TrecCollection would index them empty), whitespace collapsed" >> "$prep"
      n=$(convert trec-topics "$dir/query-text.trec" "$cw/topics.tsv")
      echo "# $c/topics.tsv: $n topics from vaswani/query-text.trec, <num><TAB><title> with whitespace collapsed" >> "$prep"
      collection_args=(-collection JsonCollection)
      topicreader=TsvInt
      qrels="$dir/qrels"
      ;;
    dl19)
      dir="$CORPORA/msmarco-dl19"
      n=$(convert msmarco-tsv "$dir/passages.tsv.gz" "$cw/input/passages.jsonl")
      echo "# $c/input/passages.jsonl: $n passages from msmarco-dl19/passages.tsv.gz, {\"id\": pid, \"contents\": text}" >> "$prep"
      n=$(convert copy "$dir/topics.dl19-passage.txt" "$cw/topics.tsv")
      echo "# $c/topics.tsv: $n topics, msmarco-dl19/topics.dl19-passage.txt as is" >> "$prep"
      collection_args=(-collection JsonCollection)
      topicreader=TsvInt
      qrels="$dir/qrels.dl19-passage.txt"
      level=2
      ;;
  esac
  local topics; topics="$(ls "$cw"/topics.* | head -1)"; topics="$c/$(basename "$topics")"

  log "$c: indexing"
  local t0=$SECONDS
  run_java io.anserini.index.IndexCollection "${collection_args[@]}" \
    -input "$c/input" -index "$c/index" -generator DefaultLuceneDocumentGenerator \
    -threads "$THREADS" -storePositions -storeDocvectors -storeRaw
  grep -E 'documents indexed|Total [0-9,]+ documents indexed' "$LOGFILE" | tail -n 1 >&2 || true
  log "$c: indexed in $((SECONDS - t0)) s"

  local model
  for model in bm25 rm3; do
    local extra=()
    [[ $model == rm3 ]] && extra=(-rm3 -rm3.fbDocs 10 -rm3.fbTerms 10 -rm3.originalQueryWeight 0.5)
    t0=$SECONDS
    run_java io.anserini.search.SearchCollection -index "$c/index" \
      -topics "$topics" -topicreader "$topicreader" -output "$c/run.$model.txt" \
      -bm25 -bm25.k1 0.9 -bm25.b 0.4 "${extra[@]}" -hits 1000 "${search_extra[@]}" \
      -parallelism "$THREADS"
    [[ -s "$cw/run.$model.txt" ]] || die "$c: no run file written ($cw/run.$model.txt)"
    log "$c: $model searched in $((SECONDS - t0)) s"
    "$PYTHON" "$SCRIPT_DIR/evaluate.py" --qrels "$qrels" --run "$cw/run.$model.txt" --level "$level" \
      --perquery "$OUT/$c.$model.perquery.tsv" \
      | awk -v c="$c" -v m="$model" 'BEGIN{OFS="\t"} {print c, m, $1, $2}' > "$cw/summary.$model.tsv"
    log "$c $model: $(tr '\t\n' '= ' < "$cw/summary.$model.tsv" | sed "s/$c=$model=//g")"
  done

  {
    echo "## $c"
    cat "$prep"
    cat "$CMDLOG"
    echo "# evaluation: tools/parity/evaluate.py --qrels \$CORPORA/${qrels#"$CORPORA"/} --run $c/run.<model>.txt --level $level"
    echo
  } > "$cw/commands.section"
}

for c in "${COLLECTIONS[@]}"; do
  run_collection "$c"
done

# ---------------------------------------------------------------- merge outputs
# summary.tsv and COMMANDS.txt keep the entries of collections not run this time.
"$PYTHON" - "$OUT" "$WORK" "$JAR_NAME" "$JAR_SHA256" "$JAVA_VERSION" "$THREADS" "${COLLECTIONS[@]}" <<'EOF'
import os, re, sys
out, work, jar, sha, javav, threads, *ran = sys.argv[1:]
order = ["scifact", "cacm", "vaswani", "dl19"]
models = ["bm25", "rm3"]

rows = {}
path = os.path.join(out, "summary.tsv")
if os.path.exists(path):
    for line in open(path, encoding="utf-8").read().splitlines()[1:]:
        p = line.split("\t")
        if len(p) == 4 and p[0] not in ran:
            rows.setdefault(p[0], []).append(p)
for c in ran:
    rows[c] = []
    for m in models:
        for line in open(os.path.join(work, c, f"summary.{m}.tsv"), encoding="utf-8"):
            rows[c].append(line.rstrip("\n").split("\t"))
with open(path, "w", encoding="utf-8") as f:
    f.write("collection\tmodel\tmetric\tvalue\n")
    for c in sorted(rows, key=lambda c: (order.index(c) if c in order else 99, c)):
        for r in rows[c]:
            f.write("\t".join(r) + "\n")

sections = {}
path = os.path.join(out, "COMMANDS.txt")
if os.path.exists(path):
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"^## (\S+)\n.*?(?=^## |\Z)", text, re.S | re.M):
        if m.group(1) not in ran:
            sections[m.group(1)] = m.group(0).rstrip("\n") + "\n\n"
for c in ran:
    sections[c] = open(os.path.join(work, c, "commands.section"), encoding="utf-8").read()
with open(path, "w", encoding="utf-8") as f:
    f.write(f"""# Anserini reference runs, written by tools/parity/anserini.sh.
# Jar: {jar} (from the PyPI wheel pyserini==0.21.0, pyserini/resources/jars/), sha256 {sha}
# Java: {javav}
# Every java command below runs in the work directory ({'$'}{{TMPDIR:-/tmp}}/quarry-anserini by default);
# paths are relative to it. Inputs were prepared there as described in the '#' lines.
# Thread counts (-threads, -parallelism) were {threads}; they do not change the results.

""")
    for c in sorted(sections, key=lambda c: (order.index(c) if c in order else 99, c)):
        f.write(sections[c])
EOF

log "wrote $OUT/summary.tsv, $OUT/COMMANDS.txt and the per-query files"
column -t -s $'\t' "$OUT/summary.tsv" 2>/dev/null || cat "$OUT/summary.tsv"
