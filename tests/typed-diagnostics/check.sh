#!/usr/bin/env bash
# Compiles src/main.rs, which misuses sio's typed events on purpose, and
# checks that rustc's output holds every line of expected.txt: the
# `#[diagnostic::on_unimplemented]` messages and notes users see. Run from
# .ci/run; shares the workspace's target directory so that sio's
# dependencies are not built twice.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$(cd ../.. && pwd)"
[ -f "$ROOT/Cargo.lock" ] && cp "$ROOT/Cargo.lock" Cargo.lock
out="$(CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}" cargo build --quiet --color never 2>&1)"
rm -f Cargo.lock
if [ -z "$out" ] || ! grep -q '^error' <<<"$out"; then
  echo "typed-diagnostics: the misuses compiled" >&2
  exit 1
fi
missing=0
while IFS= read -r line; do
  [ -z "$line" ] && continue
  if ! grep -qF -- "$line" <<<"$out"; then
    echo "typed-diagnostics: missing from rustc's output: $line" >&2
    missing=1
  fi
done < expected.txt
if [ "$missing" -ne 0 ]; then
  printf '%s\n' "$out" >&2
  exit 1
fi
echo "typed-diagnostics: $(grep -c . expected.txt) expected diagnostics found"
