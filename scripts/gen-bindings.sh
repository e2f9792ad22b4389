#!/usr/bin/env bash
# Builds the healthbook-ffi cdylib for the host and generates the UniFFI bindings from it in
# library mode. uniffi-bindgen 0.32 finds bindings/uniffi.toml by itself (cargo metadata gives it
# the crate root of healthbook-ffi). Do NOT pass `--config bindings/uniffi.toml`: since 0.32
# --config expects a *global* file ([defaults]/[crates.<name>]/[crate-roots]) and ignores a flat
# per-crate file with a warning. The checks below fail loudly if the config was not applied.
#   Kotlin -> android/core-kotlin/generated/org/healthbook/core/healthbook.kt
#   Swift  -> ios/Sources/HealthbookCore/healthbook.swift
#             ios/Sources/HealthbookFFI/healthbookFFI.h + module.modulemap
# All outputs are git-ignored. Idempotent; runs from any working directory.
#   PROFILE=release scripts/gen-bindings.sh   # use target/release instead of target/debug
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PROFILE="${PROFILE:-debug}"
case "$PROFILE" in
  debug)   CARGO_PROFILE_ARGS=() ;;
  release) CARGO_PROFILE_ARGS=(--release) ;;
  *) echo "gen-bindings: PROFILE must be 'debug' or 'release', got '$PROFILE'" >&2; exit 2 ;;
esac

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$(uname -s)" in
  Darwin) LIB_FILE="libhealthbook_ffi.dylib" ;;
  *)      LIB_FILE="libhealthbook_ffi.so" ;;
esac
LIB="$TARGET_DIR/$PROFILE/$LIB_FILE"
CONFIG="$ROOT/bindings/uniffi.toml"   # only referenced in error messages

# After `cargo test --workspace` (scripts/test.sh sets HEALTHBOOK_BINDINGS_FROM_WORKSPACE=1), build with the test
# run's own feature resolution (every member, dev-dependencies included), so that the library and the bindgen are
# already built and nothing compiles twice; `-p healthbook-ffi` alone unifies features differently (no `openapi`
# on the contract, other clap and serde_json features) and recompiles the core and its dependencies.
if [[ "${HEALTHBOOK_BINDINGS_FROM_WORKSPACE:-}" == 1 ]]; then
  BUILD_ARGS=(--workspace --lib --bins --tests)
else
  BUILD_ARGS=(-p healthbook-ffi --lib --bins)
fi
echo "gen-bindings: cargo build ${BUILD_ARGS[*]} (${PROFILE})"
# (the ${a[@]+...} form keeps macOS bash 3.2 happy with an empty array under set -u)
cargo build "${BUILD_ARGS[@]}" ${CARGO_PROFILE_ARGS[@]+"${CARGO_PROFILE_ARGS[@]}"}
[[ -f "$LIB" ]] || { echo "gen-bindings: $LIB was not built" >&2; exit 1; }
BINDGEN="$TARGET_DIR/$PROFILE/uniffi-bindgen"
[[ -x "$BINDGEN" ]] || { echo "gen-bindings: $BINDGEN was not built" >&2; exit 1; }

bindgen() {
  # The bindgen of the same build: it only reads metadata from $LIB.
  "$BINDGEN" generate --library "$LIB" --no-format "$@"
}

# Kotlin: replace the whole generated tree so removed items don't linger.
KOTLIN_OUT="$ROOT/android/core-kotlin/generated"
rm -rf "$KOTLIN_OUT"
mkdir -p "$KOTLIN_OUT"
bindgen --language kotlin --out-dir "$KOTLIN_OUT"
KT_FILE="$KOTLIN_OUT/org/healthbook/core/healthbook.kt"
[[ -f "$KT_FILE" ]] || { echo "gen-bindings: expected $KT_FILE (is the Kotlin package_name in $CONFIG still org.healthbook.core?)" >&2; exit 1; }

# Swift: generate into a temporary dir, then move the three files into the Swift package.
SWIFT_TMP="$(mktemp -d)"
trap 'rm -rf "$SWIFT_TMP"' EXIT
bindgen --language swift --out-dir "$SWIFT_TMP"
# uniffi 0.32 names the Swift file after the module (HealthbookCore.swift); older versions used the
# namespace (healthbook.swift). Either way it lands as healthbook.swift, the name .gitignore expects.
for f in HealthbookCore.swift healthbook.swift; do
  if [[ -f "$SWIFT_TMP/$f" ]]; then
    [[ "$f" == healthbook.swift ]] || mv "$SWIFT_TMP/$f" "$SWIFT_TMP/healthbook.swift"
    break
  fi
done
for f in healthbook.swift healthbookFFI.h healthbookFFI.modulemap; do
  [[ -f "$SWIFT_TMP/$f" ]] || { echo "gen-bindings: uniffi-bindgen did not write $f" >&2; ls -l "$SWIFT_TMP" >&2; exit 1; }
done
grep -q '^import HealthbookFFI' "$SWIFT_TMP/healthbook.swift" || { echo "gen-bindings: healthbook.swift does not import HealthbookFFI (was $CONFIG applied?)" >&2; exit 1; }
mkdir -p "$ROOT/ios/Sources/HealthbookCore" "$ROOT/ios/Sources/HealthbookFFI"
mv -f "$SWIFT_TMP/healthbook.swift" "$ROOT/ios/Sources/HealthbookCore/healthbook.swift"
mv -f "$SWIFT_TMP/healthbookFFI.h" "$ROOT/ios/Sources/HealthbookFFI/healthbookFFI.h"
mv -f "$SWIFT_TMP/healthbookFFI.modulemap" "$ROOT/ios/Sources/HealthbookFFI/module.modulemap"

echo "gen-bindings: wrote"
echo "  ${KT_FILE#"$ROOT/"}"
echo "  ios/Sources/HealthbookCore/healthbook.swift"
echo "  ios/Sources/HealthbookFFI/healthbookFFI.h"
echo "  ios/Sources/HealthbookFFI/module.modulemap"
