#!/usr/bin/env bash
# `make bench`: builds the release site and measures it on loopback, printing a table.
#   start to ready, idle RSS, hydrate wasm size, requests/s and latency (wrk, 32 connections)
# Load goes only to 127.0.0.1 and is bounded in time (BENCH_SECONDS, default 10 s per run).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

cache=${GATEHOUSE_CACHE:-$HOME/.cache/gatehouse}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target}
export PATH="$cache/tools/bin:$cache/node/node_modules/.bin:$PATH"
export SQLX_OFFLINE=true
secs=${BENCH_SECONDS:-10}

.ci/tools.sh bench
command -v brotli >/dev/null || { sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq brotli >/dev/null; }

echo "building the release site…" >&2
cargo leptos build --release >&2

work=$(mktemp -d /var/tmp/gatehouse-bench.XXXXXX)
chmod 755 "$work"
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  .ci/pg.sh stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT

read -r pg_port app_port < <(python3 .ci/freeport.py 2)
pg_base=$(PG_FSYNC=off .ci/pg.sh start "$work/pg" "$pg_port")
psql "$pg_base/postgres" -qc "CREATE DATABASE bench" >/dev/null

export DATABASE_URL="$pg_base/bench"
export GATEHOUSE_BIND="127.0.0.1:$app_port"
export GATEHOUSE_STORAGE_PATH="$work/files"
export LEPTOS_SITE_ROOT="$here/target/site"
export LEPTOS_ENV=PROD
export RUST_LOG=warn
bin="$CARGO_TARGET_DIR/release/gatehouse"
url="http://127.0.0.1:$app_port"

# Migrations once, so start-up measures a normal restart.
"$bin" migrate >/dev/null

start_app() {
  "$bin" serve >"$work/app.log" 2>&1 &
  app_pid=$!
}
stop_app() {
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
}

# Start to ready: process launch until /readyz answers 200, best of 5 (median reported).
ready_ms=()
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N)
  start_app
  until curl -fs -o /dev/null "$url/readyz"; do sleep 0.005; done
  t1=$(date +%s%N)
  ready_ms+=($(( (t1 - t0) / 1000000 )))
  stop_app
done
ready_median=$(printf '%s\n' "${ready_ms[@]}" | sort -n | sed -n 3p)

start_app
until curl -fs -o /dev/null "$url/readyz"; do sleep 0.01; done
for _ in $(seq 1 20); do curl -fs -o /dev/null "$url/"; done
sleep 2
idle_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$app_pid/status")

wasm="$here/target/site/pkg/gatehouse.wasm"
wasm_raw=$(stat -c %s "$wasm")
wasm_gz=$(gzip -9 -c "$wasm" | wc -c)
wasm_br=$(brotli -q 11 -c "$wasm" | wc -c)

# wrk: requests/s, p50 and p99 latency.
wrk_row() {
  local name=$1 path=$2
  local out
  out=$(wrk -t2 -c32 -d"${secs}s" --latency "$url$path")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf '| %s | %s req/s | p50 %s | p99 %s |\n' "$name" "$rps" "$p50" "$p99"
}

echo
echo "## Gatehouse benchmarks ($(date -u +%Y-%m-%d), $(nproc) cores, release build)"
echo
echo "| measure | value | target |"
echo "|---|---|---|"
printf '| start to ready (median of 5) | %s ms | ≤ 1000 ms |\n' "$ready_median"
printf '| idle RSS | %s MB | ≤ 60 MB |\n' "$(awk "BEGIN {printf \"%.1f\", $idle_rss_kb/1024}")"
printf '| hydrate wasm raw | %s KB | |\n' "$((wasm_raw / 1024))"
printf '| hydrate wasm gzip -9 | %s KB | |\n' "$((wasm_gz / 1024))"
printf '| hydrate wasm brotli -q 11 | %s KB | ≤ 400 KB |\n' "$((wasm_br / 1024))"
echo
echo "| HTTP, 32 connections, ${secs} s (wrk -t2) | throughput | latency | |"
echo "|---|---|---|---|"
wrk_row "GET / (SSR landing page)" "/"
wrk_row "GET /pkg/gatehouse.css (static asset)" "/pkg/gatehouse.css"
stop_app

# --- A 50 MB document through the app, against a direct PUT to the same S3 server -------
read -r s3_port < <(python3 .ci/freeport.py 1)
mkdir -p "$work/s3/bench"
s3s-fs --host 127.0.0.1 --port "$s3_port" --access-key bench-key --secret-key bench-secret "$work/s3" >"$work/s3.log" 2>&1 &
s3_pid=$!
until (echo >"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null; do sleep 0.05; done
psql "$pg_base/postgres" -qc "CREATE DATABASE bench_upload" >/dev/null
(
  export DATABASE_URL="$pg_base/bench_upload" GATEHOUSE_SEED_DEMO=true GATEHOUSE_UPLOAD_LIMIT_BYTES=$((64 * 1024 * 1024))
  export GATEHOUSE_STORAGE=s3 GATEHOUSE_S3_ENDPOINT="http://127.0.0.1:$s3_port" GATEHOUSE_S3_BUCKET=bench
  export GATEHOUSE_S3_ACCESS_KEY=bench-key GATEHOUSE_S3_SECRET_KEY=bench-secret
  exec "$bin" serve
) >"$work/upload-app.log" 2>&1 &
app_pid=$!
until curl -fs -o /dev/null "$url/readyz"; do sleep 0.05; done
curl -fs -c "$work/cookies" -H "Origin: $url" -H "Accept: application/json" \
  --data-urlencode "email=merchant@demo-merchant.test" --data-urlencode "password=gatehouse-demo-2026" "$url/api/auth/login" >/dev/null
doc="$work/document.pdf"
printf '%%PDF-1.4\n' >"$doc"
head -c $((50 * 1024 * 1024)) /dev/urandom >>"$doc"
size=$(stat -c %s "$doc")

upload_once() {
  curl -fs -o /dev/null -w '%{time_total}' -b "$work/cookies" -H "Origin: $url" -H "Accept: application/json" \
    -F kind=articles -F "file=@$doc;type=application/pdf" "$url/portal/documents/upload"
}
put_once() {
  local put_url
  put_url=$(python3 .ci/s3presign.py PUT "http://127.0.0.1:$s3_port" bench "direct/$RANDOM$RANDOM.pdf" bench-key bench-secret)
  curl -fs -o /dev/null -w '%{time_total}' -X PUT -T "$doc" "$put_url"
}
median() { sort -n | sed -n "$(( ($1 + 1) / 2 ))p"; }
upload_once >/dev/null # warm-up
app_times=()
rss_growth_kb=0
for _ in 1 2 3 4 5; do
  echo 5 >"/proc/$app_pid/clear_refs" 2>/dev/null || true
  before=$(awk '/VmRSS/ {print $2}' "/proc/$app_pid/status")
  app_times+=("$(upload_once)")
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$app_pid/status")
  growth=$((peak - before))
  [ "$growth" -gt "$rss_growth_kb" ] && rss_growth_kb=$growth
done
put_times=()
for _ in 1 2 3 4 5; do put_times+=("$(put_once)"); done
app_t=$(printf '%s\n' "${app_times[@]}" | median 5)
put_t=$(printf '%s\n' "${put_times[@]}" | median 5)
kill "$s3_pid" 2>/dev/null || true
echo
echo "| 50 MB document (median of 5) | time | throughput | target |"
echo "|---|---|---|---|"
awk -v s="$size" -v a="$app_t" -v p="$put_t" 'BEGIN {
  printf "| direct PUT to the S3 server (curl, presigned) | %.3f s | %.0f MB/s | |\n", p, s / p / 1e6
  printf "| through the app (multipart, streamed to S3) | %.3f s | %.0f MB/s | |\n", a, s / a / 1e6
  printf "| throughput ratio app / direct | %.2f | | ≥ 0.85 |\n", p / a
}'
printf '| server peak RSS growth during an upload (max of 5) | %s MB | | ≤ 16 MB |\n' "$(awk "BEGIN {printf \"%.1f\", $rss_growth_kb/1024}")"
stop_app

# --- The review queue's first page with 100 000 applications --------------------------------
psql "$pg_base/postgres" -qc "CREATE DATABASE bench_review" >/dev/null
export DATABASE_URL="$pg_base/bench_review"
"$bin" bench-seed --applications "${BENCH_APPLICATIONS:-100000}" >/dev/null
(export GATEHOUSE_SEED_DEMO=true; exec "$bin" serve) >"$work/review-app.log" 2>&1 &
app_pid=$!
until curl -fs -o /dev/null "$url/readyz"; do sleep 0.05; done
session=$(curl -fs -D - -o /dev/null -H "Origin: $url" -H "Accept: application/json" \
  --data-urlencode "email=reviewer@gatehouse.test" --data-urlencode "password=gatehouse-demo-2026" "$url/api/auth/login" |
  sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip' | head -n 1)
rows=$(curl -fs -H "Cookie: $session" "$url/review" | grep -o '<tr' | wc -l)
echo
echo "| review queue, 100 000 applications, 32 connections, ${secs} s | throughput | latency | |"
echo "|---|---|---|---|"
wrk_auth_row() {
  local name=$1 path=$2
  local out
  out=$(wrk -t2 -c32 -d"${secs}s" --latency -H "Cookie: $session" "$url$path")
  printf '| %s | %s req/s | p50 %s | p99 %s |\n' "$name" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
}
wrk_auth_row "GET /review (first page, $((rows - 1)) rows)" "/review"
wrk_auth_row "GET /review?tier=high (one filter)" "/review?tier=high"
wrk_row "GET /pkg/gatehouse.css (static asset, same run)" "/pkg/gatehouse.css"
echo
echo "EXPLAIN ANALYZE of the queue page's queries:"
psql "$DATABASE_URL" -qAt -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
  SELECT a.id, a.state, a.version, a.legal_name, a.industry, a.effective_tier, a.risk_score, a.submitted_at, a.assigned_to, u.name
  FROM applications a LEFT JOIN users u ON u.id = a.assigned_to
  WHERE a.state IN ('submitted', 'in_review', 'pending_second_approval') AND a.effective_tier = 'high'
  ORDER BY a.submitted_at, a.id LIMIT 51" -c "EXPLAIN (ANALYZE, COSTS OFF)
  SELECT state, n FROM application_state_counts WHERE state IN ('submitted', 'in_review', 'pending_second_approval') AND n > 0" | sed 's/^/    /'
