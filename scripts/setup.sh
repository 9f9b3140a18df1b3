#!/usr/bin/env bash
# Installs what building, running and testing the project needs, skipping
# whatever is already present (a warm machine passes through in seconds):
#   - the wasm32 target,
#   - cargo-leptos 0.3.10,
#   - wasm-bindgen-cli at exactly the Cargo.lock version of wasm-bindgen,
#   - a wasm-opt that keeps the release WASM working (Debian's 108 breaks it),
#   - with --test: cargo-nextest, shellcheck, Chromium and chromedriver,
#     axe-core (the accessibility rules the browser tests run), and a running
#     Postgres.
# `--check` installs nothing: it lists what is missing and exits 1 if anything is.
#
# Standard output carries exactly one line, the PATH export that
# scripts/dev.sh and scripts/test.sh evaluate. Everything else (these
# messages and every installer's own output) goes to standard error, so no
# installer can put words into that evaluation. scripts/check-setup.sh runs
# every install path with noisy stub installers to keep it so.
#
# Where things go: cargo tools under $CUSTOMERS_TOOLS_DIR/cargo (default
# ~/.cache/customers-tools), binaryen under $CUSTOMERS_TOOLS_DIR/binaryen,
# axe-core under $CUSTOMERS_TOOLS_DIR/axe; Debian packages through apt-get.
set -euo pipefail
exec 3>&1 1>&2

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${CUSTOMERS_TOOLS_DIR:-$HOME/.cache/customers-tools}"
mode=build
case "${1:-}" in
  --test) mode="test" ;;
  --check) mode=check ;;
  "") ;;
  *) echo "usage: setup.sh [--test | --check]" >&2; exit 2 ;;
esac

path_line="export PATH=\"$tools/cargo/bin:$tools/binaryen/node_modules/binaryen/bin:\$HOME/.cargo/bin:\$PATH\""
export PATH="$tools/cargo/bin:$tools/binaryen/node_modules/binaryen/bin:$HOME/.cargo/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
missing=()
# need NAME: in --check mode, records NAME as missing and answers "skip";
# otherwise logs what is being installed and answers "go".
need() {
  if [ "$mode" = check ]; then
    missing+=("$1")
    return 1
  fi
  log "installing $1"
}

apt_updated=0
apt_get() {
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -y -qq "$@"
}
cargo_install() { cargo install --root "$tools/cargo" "$@"; }

# Installed, then checked: an install that "succeeds" without giving us the
# tool stops here, with the tool named, not in a build twenty minutes later.
verify() {
  local what="$1"; shift
  if ! "$@" >/dev/null 2>&1; then
    echo "setup: $what is still missing after installing it" >&2
    exit 1
  fi
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  if need "the wasm32-unknown-unknown Rust target"; then
    rustup target add wasm32-unknown-unknown
    verify "the wasm32 target" sh -c 'rustup target list --installed | grep -qx wasm32-unknown-unknown'
  fi
fi

has_leptos() { [ "$(cargo leptos --version 2>/dev/null)" = "cargo-leptos 0.3.10" ]; }
if ! has_leptos; then
  if need "cargo-leptos 0.3.10 (about 16 minutes on 2 cores)"; then
    cargo_install cargo-leptos --version 0.3.10 --locked
    verify "cargo-leptos 0.3.10" has_leptos
  fi
fi

# The CLI must match the library version in Cargo.lock exactly. Its own lock
# file pins a crate the registry no longer has, hence no --locked.
wb_version="$(grep -A1 '^name = "wasm-bindgen"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
has_bindgen() { [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $wb_version" ]; }
if ! has_bindgen; then
  if need "wasm-bindgen-cli $wb_version (about 3 minutes)"; then
    cargo_install wasm-bindgen-cli --version "$wb_version"
    verify "wasm-bindgen-cli $wb_version" has_bindgen
  fi
fi

need_npm() {
  if ! command -v npm >/dev/null; then
    log "installing Node.js and npm (Debian packages)"
    apt_get install nodejs
    command -v npm >/dev/null || apt_get install npm
  fi
}

# Binaryen from npm: a current wasm-opt, first on PATH.
has_wasm_opt() { "$tools/binaryen/node_modules/binaryen/bin/wasm-opt" --version 2>/dev/null | grep -q 'version 132'; }
if ! has_wasm_opt; then
  if need "wasm-opt (binaryen 132 from npm) into $tools/binaryen"; then
    need_npm
    mkdir -p "$tools/binaryen"
    npm install --silent --no-audit --no-fund --prefix "$tools/binaryen" binaryen@132.0.0
    verify "wasm-opt from binaryen 132" has_wasm_opt
  fi
fi

if [ "$mode" != build ]; then
  if ! cargo nextest --version >/dev/null 2>&1; then
    if need "cargo-nextest 0.9.143"; then
      cargo_install cargo-nextest --version 0.9.143 --locked
      verify "cargo-nextest" cargo nextest --version
    fi
  fi
  if ! command -v shellcheck >/dev/null; then
    if need "shellcheck (Debian package)"; then
      apt_get install shellcheck
      verify "shellcheck" shellcheck --version
    fi
  fi
  chromium="${CHROMIUM:-/usr/bin/chromium}"
  chromedriver="${CHROMEDRIVER:-/usr/bin/chromedriver}"
  if [ ! -x "$chromium" ] || [ ! -x "$chromedriver" ]; then
    if need "Chromium and chromedriver (Debian packages)"; then
      apt_get install chromium chromium-driver
      verify "chromium" "$chromium" --version
      verify "chromedriver" "$chromedriver" --version
    fi
  fi
  # The browser tests load it into each page they check (tests/src/browser.rs).
  has_axe() { [ -s "$tools/axe/node_modules/axe-core/axe.min.js" ]; }
  if ! has_axe; then
    if need "axe-core 4.10.3 (npm) into $tools/axe"; then
      need_npm
      mkdir -p "$tools/axe"
      npm install --silent --no-audit --no-fund --prefix "$tools/axe" axe-core@4.10.3
      verify "axe-core 4.10.3" has_axe
    fi
  fi
  if ! command -v pg_ctlcluster >/dev/null; then
    if need "PostgreSQL (Debian package)"; then
      apt_get install postgresql
    fi
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if need "a running PostgreSQL on 127.0.0.1:5432"; then
      log "starting PostgreSQL"
      # shellcheck disable=SC2012 # cluster versions are plain directory names
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
      verify "a running PostgreSQL" pg_isready -q -h 127.0.0.1 -p 5432
    fi
  fi
fi

if [ "$mode" = check ]; then
  if [ "${#missing[@]}" -gt 0 ]; then
    printf 'missing: %s\n' "${missing[@]}" >&2
    exit 1
  fi
  echo "setup: everything is installed" >&2
fi

echo "$path_line" >&3
