#!/usr/bin/env bash
# Crash safety under SIGKILL (tools/reliability/crash.py): 60 kills of `quarry index` over SciFact (new
# index, --overwrite, --append), 10 of a `quarry run` filling the LLM cache, 10 of `quarry serve` under
# load. Builds the release binary first; writes docs/reliability/crash.md. About 15 minutes on 2 cores.
#
# Usage: tools/reliability/crash.sh [crash.py options, e.g. --index-trials 90 --seed 7]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
corpora="${QUARRY_CORPORA:-$root/../shared/corpora}"
[[ -d "$corpora/scifact" ]] || { echo "crash: error: $corpora/scifact: no such directory (set QUARRY_CORPORA)" >&2; exit 2; }
(cd "$root" && swift build -c release >&2)
mkdir -p "$root/docs/reliability"
exec python3 "$root/tools/reliability/crash.py" --quarry "$root/.build/release/quarry" --corpora "$corpora" \
  --report "$root/docs/reliability/crash.md" "$@"
