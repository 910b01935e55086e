#!/usr/bin/env bash
# The test command: installs dependencies (apt and pip), builds, and runs the whole test suite,
# printing the time of each phase. Tests read the shared collections from $QUARRY_CORPORA or
# ../shared/corpora beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
phase() { local name=$1; shift; local t0=$SECONDS; echo "== $name"; "$@"; echo "== $name: $((SECONDS - t0)) s"; }
phase "install dependencies" tools/install-deps.sh --python --llm --neural --training --ui
phase "build" swift build --build-tests
phase "plugin examples" tools/build-examples.sh
phase "tests" swift test --skip-build "$@"
echo "== total: $SECONDS s"
