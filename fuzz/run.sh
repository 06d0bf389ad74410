#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600), two at a time on this 2-core machine.
# Seeds: the conformance cases (../../shared/conformance/cases), seeds/ (compressions, Parquet
# from other writers) and a few filters, deep nesting and a long disjunction among them.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-600}
CASES=../../shared/conformance/cases
mkdir -p corpus/parse_lines corpus/read_file corpus/filter
if [ -d "$CASES" ]; then
    for f in "$CASES"/*; do
        case "$f" in *.expected.json) continue ;; esac
        cp -n "$f" corpus/read_file/ 2>/dev/null || true
        case "$f" in *.gz|*.parquet) ;; *) cp -n "$f" corpus/parse_lines/ 2>/dev/null || true ;; esac
    done
fi
# Compressions and Parquet from other writers (written by the ignored test `write_fuzz_seeds`).
cp -n seeds/read_file/* corpus/read_file/ 2>/dev/null || true
i=0
for f in 'srcaddr in 10.0.0.0/16' 'addr in {10.0.1.0/24, 2001:db8::/32} and not action == REJECT' \
         'dstport in {22, 3389} or port in 1024..65535' 'bytes > 10MB and start >= 2024-05-17T10:00Z' \
         'interface_id ~ "^eni-0a"' 'src is private and direction == outbound' 'protocol in {tcp, udp, 58}'; do
    printf '%s' "$f" > "corpus/filter/seed$i"; i=$((i+1))
done
printf '%0.s(' $(seq 1 150) > corpus/filter/deep
python3 -c "print(' or '.join(f'dstport == {p}' for p in range(3000)))" > corpus/filter/long 2>/dev/null || true
# cargo-fuzz passes nightly-only flags; the stable toolchain accepts them this way. No sanitizer:
# the targets look for panics, hangs and memory blow-ups in safe Rust, and run faster without ASan.
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O --sanitizer none
run() { cargo fuzz run --sanitizer none -O "$1" "corpus/$1" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -max_len=1048576 2>&1 | tail -n 25 > "run-$1.log"; echo "$1: exit ${PIPESTATUS[0]}"; }
run parse_lines & run filter & wait
run read_file
