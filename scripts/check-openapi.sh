#!/usr/bin/env bash
# Checks that the server's OpenAPI document (`healthbook-server openapi`, the same as GET /openapi.json) is a valid
# OpenAPI document, with openapi-spec-validator from PyPI installed into a virtualenv under target/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${CARGO_TARGET_DIR:-$ROOT/target}/tools-venv"
VALIDATOR_VERSION="0.9.0"

if [[ ! -x "$VENV/bin/openapi-spec-validator" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "openapi-spec-validator==$VALIDATOR_VERSION"
fi
document="$(mktemp --suffix=.json)"
trap 'rm -f "$document"' EXIT
cargo run -q -p healthbook-server -- openapi >"$document"
"$VENV/bin/openapi-spec-validator" "$document"
