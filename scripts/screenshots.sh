#!/usr/bin/env bash
# Renders every screen of android/ui in Vietnamese, in English and (Vietnamese) at font scale 2.0 into
# DIR as <screen>-<vi|en|vi-font2>.png, plus the end-to-end pass screen (pass-end-to-end-vi.png, whose
# QR is decoded back and verified by the test). Same build as scripts/kotlin-test.sh (native library,
# bindings, reference server), running only the screenshot and end-to-end tests of android/ui.
# Then the web console's pages (headless Chromium, tests/tests/e2e/console_browser.rs) into DIR/console, each
# at 1366x768 and the reports also at 820x1180; chromium and chromium-driver must be installed (scripts/test.sh
# installs them).
#   scripts/screenshots.sh /tmp/shots
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: scripts/screenshots.sh DIR" >&2; exit 2; }
mkdir -p "$1"
DIR="$(cd "$1" && pwd)"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

bash "$ROOT/scripts/kotlin-test.sh" -pl ui -am "-Dhealthbook.screenshots.dir=$DIR" \
  -Dtest='ScreenshotsTest,EndToEndTest' -Dsurefire.failIfNoSpecifiedTests=false
count=$(find "$DIR" -maxdepth 1 -name '*.png' | wc -l)
echo "screenshots: $count PNG files in $DIR"
[[ $count -gt 0 ]]

mkdir -p "$DIR/console"
(cd "$ROOT" && HEALTHBOOK_CONSOLE_SCREENSHOTS="$DIR/console" \
  cargo test -p healthbook-e2e --test e2e console_browser::the_console_in_a_browser -- --nocapture)
console_count=$(find "$DIR/console" -maxdepth 1 -name '*.png' | wc -l)
echo "console screenshots: $console_count PNG files in $DIR/console"
[[ $console_count -gt 0 ]]
