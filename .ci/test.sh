#!/usr/bin/env bash
# `make test`: lint, unit, integration and browser tests against real services, each started
# here on loopback on a free port and stopped afterwards:
#   PostgreSQL (private cluster), S3 (s3s-fs), SMTP (aiosmtpd), the built app, Chromium.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

cache=${GATEHOUSE_CACHE:-$HOME/.cache/gatehouse}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target}
export PATH="$cache/tools/bin:$cache/node/node_modules/.bin:$PATH"
export SQLX_OFFLINE=true
# cargo-leptos adds this flag to debug builds; tests and clippy use the same so nothing is
# compiled twice (it must not be in the environment of cargo-leptos itself, which would
# then pass it twice and rebuild everything).
erase="--cfg erase_components"

t0=$(date +%s)
step() { printf '\n\033[1m== %s\033[0m (%ss)\n' "$*" "$(($(date +%s) - t0))"; }

step "tools"
.ci/tools.sh test

step "format"
cargo fmt --all -- --check

work=$(mktemp -d /var/tmp/gatehouse-test.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  .ci/pg.sh stop "$work/pg" || true
  if [ "${KEEP_TEST_WORK:-}" = "" ]; then rm -rf "$work"; else echo "test work kept in $work"; fi
}
trap cleanup EXIT

read -r pg_port s3_port smtp_port app_port < <(python3 .ci/freeport.py 4)

step "services: PostgreSQL :$pg_port, S3 :$s3_port, SMTP :$smtp_port"
pg_base=$(PG_FSYNC=off .ci/pg.sh start "$work/pg" "$pg_port")
mkdir -p "$work/s3/gatehouse-test" "$work/s3/gatehouse-e2e"
s3s-fs --host 127.0.0.1 --port "$s3_port" --access-key gatehouse-test-key --secret-key gatehouse-test-secret "$work/s3" >"$work/s3.log" 2>&1 &
pids+=($!)
python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$work/mail" >"$work/smtp.log" 2>&1 &
pids+=($!)
wait_port() {
  for _ in $(seq 1 100); do
    if (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "port $1 did not open" >&2
  return 1
}
wait_port "$s3_port"
wait_port "$smtp_port"
export GATEHOUSE_TEST_PG="$pg_base"
export GATEHOUSE_TEST_S3="http://127.0.0.1:$s3_port"

step "build (cargo leptos build: server + hydrate wasm)"
cargo leptos build

step "clippy (server side and browser side)"
RUSTFLAGS="$erase" cargo clippy --workspace --all-targets --features app/ssr -- -D warnings
RUSTFLAGS="$erase" cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests"
RUSTFLAGS="$erase" cargo test --workspace --no-fail-fast --features app/ssr -- --test-threads "${TEST_THREADS:-4}"

step "end-to-end (Playwright + Chromium, JavaScript on and off)"
psql "$pg_base/postgres" -qc "CREATE DATABASE e2e" >/dev/null
(
  export DATABASE_URL="$pg_base/e2e"
  export GATEHOUSE_BIND="127.0.0.1:$app_port"
  export GATEHOUSE_BASE_URL="http://127.0.0.1:$app_port"
  export GATEHOUSE_STORAGE=s3
  export GATEHOUSE_S3_ENDPOINT="http://127.0.0.1:$s3_port"
  export GATEHOUSE_S3_BUCKET=gatehouse-e2e
  export GATEHOUSE_S3_ACCESS_KEY=gatehouse-test-key
  export GATEHOUSE_S3_SECRET_KEY=gatehouse-test-secret
  export GATEHOUSE_SMTP_URL="smtp://127.0.0.1:$smtp_port"
  export GATEHOUSE_SEED_DEMO=true
  export LEPTOS_SITE_ROOT="$here/target/site"
  exec "$CARGO_TARGET_DIR/debug/gatehouse" serve
) >"$work/app.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  if curl -fs "http://127.0.0.1:$app_port/readyz" >/dev/null; then break; fi
  sleep 0.2
done
curl -fs "http://127.0.0.1:$app_port/readyz" >/dev/null || { cat "$work/app.log"; exit 1; }
if ! (cd end2end && GATEHOUSE_E2E_BASE_URL="http://127.0.0.1:$app_port" GATEHOUSE_E2E_MAILDIR="$work/mail" npx playwright test); then
  echo "--- app log (last 80 lines)"; tail -n 80 "$work/app.log"
  exit 1
fi

step "all tests passed"
