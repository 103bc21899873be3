#!/usr/bin/env bash
# `make run`: a private PostgreSQL when DATABASE_URL is unset, local file storage, the dev
# mailbox, demo accounts; builds the release site and serves it on GATEHOUSE_BIND.
#   .ci/dev.sh           run
#   .ci/dev.sh --clean   stop the private PostgreSQL and delete its data and the dev files
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

state=${GATEHOUSE_STATE:-$HOME/.local/share/gatehouse}
# The postgres user must be able to reach its data directory, which a root home is not.
if [ "$(id -u)" = 0 ]; then pgdir=/var/lib/postgresql/gatehouse-dev; else pgdir=$state/pg; fi
pgport=${GATEHOUSE_DEV_PG_PORT:-55432}

if [ "${1:-}" = "--clean" ]; then
  .ci/pg.sh stop "$pgdir"
  rm -rf "$pgdir" "$pgdir.password" "$state/files"
  echo "dev database and files removed"
  exit 0
fi

if [ -z "${DATABASE_URL:-}" ]; then
  base=$(.ci/pg.sh start "$pgdir" "$pgport")
  if ! psql "$base/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = 'gatehouse'" | grep -q 1; then
    psql "$base/postgres" -qc "CREATE DATABASE gatehouse" >/dev/null
  fi
  export DATABASE_URL="$base/gatehouse"
  echo "PostgreSQL: private cluster in $pgdir on 127.0.0.1:$pgport (stop it with: .ci/pg.sh stop $pgdir)"
fi

export GATEHOUSE_STORAGE_PATH=${GATEHOUSE_STORAGE_PATH:-$state/files}
export GATEHOUSE_SEED_DEMO=${GATEHOUSE_SEED_DEMO:-true}
export GATEHOUSE_BIND=${GATEHOUSE_BIND:-127.0.0.1:3000}
mkdir -p "$GATEHOUSE_STORAGE_PATH"

cargo leptos build --release

export LEPTOS_SITE_ROOT="$here/target/site"
export LEPTOS_SITE_ADDR="$GATEHOUSE_BIND"
export LEPTOS_ENV=PROD
exec "$CARGO_TARGET_DIR/release/gatehouse" serve
