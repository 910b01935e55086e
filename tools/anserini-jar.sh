#!/usr/bin/env bash
# Fetches Anserini 0.21's fatjar (the one inside the PyPI wheel pyserini==0.21.0) into a folder and
# prints its path. Shared by tools/parity/anserini.sh and tools/bench/field.sh.
#
# Usage: tools/anserini-jar.sh DIR
#
# The jar lands in DIR/anserini-0.21.0-fatjar.jar (kept: later calls print it at once). A wheel already
# in $PYSERINI_WHEEL_DIR (default ${TMPDIR:-/tmp}/pyserini) is used instead of downloading one
# (`pip download --no-deps`, about 150 MB); only the jar is kept. PYTHON defaults to python3.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
PYSERINI_VERSION=0.21.0
WHEEL="pyserini-${PYSERINI_VERSION}-py3-none-any.whl"
WHEEL_DIR="${PYSERINI_WHEEL_DIR:-${TMPDIR:-/tmp}/pyserini}"

die() { echo "anserini-jar.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

[[ $# -eq 1 ]] || die "usage: tools/anserini-jar.sh DIR"
mkdir -p "$1"
DIR="$(cd "$1" && pwd)"
JAR="$DIR/anserini-${PYSERINI_VERSION}-fatjar.jar"
if [[ -s "$JAR" ]]; then echo "$JAR"; exit 0; fi

command -v "$PYTHON" >/dev/null || die "python not found: $PYTHON"
if [[ ! -s "$DIR/$WHEEL" ]]; then
  if [[ -s "$WHEEL_DIR/$WHEEL" ]]; then
    log "using the wheel already at $WHEEL_DIR/$WHEEL"
    cp "$WHEEL_DIR/$WHEEL" "$DIR/$WHEEL.part" && mv "$DIR/$WHEEL.part" "$DIR/$WHEEL"
  else
    log "downloading pyserini==$PYSERINI_VERSION (about 150 MB) for its Anserini fatjar"
    "$PYTHON" -m pip download --quiet --no-deps "pyserini==$PYSERINI_VERSION" -d "$DIR"
  fi
fi
[[ -s "$DIR/$WHEEL" ]] || die "no $WHEEL in $DIR"
log "extracting $(basename "$JAR") from the wheel"
"$PYTHON" - "$DIR/$WHEEL" "$JAR" <<'EOF'
import os, shutil, sys, zipfile
wheel, jar = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist()
             if n.startswith("pyserini/resources/jars/anserini-") and n.endswith("-fatjar.jar")]
    if len(names) != 1:
        sys.exit(f"expected one Anserini fatjar in {wheel}, found {names}")
    with z.open(names[0]) as src, open(jar + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
os.replace(jar + ".part", jar)
EOF
rm -f "$DIR/$WHEEL"   # only the jar is needed
echo "$JAR"
