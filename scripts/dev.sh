#!/usr/bin/env bash
# Installs what is missing, builds the release site and serves it at
# http://127.0.0.1:3000 on the embedded SQLite database (data/customers.db,
# created, migrated and filled with a demo store on first start).
# Extra arguments go to `server serve`, e.g. `scripts/dev.sh --addr 127.0.0.1:8080`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Assigned first: `eval "$(...)"` alone would carry on after a failed setup.
path_line="$(bash scripts/setup.sh)"
eval "$path_line"
cargo leptos build --release --precompress
exec target/release/server serve "$@"
