#!/usr/bin/env bash
# Makes a PostgreSQL server available for the server's end-to-end tests and prints its URL on stdout
# (everything else goes to stderr), e.g.:
#   export HEALTHBOOK_TEST_POSTGRES_URL="$(bash scripts/postgres.sh)"
# Installs PostgreSQL from Debian's packages if missing, starts a private cluster under /tmp (never the machine's
# own cluster), and creates the test role and database. Needs root (or passwordless sudo) the first time.
# Loopback only. The cluster also serves TLS with a certificate from a test CA made here (kept in the cluster's
# data directory); the CA is copied to $HEALTHBOOK_PG_CA_FILE for the tests that check verified TLS.
set -euo pipefail

ROLE="${HEALTHBOOK_PG_ROLE:-healthbook}"
PASSWORD="${HEALTHBOOK_PG_PASSWORD:-healthbook}"
DB="${HEALTHBOOK_PG_DATABASE:-healthbook_test}"
FALLBACK_DIR="${HEALTHBOOK_PG_DIR:-/tmp/healthbook-postgres}"
FALLBACK_PORT="${HEALTHBOOK_PG_PORT:-55432}"
CA_OUT="${HEALTHBOOK_PG_CA_FILE:-/tmp/healthbook-postgres-ca.pem}"

log() { echo "postgres.sh: $*" >&2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }
as_postgres() { as_root runuser -u postgres -- "$@"; }

pg_bin_dir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$dir" && -x "$dir/initdb" ]] && echo "$dir"
}

if [[ -z "$(pg_bin_dir)" ]] || ! command -v psql >/dev/null 2>&1; then
  log "installing PostgreSQL from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
BIN="$(pg_bin_dir)"
[[ -n "$BIN" ]] || { log "PostgreSQL binaries not found after install"; exit 1; }

port=""
# A private cluster under /tmp, owned by the postgres user, rather than the Debian cluster: the tests may then
# run it without durability (below), which the machine's own cluster must keep.
if [[ -z "$port" ]]; then
  port="$FALLBACK_PORT"
  if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    if [[ ! -f "$FALLBACK_DIR/PG_VERSION" ]]; then
      log "initialising a private cluster in $FALLBACK_DIR"
      as_root mkdir -p "$FALLBACK_DIR"
      as_root chown postgres: "$FALLBACK_DIR"
      as_postgres "$BIN/initdb" -D "$FALLBACK_DIR" -U postgres --auth-local=trust --auth-host=scram-sha-256 >&2
    fi
    log "starting the private cluster on port $port"
    as_postgres "$BIN/pg_ctl" -D "$FALLBACK_DIR" -l "$FALLBACK_DIR/server.log" -w \
      -o "-p $port -c listen_addresses=127.0.0.1 -k /tmp" start >&2
  fi
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30 || { log "PostgreSQL did not come up"; exit 1; }
fi

# The admin connection goes through the local socket as the postgres superuser (peer or trust auth).
socket_dir=/var/run/postgresql
[[ -S "$socket_dir/.s.PGSQL.$port" ]] || socket_dir=/tmp
psql_admin() { as_postgres "$BIN/psql" -h "$socket_dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

# Test data is thrown away after every test, so the cluster skips flushing to disk: each test makes a fresh
# schema and runs every migration, and on a slow disk the flushes alone took seconds per test.
if [[ "$(psql_admin -c "SHOW fsync")" != "off" || "$(psql_admin -c "SHOW synchronous_commit")" != "off" ]]; then
  psql_admin -c "ALTER SYSTEM SET fsync = off" >&2
  psql_admin -c "ALTER SYSTEM SET synchronous_commit = off" >&2
  psql_admin -c "ALTER SYSTEM SET full_page_writes = off" >&2
  psql_admin -c "SELECT pg_reload_conf()" >/dev/null
fi

if [[ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]]; then
  log "creating role $ROLE"
  psql_admin -c "CREATE ROLE \"$ROLE\" LOGIN PASSWORD '$PASSWORD'" >&2
else
  psql_admin -c "ALTER ROLE \"$ROLE\" LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [[ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]]; then
  log "creating database $DB"
  psql_admin -c "CREATE DATABASE \"$DB\" OWNER \"$ROLE\"" >&2
fi

# TLS with our own test CA: a P-256 server certificate for localhost and 127.0.0.1, made once per cluster.
command -v openssl >/dev/null 2>&1 || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >&2
tls_dir="$(psql_admin -c "SHOW data_directory")/healthbook-tls"
if ! as_root test -s "$tls_dir/server.key"; then
  log "making a test CA and a server certificate in $tls_dir"
  work="$(mktemp -d)"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=Healthbook test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >"$work/ext"
  openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 3650 \
    -extfile "$work/ext" -out "$work/server.pem" 2>/dev/null
  as_root mkdir -p "$tls_dir"
  as_root cp "$work/ca.pem" "$work/server.pem" "$work/server.key" "$tls_dir/"
  as_root chown -R postgres: "$tls_dir"
  as_root chmod 700 "$tls_dir"
  as_root chmod 600 "$tls_dir/server.key"
  rm -rf "$work"
fi
if [[ "$(psql_admin -c "SHOW ssl_cert_file")" != "$tls_dir/server.pem" || "$(psql_admin -c "SHOW ssl")" != "on" ]]; then
  psql_admin -c "ALTER SYSTEM SET ssl_cert_file = '$tls_dir/server.pem'" >&2
  psql_admin -c "ALTER SYSTEM SET ssl_key_file = '$tls_dir/server.key'" >&2
  psql_admin -c "ALTER SYSTEM SET ssl = on" >&2
  psql_admin -c "SELECT pg_reload_conf()" >/dev/null
  sleep 1
fi
as_root cat "$tls_dir/ca.pem" >"$CA_OUT"

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$port/$DB"
