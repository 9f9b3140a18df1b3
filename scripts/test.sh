#!/usr/bin/env bash
# Every check, as CI runs it (.ci/run calls this): installs what is missing,
# then formatting, clippy for both builds, the tests on SQLite and on
# Postgres, the release build of the site and the browser tests against it.
# Each profile is built once: the debug test build serves both databases, the
# release build serves the browser tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Assigned first: `eval "$(...)"` alone would carry on after a failed setup.
path_line="$(bash scripts/setup.sh --test)"
eval "$path_line"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-always}"

step "shellcheck, and every install path of setup.sh (stubbed installers)"
shellcheck scripts/*.sh .ci/run
bash scripts/check-setup.sh

step "cargo fmt --check"
cargo fmt --all --check

step "clippy: server build (ssr)"
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings

step "clippy: browser build (hydrate, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

# The backfill crash test SIGKILLs the real `server` binary (debug build).
step "build the server binary for the crash tests"
cargo build -p server --bin server

step "tests on SQLite"
TEST_DATABASE=sqlite cargo nextest run --workspace --exclude frontend --no-fail-fast

step "tests on Postgres (a fresh database per test on 127.0.0.1:5432)"
TEST_DATABASE=postgres cargo nextest run --workspace --exclude frontend --no-fail-fast

step "release build of the site (server + size-optimised WASM, hashed names, precompressed)"
# The WASM is built exactly as shipped (profile wasm-release); the server the
# browser tests drive is optimised lightly and incrementally, so a change in
# the data layer rebuilds it in seconds, not minutes. A plain
# `cargo leptos build --release` builds the fully optimised server.
CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_INCREMENTAL=true \
  cargo leptos build --release --precompress
for wasm in target/site/pkg/customers.*.wasm; do
  printf 'release WASM %s: %s bytes raw, %s brotli, %s gzip (as served)\n' "$wasm" \
    "$(stat -c %s "$wasm")" "$(stat -c %s "$wasm.br")" "$(stat -c %s "$wasm.gz")"
done

step "browser tests on SQLite (headless Chromium against the release build)"
TEST_DATABASE=sqlite cargo nextest run -p tests --run-ignored only --no-fail-fast --test browser

step "browser tests on Postgres"
TEST_DATABASE=postgres cargo nextest run -p tests --run-ignored only --no-fail-fast --test browser
