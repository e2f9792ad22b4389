#!/usr/bin/env bash
# Starts Healthbook on this machine with the embedded default (SQLite, no set-up): builds the server and the
# CLI, initialises the server's data directory the first time (printing the admin password and the root key
# once), and serves on http://127.0.0.1:8080 until Ctrl-C. Data lives in ./healthbook-data/.
#   HEALTHBOOK_LISTEN=0.0.0.0:8080 scripts/run.sh    # another address
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v cargo >/dev/null 2>&1 || export PATH="$HOME/.cargo/bin:$PATH"

DATA="${HEALTHBOOK_DATA_ROOT:-$ROOT/healthbook-data}"
LISTEN="${HEALTHBOOK_LISTEN:-127.0.0.1:8080}"
cargo build --release -p healthbook-server -p healthbook-cli
SERVER="$ROOT/target/release/healthbook-server"
CLI="$ROOT/target/release/healthbook"

mkdir -p "$DATA/server"
if [[ ! -f "$DATA/server/.initialised" ]]; then
  echo "First start: creating the authority root key and the admin account."
  "$SERVER" --data-dir "$DATA/server" admin init | tee "$DATA/server/init.txt"
  touch "$DATA/server/.initialised"
  echo "(also saved in $DATA/server/init.txt; keep the password, then delete that file)"
  echo "(the private keys are sealed with the key-encryption key $DATA/server/kek; back it up, and in production keep it outside the data directory: see server/README.md)"
fi

cat <<INFO

Healthbook server: http://$LISTEN   (API description: http://$LISTEN/openapi.json)
The console for officials: http://$LISTEN/console   (sign in as admin with the password printed at the first start)
Try the phone side from another terminal with the CLI:
  $CLI --data-dir "$DATA/phone" --server http://$LISTEN trust pin "\$($SERVER --data-dir "$DATA/server" admin root-key | tail -n 1)"
  $CLI --data-dir "$DATA/phone" profile add --name "Nguyễn Văn An" --birth 1990-05-17 --phone 0912345678
  $CLI --data-dir "$DATA/phone" profile list
  $CLI --data-dir "$DATA/phone" declare health --profile <ID>
  $CLI --data-dir "$DATA/phone" sync
  $CLI --data-dir "$DATA/phone" person bind --profile <ID> --citizen-id 001090012345
      (no SMS gateway is configured: the code appears in this server's log, on this terminal)
  $CLI --data-dir "$DATA/phone" trust refresh
  $CLI --data-dir "$DATA/phone" pass show --profile <ID>

INFO
exec "$SERVER" --data-dir "$DATA/server" --listen "$LISTEN" --console-plain-http serve
