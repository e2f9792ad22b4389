#!/usr/bin/env bash
# Tests the Kotlin surface of the Rust core on a Linux JVM:
#   1. installs a JDK and Maven from Debian if they are missing,
#   2. builds libhealthbook_ffi.so and generates the Kotlin bindings (scripts/gen-bindings.sh),
#   3. builds the reference server binary, which the sync tests start,
#   4. compiles android/core-kotlin (generated bindings + wrapper) and runs its JUnit 5 tests
#      against the real native library (surefire sets jna.library.path to target/<profile>),
#   5. compiles android/ui (the Compose screens) and runs its tests headless on the same JVM setup
#      (both modules through the reactor android/pom.xml; each prints its own Surefire totals).
# Extra arguments go to Maven, e.g. scripts/kotlin-test.sh -Dtest=ProfilesTest -Dsurefire.failIfNoSpecifiedTests=false
# PROFILE=release uses target/release for both the bindings and the tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v javac >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  echo "kotlin-test: installing openjdk-17-jdk-headless and maven"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y openjdk-17-jdk-headless maven
fi

# Compose renders text with the system's fonts; DejaVu has the Vietnamese diacritics.
if ! fc-list 2>/dev/null | grep -qi 'DejaVuSans'; then
  echo "kotlin-test: installing fonts-dejavu-core (text in the Compose tests and screenshots)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y fonts-dejavu-core fontconfig
fi

PROFILE="${PROFILE:-debug}"
NATIVE_DIR="${HEALTHBOOK_KOTLIN_NATIVE_DIR:-${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE}"
SERVER_BIN="${HEALTHBOOK_KOTLIN_SERVER_BIN:-$NATIVE_DIR/healthbook-server}"

# scripts/test.sh runs these tests while `cargo test` runs, which holds cargo's build lock until its last test
# ends: it builds the library, the bindings and the server first, passes copies of them, and sets
# HEALTHBOOK_KOTLIN_PREBUILT=1, so that nothing here waits for cargo.
if [[ "${HEALTHBOOK_KOTLIN_PREBUILT:-}" == 1 ]]; then
  for built in "$NATIVE_DIR/libhealthbook_ffi.so" "$SERVER_BIN" android/core-kotlin/generated/org/healthbook/core/healthbook.kt; do
    [[ -f "$built" ]] || { echo "kotlin-test: HEALTHBOOK_KOTLIN_PREBUILT=1 but $built is missing" >&2; exit 1; }
  done
else
  "$ROOT/scripts/gen-bindings.sh"
  # The sync tests start the real reference server as a child process.
  if [[ "$PROFILE" == release ]]; then
    cargo build --release -p healthbook-server
  else
    cargo build -p healthbook-server
  fi
fi

# --fail-at-end: a failure in core-kotlin still lets the screens' tests run and report.
exec mvn -B --no-transfer-progress --fail-at-end -f "$ROOT/android/pom.xml" \
  "-Dnative.dir=$NATIVE_DIR" "-Dhealthbook.server.bin=$SERVER_BIN" test "$@"
