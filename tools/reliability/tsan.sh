#!/usr/bin/env bash
# The test suite under ThreadSanitizer: builds everything (the `quarry` binary the tests start included)
# with -sanitize=thread into .build-tsan and runs the tests, then counts TSan's reports. Exits 1 on any.
#
#   tools/reliability/tsan.sh [--filter REGEX]     (default: the whole suite; about 10× its normal time)
#
# Reports go to ${TMPDIR:-/tmp}/quarry-tsan/test.log; a summary (tests, failures, reports by first
# Quarry frame) is printed. Not part of CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
filter=()
[[ "${1:-}" == "--filter" && -n "${2:-}" ]] && filter=(--filter "$2")
work="${TMPDIR:-/tmp}/quarry-tsan"
mkdir -p "$work"
cd "$root"
swift build --build-tests --sanitize=thread --build-path .build-tsan >&2
# halt_on_error=0: one report does not hide the next; second_deadlock_stack for lock-order reports.
set +e
TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 history_size=4" SWIFT_BACKTRACE=enable=no \
  swift test --skip-build --sanitize=thread --build-path .build-tsan "${filter[@]}" > "$work/test.log" 2>&1
status=$?
set -e
reports=$(grep -c "WARNING: ThreadSanitizer" "$work/test.log" || true)
echo "tests: $(grep -E "Executed [0-9]+ tests" "$work/test.log" | tail -1 | sed 's/^[[:space:]]*//')"
echo "ThreadSanitizer reports: $reports (log: $work/test.log)"
if [[ $reports -gt 0 ]]; then
  # The first frame in Quarry's own code of each report, counted.
  awk '/WARNING: ThreadSanitizer/ {want=1; next} want && /#[0-9]+ .*Sources\/|#[0-9]+ .*Plugins\// {print; want=0}' "$work/test.log" \
    | sed 's/.* in //' | sort | uniq -c | sort -rn | head -20
fi
[[ $status == 0 && $reports == 0 ]]
