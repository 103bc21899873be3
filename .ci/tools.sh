#!/usr/bin/env bash
# Installs what building, running and testing Gatehouse needs, into caches outside the
# checkout. Idempotent: a second run checks versions and returns in about a second.
#   .ci/tools.sh build   wasm target, cargo-leptos, wasm-bindgen-cli, binaryen (wasm-opt), PostgreSQL
#   .ci/tools.sh test    build tools + s3s-fs, aiosmtpd, Chromium, Playwright, poppler-utils
#   .ci/tools.sh bench   test tools + wrk
set -euo pipefail

what=${1:-build}
cache=${GATEHOUSE_CACHE:-$HOME/.cache/gatehouse}
tools=$cache/tools
node_dir=$cache/node
mkdir -p "$tools/bin" "$node_dir"
export PATH="$tools/bin:$node_dir/node_modules/.bin:$PATH"
here=$(cd "$(dirname "$0")/.." && pwd)

# Versions live here and nowhere else.
CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' "$here/Cargo.toml")
S3S_FS_VERSION=0.14.1
BINARYEN_VERSION=132

log() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  if [ ! -f /var/lib/apt/lists/.gatehouse-updated ] || [ -z "$(find /var/lib/apt/lists/.gatehouse-updated -mmin -1440 2>/dev/null)" ]; then
    $sudo apt-get update -qq >&2
    $sudo touch /var/lib/apt/lists/.gatehouse-updated
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

cargo_tool() { # name version binary [extra cargo install args]
  local name=$1 version=$2 bin=$3
  shift 3
  if [ -x "$tools/bin/$bin" ] && grep -q "\"$name $version " "$tools/.crates.toml" 2>/dev/null; then
    return 0
  fi
  log "cargo install $name $version (once; cached in $tools)"
  cargo install "$name" --version "$version" --root "$tools" "$@" >&2
}

build_tools() {
  if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown >&2
  fi
  cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
  cargo_tool cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-leptos --locked
  # Debian's binaryen is too old (its wasm-opt breaks hydration); npm's is current.
  if [ ! -x "$node_dir/node_modules/.bin/wasm-opt" ] || ! grep -q "\"version\": \"$BINARYEN_VERSION" "$node_dir/node_modules/binaryen/package.json" 2>/dev/null; then
    log "npm install binaryen@$BINARYEN_VERSION"
    (cd "$node_dir" && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION" >&2)
  fi
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
  fi
  # The CJK font embedded in contract PDFs (GATEHOUSE_CONTRACT_FONT finds it by default).
  apt_install fonts-noto-cjk
}

test_tools() {
  cargo_tool s3s-fs "$S3S_FS_VERSION" s3s-fs --features binary --locked
  if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    log "pip install aiosmtpd"
    python3 -m pip install -q aiosmtpd >&2
  fi
  # pdftotext reads contracts back in tests.
  apt_install chromium poppler-utils
  if [ ! -d "$here/end2end/node_modules/@playwright/test" ] || [ "$here/end2end/package-lock.json" -nt "$here/end2end/node_modules/.package-lock.json" ]; then
    log "npm ci (end2end: Playwright test runner; the browser is Debian's chromium)"
    (cd "$here/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent --cache "$node_dir/npm-cache" >&2)
  fi
}

case "$what" in
build) build_tools ;;
test) build_tools; test_tools ;;
bench) build_tools; test_tools; apt_install wrk ;;
*) echo "usage: tools.sh build|test|bench" >&2; exit 2 ;;
esac
