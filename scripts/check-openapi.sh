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
# HEALTHBOOK_SERVER_BIN: a server binary built already (scripts/test.sh passes one, since it runs this check while
# `cargo test` holds cargo's build lock).
if [[ -n "${HEALTHBOOK_SERVER_BIN:-}" ]]; then
  "$HEALTHBOOK_SERVER_BIN" openapi >"$document"
else
  cargo run -q -p healthbook-server -- openapi >"$document"
fi
"$VENV/bin/openapi-spec-validator" "$document"
