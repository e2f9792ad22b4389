#!/usr/bin/env bash
# The one test command: every Rust test (unit, end-to-end against SQLite and PostgreSQL), the dependency
# policy check, bindings generation, the Kotlin tests against the real native library (wrapper and Compose
# screens), and the Swift checks (syntax and binding names; no Swift toolchain runs here).
# Installs what it needs itself (PostgreSQL, JDK, Maven) and ends with one summary line.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG_DIR="$(mktemp -d)"
# The tests' databases (the server's and the phones' SQLite files) live in temporary directories. On a RAM disk
# their flushes to disk cost nothing; the code still asks for every flush it asks for in production, and the
# crash tests kill processes, which a RAM disk survives like a real one.
TEST_TMP=""
if [[ -z "${HEALTHBOOK_KEEP_TMPDIR:-}" && -d /dev/shm && -w /dev/shm ]]; then
  TEST_TMP="$(mktemp -d /dev/shm/healthbook-test.XXXXXX)"
  export TMPDIR="$TEST_TMP"
fi
trap 'rm -rf "$LOG_DIR" ${TEST_TMP:+"$TEST_TMP"}' EXIT
# This run builds the workspace once, mostly from nothing (CI starts from a clean clone): writing incremental
# caches that no later build reads costs time on every workspace crate. Set CARGO_INCREMENTAL=1 to keep them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
failures=()

# Each step prints how long the previous one took, so that a slow run shows where its time went.
step_started=$SECONDS
step() { echo "    ($((SECONDS - step_started)) s)"; step_started=$SECONDS; echo; echo "==> $*"; }

if ! command -v cargo >/dev/null 2>&1; then
  [[ -x "$HOME/.cargo/bin/cargo" ]] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }

step "PostgreSQL for the server's end-to-end tests"
export HEALTHBOOK_PG_CA_FILE="${HEALTHBOOK_PG_CA_FILE:-$LOG_DIR/postgres-ca.pem}"
if url="$(bash scripts/postgres.sh)"; then
  export HEALTHBOOK_TEST_POSTGRES_URL="$url"
  export HEALTHBOOK_TEST_POSTGRES_CA="$HEALTHBOOK_PG_CA_FILE"
  echo "using $HEALTHBOOK_TEST_POSTGRES_URL (TLS test CA: $HEALTHBOOK_TEST_POSTGRES_CA)"
else
  failures+=("postgres setup")
fi

step "Poppler's pdftoppm, which renders the printed cards and stickers for the tests that scan them back"
if ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
  as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null 2>&1 ||
    { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; } ||
    failures+=("poppler-utils install")
fi
command -v pdftoppm >/dev/null 2>&1 && echo "ok: $(pdftoppm -v 2>&1 | head -n 1)"

step "Chromium and chromedriver, which drive the web console in its browser tests (tests/tests/e2e/console_browser.rs)"
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 ||
    { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } ||
    failures+=("chromium install")
fi
# The browser tests fail (never skip) without them, so a failed install shows here and again in those tests.
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  echo "ok: $(chromium --version 2>/dev/null | head -n 1); $(chromedriver --version 2>/dev/null | head -n 1)"
else
  echo "chromium or chromedriver missing: the console browser tests will fail" >&2
fi

step "Dependency policy: TLS through rustls with ring, no aws-lc-rs, no OpenSSL"
if cargo tree --workspace -e normal,build --prefix none --format '{p}' 2>/dev/null | grep -E '^(aws-lc-rs|aws-lc-sys|openssl-sys|openssl) ' ; then
  echo "forbidden crate in the dependency tree" >&2
  failures+=("dependency policy")
else
  echo "ok: neither aws-lc-rs nor openssl-sys in the workspace"
fi

# Everything the tests run is built here, before any test starts: `cargo test` holds cargo's build lock until its
# last test ends, and the Kotlin tests, the OpenAPI check and the Swift checks run beside it and must not wait.
step "Build every test binary, the FFI library and the bindings (cargo test --workspace --no-run; scripts/gen-bindings.sh)"
built=1
cargo test --workspace --no-run || { failures+=("rust build"); built=0; }
# With the test run's own feature resolution, so that nothing compiles twice.
HEALTHBOOK_BINDINGS_FROM_WORKSPACE=1 bash scripts/gen-bindings.sh || { failures+=("bindings generation"); built=0; }
# Copies, since the `cargo test` below links target/debug's files again while the Kotlin tests load them.
NATIVE_COPY="$LOG_DIR/native"
mkdir -p "$NATIVE_COPY"
cp target/debug/libhealthbook_ffi.so target/debug/healthbook-server "$NATIVE_COPY/" 2>/dev/null || built=0

# The server as it ships: checked alone, so that cargo unifies healthbook-core's features for the server only and
# any use of the phone's storage or HTTP stack fails to compile. `cargo check` (no code generation) is enough for
# that, and costs a fraction of a second build of the server's dependencies with their own features.
step "The server compiles without the phone's storage and HTTP stack (healthbook-core without \"phone\")"
if cargo tree -p healthbook-server -e features -i healthbook-core 2>/dev/null | grep -q 'feature "phone"'; then
  echo "healthbook-server enables healthbook-core's phone feature" >&2
  failures+=("server dependency boundary")
elif ! cargo check -p healthbook-server --bins --quiet; then
  failures+=("server dependency boundary")
else
  echo "ok: healthbook-server compiles against the shared core only"
fi

# The Kotlin tests, then the OpenAPI check and the Swift checks, in the background, into their own logs; each
# part's exit code and time land in files that the summary reads.
side_checks() {
  local started=$SECONDS
  HEALTHBOOK_KOTLIN_PREBUILT=1 HEALTHBOOK_KOTLIN_NATIVE_DIR="$NATIVE_COPY" \
    bash scripts/kotlin-test.sh >"$LOG_DIR/kotlin.log" 2>&1
  echo "$? $((SECONDS - started))" >"$LOG_DIR/kotlin.rc"
  started=$SECONDS
  HEALTHBOOK_SERVER_BIN="$NATIVE_COPY/healthbook-server" bash scripts/check-openapi.sh >"$LOG_DIR/openapi.log" 2>&1
  echo "$? $((SECONDS - started))" >"$LOG_DIR/openapi.rc"
  started=$SECONDS
  bash scripts/check-swift.sh >"$LOG_DIR/swift.log" 2>&1
  echo "$? $((SECONDS - started))" >"$LOG_DIR/swift.rc"
}

step "Rust tests (cargo test --workspace), with the Kotlin tests, the OpenAPI check and the Swift checks beside them"
side_pid=""
if [[ $built -eq 1 ]]; then
  side_checks &
  side_pid=$!
else
  echo "the build failed: the Kotlin tests, the OpenAPI check and the Swift checks are not run" >&2
fi
cargo test --workspace --no-fail-fast 2>&1 | tee "$LOG_DIR/cargo.log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || failures+=("rust tests")
echo "    (Rust tests: $((SECONDS - step_started)) s)"
# The PostgreSQL variants compile as ignored without a database (tests/build.rs); here one was set up, so a
# skipped variant means the database never reached the tests.
pg_skipped=$(grep -cE '^test .*postgres.* \.\.\. ignored' "$LOG_DIR/cargo.log")
pg_ran=$(grep -cE '^test .*postgres.* \.\.\. ok$' "$LOG_DIR/cargo.log")
echo "postgresql variants: $pg_ran passed, $pg_skipped skipped"
if [[ $pg_skipped -gt 0 || $pg_ran -eq 0 ]]; then
  failures+=("postgresql variants skipped")
fi
if [[ -n "$side_pid" ]]; then
  rust_done=$SECONDS
  wait "$side_pid"
  echo "    (then $((SECONDS - rust_done)) s more for the checks beside the Rust tests)"
fi

# The background parts' output, in order, each with its exit code and its own time (spent beside the Rust tests).
report_side() {
  local name="$1" what="$2" rc seconds
  echo
  echo "==> $what"
  [[ -f "$LOG_DIR/$name.log" ]] && cat "$LOG_DIR/$name.log"
  read -r rc seconds < "$LOG_DIR/$name.rc" 2>/dev/null || { rc=1; seconds=0; }
  echo "    (exit $rc after $seconds s, beside the Rust tests)"
  [[ $rc -eq 0 ]] || failures+=("$3")
}
if [[ -n "$side_pid" ]]; then
  report_side kotlin "Kotlin tests against the native library (android/core-kotlin and the Compose screens in android/ui)" "kotlin tests"
  report_side openapi "OpenAPI document is valid (openapi-spec-validator)" "openapi document"
  report_side swift "Swift checks: tree-sitter syntax, names used on the generated bindings, String Catalog keys (with self-test)" "swift checks"
fi
touch "$LOG_DIR/kotlin.log"
step_started=$SECONDS

# Sum cargo's per-binary lines and surefire's closing totals into one line.
read -r rust_passed rust_failed rust_skipped < <(
  grep -E '^test result: ' "$LOG_DIR/cargo.log" |
    sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/' |
    awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
# Surefire prints one closing total per Maven module (android/core-kotlin, android/ui); per-class lines end
# with "Time elapsed", so only the totals end right after "Skipped: N".
read -r kt_run kt_failed kt_errors kt_skipped kt_modules < <(
  grep -E 'Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' "$LOG_DIR/kotlin.log" |
    sed -E 's/.*Tests run: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+), Skipped: ([0-9]+)$/\1 \2 \3 \4/' |
    awk '{r+=$1; f+=$2; e+=$3; s+=$4; m++} END {print r+0, f+0, e+0, s+0, m+0}')
kt_run=${kt_run:-0}; kt_failed=${kt_failed:-0}; kt_errors=${kt_errors:-0}; kt_skipped=${kt_skipped:-0}; kt_modules=${kt_modules:-0}
kt_passed=$((kt_run - kt_failed - kt_errors - kt_skipped))
[[ $kt_run -gt 0 ]] || failures+=("no kotlin tests ran")
# Both modules must report: a module that never reached its tests prints no total.
[[ $kt_modules -ge 2 ]] || failures+=("kotlin totals from $kt_modules of 2 modules (core-kotlin, ui)")

echo "    ($((SECONDS - step_started)) s; $SECONDS s in all)"
echo
echo "rust: $rust_passed passed, $rust_failed failed, $rust_skipped skipped"
echo "kotlin (core-kotlin + ui): $kt_passed passed, $((kt_failed + kt_errors)) failed, $kt_skipped skipped"
if [[ ${#failures[@]} -gt 0 ]]; then
  echo "failed steps: ${failures[*]}"
fi
total_failed=$((rust_failed + kt_failed + kt_errors))
# A failed step with no failed test (a build error, a setup failure) still counts as a failure.
[[ $total_failed -eq 0 && ${#failures[@]} -gt 0 ]] && total_failed=${#failures[@]}
echo "summary: $((rust_passed + kt_passed)) passed, $total_failed failed, $((rust_skipped + kt_skipped)) skipped"
[[ ${#failures[@]} -eq 0 && $total_failed -eq 0 ]]
