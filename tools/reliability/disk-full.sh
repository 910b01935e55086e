#!/usr/bin/env bash
# A full disk, for real: mounts a tmpfs too small for SciFact's index (needs root), then
#   1. builds the sample collection there (fits), and appends SciFact to it: must fail with one line, and
#      the index must answer exactly as before (the same run file for the sample topics);
#   2. builds SciFact there from scratch (after removing that index): must fail with one line and leave no index claiming completeness;
#   3. makes room (remounts larger), resumes or reruns the build, and checks it equals a build made elsewhere.
# Prints each step's outcome; exits 1 on any difference. Usage: tools/reliability/disk-full.sh [--size 4m]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
corpora="${QUARRY_CORPORA:-$root/../shared/corpora}"
size=4m
[[ "${1:-}" == "--size" && -n "${2:-}" ]] && size="$2"
[[ $(id -u) == 0 ]] || { echo "disk-full: error: mounting a tmpfs needs root" >&2; exit 2; }
(cd "$root" && swift build -c release >&2)
q="$root/.build/release/quarry"
work=$(mktemp -d "${TMPDIR:-/tmp}/quarry-diskfull.XXXXXX")
mnt="$work/mnt"
mkdir -p "$mnt"
mount -t tmpfs -o "size=$size" tmpfs "$mnt"
trap 'umount -l "$mnt" 2>/dev/null; rm -rf "$work"' EXIT
fail=0
check() { if [[ "$1" == "$2" ]]; then echo "  ok: $3"; else echo "  FAIL: $3"; fail=1; fi; }
sample="$root/corpora/sample"
scifact="$corpora/scifact/corpus.jsonl.gz"
topics="$corpora/scifact/topics.beir-v1.0.0-scifact.test.tsv.gz"

echo "1. append SciFact to a small index on a $size tmpfs"
"$q" index --collection "$sample/documents.jsonl" --format beir --index "$mnt/base" > /dev/null
"$q" run --index "$mnt/base" --topics "$sample/topics.tsv" --output "$work/before.run" 2> /dev/null
set +e; "$q" index --collection "$scifact" --format beir --index "$mnt/base" --append 2> "$work/err"; status=$?; set -e
echo "  quarry said: $(cat "$work/err")"
check "$status $(wc -l < "$work/err")" "1 1" "exit status 1 and one line"
grep -q "No space left on device" "$work/err" && grep -q "rolled back" "$work/err"; check $? 0 "the line names the cause and says the append was rolled back"
"$q" run --index "$mnt/base" --topics "$sample/topics.tsv" --output "$work/after.run" 2> /dev/null
cmp -s "$work/before.run" "$work/after.run"; check $? 0 "the index answers exactly as before (same run file)"

echo "2. build SciFact from scratch on the same $size (the small index removed first)"
rm -rf "$mnt/base"
set +e; QUARRY_COMMIT_EVERY=1000 "$q" index --collection "$scifact" --format beir --index "$mnt/scifact" 2> "$work/err"; status=$?; set -e
echo "  quarry said: $(cat "$work/err")"
check "$status $(wc -l < "$work/err")" "1 1" "exit status 1 and one line"
[[ ! -e "$mnt/scifact" ]]; check $? 0 "no index in place"
resume=()
[[ -e "$mnt/scifact.partial" ]] && resume=(--resume)
echo "  resume point left: ${resume[*]:-none}"

echo "3. room again: finish, and compare with a build elsewhere"
mount -o remount,size=256m "$mnt"
QUARRY_COMMIT_EVERY=1000 "$q" index --collection "$scifact" --format beir --index "$mnt/scifact" "${resume[@]}" > /dev/null
"$q" index --collection "$scifact" --format beir --index "$work/reference" > /dev/null
"$q" run --index "$mnt/scifact" --topics "$topics" --output "$work/a.run" 2> /dev/null
"$q" run --index "$work/reference" --topics "$topics" --output "$work/b.run" 2> /dev/null
cmp -s "$work/a.run" "$work/b.run"; check $? 0 "the finished index gives the same run as an uninterrupted build"
[[ $fail == 0 ]] && echo "disk-full: all checks passed" || { echo "disk-full: some checks failed"; exit 1; }
