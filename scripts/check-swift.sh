#!/usr/bin/env bash
# Checks the Swift sources without a Swift toolchain (scripts/check_swift.py): tree-sitter syntax of every
# tracked .swift file, the names used on the generated bindings, the String Catalog keys; then plants an
# error for each check and makes sure it fails. tree-sitter comes from PyPI into a virtualenv under target/.
# Needs the generated Swift bindings (scripts/gen-bindings.sh, which scripts/kotlin-test.sh runs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${CARGO_TARGET_DIR:-$ROOT/target}/tools-venv"

if ! "$VENV/bin/python" -c 'import tree_sitter, tree_sitter_swift' 2>/dev/null; then
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  # python -m pip: a venv copied from elsewhere keeps a pip script that points at the original.
  "$VENV/bin/python" -m pip install -q "tree-sitter==0.26.1" "tree-sitter-swift==0.7.4"
fi
[[ -f ios/Sources/HealthbookCore/healthbook.swift ]] || bash scripts/gen-bindings.sh
"$VENV/bin/python" scripts/check_swift.py
"$VENV/bin/python" scripts/check_swift.py --self-test
