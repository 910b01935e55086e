#!/usr/bin/env bash
# Regenerates the README's screenshots of the browser UI (docs/ui/*.png): indexes the sample
# collection, starts `quarry serve` with its topics and judgments on a free port, and has
# tools/ui/browser.py drive headless Chromium through the search (a judged topic, no expansion against
# RM3), experiment, document and narrow-window views. Needs Debian's chromium and chromium-driver and
# Selenium (tools/install-deps.sh --ui). QUARRY=path/to/quarry picks the binary (default: the
# release build, else the debug one).
set -euo pipefail
cd "$(dirname "$0")/.."
quarry=${QUARRY:-}
if [ -z "$quarry" ]; then
  for q in .build/release/quarry .build/debug/quarry; do [ -x "$q" ] && { quarry=$q; break; }; done
fi
[ -n "$quarry" ] || { echo "build quarry first (swift build)" >&2; exit 1; }
quarry=$(cd "$(dirname "$quarry")" && pwd)/$(basename "$quarry")
root=$PWD
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$quarry" index --collection corpora/sample/documents.jsonl --format beir --index "$work/sample" >/dev/null
# Served from inside the scratch folder, so that the page's header names the index "sample".
(cd "$work" && exec "$quarry" serve --index sample --port 0 --workers 2 \
  --topics "$root/corpora/sample/topics.tsv" --qrels "$root/corpora/sample/qrels.txt" >out 2>err) &
server=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$work/out")
[ -n "$base" ] || { echo "quarry serve did not start:" >&2; cat "$work/err" >&2; exit 1; }
python3 tools/ui/browser.py screenshots --base "$base" --out docs/ui "$@"
