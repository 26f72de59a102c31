#!/bin/sh
# initdb on first start (user postgres; password auth over TCP when POSTGRES_PASSWORD is set,
# trust otherwise), then the server on every address, port PGPORT (5432).
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/pwfile
    initdb -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile=/tmp/pwfile -D "$PGDATA" >/dev/null
    rm -f /tmp/pwfile
  else
    initdb -U postgres --auth=trust -D "$PGDATA" >/dev/null
  fi
  method=trust
  [ -z "${POSTGRES_PASSWORD:-}" ] || method=scram-sha-256
  echo "host all all 0.0.0.0/0 $method" >> "$PGDATA/pg_hba.conf"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -p "${PGPORT:-5432}" -c max_connections=300 -c fsync=off "$@"
