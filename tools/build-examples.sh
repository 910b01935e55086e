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
# SwiftPM's incremental build of a package misses source files added to a path dependency (Quarry) since
# its last build ("cannot find type … in scope") and finds them on the next run: build again once.
swift build --package-path Plugins/Examples/SwiftPackage --build-tests ||
  swift build --package-path Plugins/Examples/SwiftPackage --build-tests
if ((run_tests)); then
  swift test --package-path Plugins/Examples/SwiftPackage --skip-build
fi
