#!/usr/bin/env bash
# Runs every fuzz target of the workspace for a short, bounded time on its
# committed corpus, so that a regression in a decoder fails CI. Needs no
# cargo-fuzz and no nightly: each fuzz crate (crates/*/fuzz) is built with
# the same instrumentation cargo-fuzz uses without a sanitizer (SanitizerCoverage
# passes, debug assertions and overflow checks on, `--cfg fuzzing`), and each
# target is libFuzzer's own binary.
#
#   tests/fuzz.sh [TARGET ...]      # default: every target of every crate
#
# Environment:
#   FUZZ_SECONDS   time per target (default 20)
#   FUZZ_TARGET_DIR  cargo target directory (default target/fuzz under
#                  $CARGO_TARGET_DIR's parent or the repository)
#
# The corpus of a target is crates/CRATE/fuzz/corpus/TARGET (committed).
# New inputs found during the run go to a temporary directory, not into the
# corpus; a crash leaves its input in crates/CRATE/fuzz/artifacts/TARGET/
# and makes the script exit non-zero. `FUZZ_MERGE=1` instead merges what
# the run found into the committed corpus (to grow it by hand).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
TARGET_DIR="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$ROOT/target}/fuzz}"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sio-fuzz.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# The flags of `cargo fuzz build --sanitizer none --release --debug-assertions`.
export RUSTFLAGS="-Cpasses=sancov-module \
 -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
 -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares \
 -Cllvm-args=-sanitizer-coverage-stack-depth \
 --cfg fuzzing -Cdebug-assertions -Coverflow-checks"

wanted=("$@")
is_wanted() {
  [ "${#wanted[@]}" -eq 0 ] && return 0
  local w
  for w in "${wanted[@]}"; do [ "$w" = "$1" ] && return 0; done
  return 1
}

failed=()
ran=0
for dir in "$ROOT"/crates/*/fuzz; do
  crate="$(basename "$(dirname "$dir")")"
  targets=()
  for src in "$dir"/fuzz_targets/*.rs; do
    t="$(basename "$src" .rs)"
    is_wanted "$t" && targets+=("$t")
  done
  [ "${#targets[@]}" -eq 0 ] && continue
  echo "fuzz: building $crate (${targets[*]})"
  # --target keeps RUSTFLAGS off build scripts and proc macros, as cargo-fuzz does.
  (cd "$dir" && cargo build --release --quiet --target "$HOST" \
      --target-dir "$TARGET_DIR/$crate" --bins)
  for t in "${targets[@]}"; do
    bin="$TARGET_DIR/$crate/$HOST/release/$t"
    corpus="$dir/corpus/$t"
    mkdir -p "$corpus" "$dir/artifacts/$t" "$WORK/$crate-$t"
    inputs=$(find "$corpus" -type f | wc -l)
    echo "fuzz: $crate/$t for ${SECONDS_PER_TARGET}s on $inputs committed inputs"
    if [ "${FUZZ_MERGE:-0}" = 1 ]; then
      "$bin" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 "$WORK/$crate-$t" "$corpus" >"$WORK/$t.log" 2>&1 || true
      "$bin" -merge=1 "$corpus" "$WORK/$crate-$t" >>"$WORK/$t.log" 2>&1
      echo "fuzz: $crate/$t corpus now $(find "$corpus" -type f | wc -l) inputs"
      ran=$((ran + 1))
      continue
    fi
    if "$bin" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$dir/artifacts/$t/" \
        "$WORK/$crate-$t" "$corpus" >"$WORK/$t.log" 2>&1; then
      echo "fuzz:   $(grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$WORK/$t.log" | tr -s ' \n' ' ')"
    else
      echo "fuzz: $crate/$t FAILED; the end of its log:"
      tail -40 "$WORK/$t.log"
      failed+=("$crate/$t")
    fi
    ran=$((ran + 1))
  done
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: ${#failed[@]} of $ran targets failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: $ran targets ran clean"
