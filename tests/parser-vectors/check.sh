#!/usr/bin/env bash
# Regenerates the golden vectors of crates/sio-parser from the pinned Node
# packages and fails if they differ from the committed ones.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
committed="$here/../../crates/sio-parser/tests/vectors"
cd "$here"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi
if grep -q '"resolved"' package-lock.json; then
  echo "package-lock.json must not record registry URLs (see .npmrc)" >&2
  exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
node generate.mjs "$tmp"
diff -r "$committed" "$tmp"
echo "parser vectors: up to date"
