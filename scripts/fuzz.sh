#!/usr/bin/env bash
# Fuzzes the CSV Import reader and validator (cargo-fuzz, nightly Rust): seeds the corpus with
# the fixture files, then runs for SECONDS (default 600). Not part of the test suite.
#   cargo install cargo-fuzz && rustup toolchain install nightly
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
corpus=fuzz/corpus/import_file
mkdir -p "$corpus"
for file in tests/fixtures/csv/*; do
    case "$file" in
        *.py) ;;
        *.xlsx) { printf '\x04'; cat "$file"; } > "$corpus/$(basename "$file")" ;;
        *) { printf '\x00'; cat "$file"; } > "$corpus/$(basename "$file")" ;;
    esac
done
cargo +nightly fuzz run import_file "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048
