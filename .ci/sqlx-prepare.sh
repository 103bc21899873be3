#!/usr/bin/env bash
# Regenerates the committed .sqlx/ query metadata (builds then need no database). Uses the
# private dev PostgreSQL of `make run` (started if needed) and a scratch database there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
state=${GATEHOUSE_STATE:-$HOME/.local/share/gatehouse}
if [ "$(id -u)" = 0 ]; then pgdir=/var/lib/postgresql/gatehouse-dev; else pgdir=$state/pg; fi
base=$(.ci/pg.sh start "$pgdir" "${GATEHOUSE_DEV_PG_PORT:-55432}")
psql "$base/postgres" -qc "DROP DATABASE IF EXISTS gatehouse_sqlx" -c "CREATE DATABASE gatehouse_sqlx" >/dev/null
export DATABASE_URL="$base/gatehouse_sqlx"
sqlx migrate run --source migrations >/dev/null
SQLX_OFFLINE=false cargo sqlx prepare --workspace -- --all-targets --features app/ssr
psql "$base/postgres" -qc "DROP DATABASE gatehouse_sqlx" >/dev/null
echo ".sqlx/ updated ($(ls .sqlx | wc -l) queries)"
