#!/usr/bin/env bash
# Builds the third-party plugin examples under Plugins/Examples as a plugin author would, each its own
# package outside Quarry's build: the shared-library reranker (libQuarryTitleBoost.so, loaded with
# --plugin-path) and the Swift package that builds its own `my-quarry` with the keyterms expander (whose
# own tests, written with QuarryTesting, run too unless --no-test). ExamplePluginTests then use what it built.
set -euo pipefail
cd "$(dirname "$0")/.."
run_tests=1
for arg in "$@"; do
  case "$arg" in
    --no-test) run_tests=0 ;;
    *) echo "usage: tools/build-examples.sh [--no-test]" >&2; exit 2 ;;
  esac
done
echo "building Plugins/Examples/SharedLibrary" >&2
swift build --package-path Plugins/Examples/SharedLibrary
echo "building Plugins/Examples/SwiftPackage" >&2
# SwiftPM caches its build manifest and rewrites it only when a manifest changes, so an incremental build
# misses source files added to a path dependency (Quarry) since the last one ("cannot find … in scope"):
# have it planned afresh each time (seconds).
swift build --package-path Plugins/Examples/SwiftPackage --build-tests --disable-build-manifest-caching
if ((run_tests)); then
  swift test --package-path Plugins/Examples/SwiftPackage --skip-build
fi
