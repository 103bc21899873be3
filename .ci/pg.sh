#!/usr/bin/env bash
# A private PostgreSQL cluster: own data directory, own port, loopback only.
#   .ci/pg.sh start DATADIR PORT   initialise if needed, start, print DATABASE_URL's base
#   .ci/pg.sh stop DATADIR
# As root the server runs as the postgres user (initdb and postgres refuse root).
set -euo pipefail

cmd=${1:?usage: pg.sh start|stop DATADIR [PORT]}
datadir=${2:?data directory}
port=${3:-55432}

pgbin=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && pgbin=$d
done
if [ -z "$pgbin" ]; then
  echo "pg.sh: PostgreSQL not found; installing it with apt" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && pgbin=$d
  done
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
start)
  mkdir -p "$datadir"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$datadir"; fi
  chmod 700 "$datadir"
  pwfile="$datadir.password"
  if [ ! -s "$datadir/PG_VERSION" ]; then
    # A random password for the superuser, kept next to the cluster (0600).
    head -c 18 /dev/urandom | base64 | tr -d '+/=' > "$pwfile"
    chmod 600 "$pwfile"
    if [ "$(id -u)" = 0 ]; then chown postgres "$pwfile"; fi
    as_pg "$pgbin/initdb" -D "$datadir" -U postgres --pwfile="$pwfile" \
      --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --locale=C.UTF-8 >/dev/null
    if [ "$(id -u)" = 0 ]; then chown root "$pwfile"; fi
  fi
  if ! as_pg "$pgbin/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
    as_pg "$pgbin/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $datadir -c fsync=${PG_FSYNC:-on} -c max_connections=300" >/dev/null
  fi
  echo "postgres://postgres:$(cat "$pwfile")@127.0.0.1:$port"
  ;;
stop)
  if [ -s "$datadir/PG_VERSION" ]; then
    as_pg "$pgbin/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null 2>&1 || true
  fi
  ;;
*)
  echo "usage: pg.sh start|stop DATADIR [PORT]" >&2
  exit 2
  ;;
esac
