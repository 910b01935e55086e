#!/usr/bin/env bash
# The quick start: installs dependencies, builds Quarry, and runs the main job on the sample
# collection the project ships — index, search with BM25 and RM3, a batch run, evaluation, and an
# experiment comparing pipelines. Work files go to ${QUARRY_WORK:-/tmp/quarry-quickstart}.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
swift build -c release
Q=.build/release/quarry
W="${QUARRY_WORK:-/tmp/quarry-quickstart}"
mkdir -p "$W"
set -x
$Q index --collection corpora/sample/documents.jsonl --format beir --index "$W/sample" --overwrite
$Q search --index "$W/sample" --k 5 "how do glaciers move"
$Q search --index "$W/sample" --k 5 --expander rm3 --explain "how do glaciers move"
$Q run --index "$W/sample" --topics corpora/sample/topics.tsv --output "$W/bm25.run"
$Q run --index "$W/sample" --topics corpora/sample/topics.tsv --output "$W/rm3.run" --expander rm3 --save-queries "$W/rm3.queries.jsonl"
$Q eval --qrels corpora/sample/qrels.txt --run "$W/bm25.run" --metric nDCG@10 --metric AP --metric R@100
$Q eval --qrels corpora/sample/qrels.txt --run "$W/rm3.run" --metric nDCG@10 --metric AP --metric R@100
$Q experiment --index "$W/sample" --topics corpora/sample/topics.tsv --qrels corpora/sample/qrels.txt \
  --pipeline bm25= --pipeline rm3='--expander rm3' --pipeline ql='--model ql'
