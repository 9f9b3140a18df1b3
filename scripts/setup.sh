#!/usr/bin/env bash
# Installs what building, running and testing the project needs, skipping
# whatever is already present (a warm machine passes through in seconds):
#   - the wasm32 target,
#   - cargo-leptos 0.3.10,
#   - wasm-bindgen-cli at exactly the Cargo.lock version of wasm-bindgen,
#   - a wasm-opt that keeps the release WASM working (Debian's 108 breaks it),
#   - with --test: cargo-nextest, Chromium and chromedriver, a running Postgres.
# Source it (`. scripts/setup.sh`) or run it; either way it ends by printing
# the PATH additions, which scripts/dev.sh and scripts/test.sh apply.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${CUSTOMERS_TOOLS_DIR:-$HOME/.cache/customers-tools}"
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
apt_updated=0
apt_get() {
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get "$@"
}

export PATH="$tools/binaryen/node_modules/binaryen/bin:$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null)" != "cargo-leptos 0.3.10" ]; then
  log "installing cargo-leptos 0.3.10 (about 20 minutes on 2 cores)"
  cargo install cargo-leptos --version 0.3.10 --locked
fi

# The CLI must match the library version in Cargo.lock exactly. Its own lock
# file pins a crate the registry no longer has, hence no --locked.
wb_version="$(grep -A1 '^name = "wasm-bindgen"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]; then
  log "installing wasm-bindgen-cli $wb_version"
  cargo install wasm-bindgen-cli --version "$wb_version"
fi

# Binaryen from npm: a current wasm-opt, first on PATH.
if ! "$tools/binaryen/node_modules/binaryen/bin/wasm-opt" --version 2>/dev/null | grep -q 'version 132'; then
  log "installing wasm-opt (binaryen 132 from npm) into $tools/binaryen"
  if ! command -v npm >/dev/null; then
    apt_get install -y nodejs npm
  fi
  mkdir -p "$tools/binaryen"
  npm install --silent --no-audit --no-fund --prefix "$tools/binaryen" binaryen@132.0.0
fi

if [ "$want_test" = 1 ]; then
  if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo install cargo-nextest --locked
  fi
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    log "installing Chromium and chromedriver (Debian packages)"
    apt_get install -y -qq chromium chromium-driver
  fi
  if ! command -v pg_ctlcluster >/dev/null; then
    log "installing PostgreSQL (Debian package)"
    apt_get install -y -qq postgresql
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

echo "export PATH=\"$tools/binaryen/node_modules/binaryen/bin:\$HOME/.cargo/bin:\$PATH\""
