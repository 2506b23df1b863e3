#!/usr/bin/env bash
# `make run`: installs what is missing, builds the release site when anything it is built from has
# changed since the last build (a restart with nothing changed serves at once instead of spending
# minutes regenerating and minifying the same JS and WASM), then serves it at http://127.0.0.1:3000.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/bootstrap.sh run

stamp="target/site/.release-built"
server="target/release/server"
inputs=(Cargo.toml Cargo.lock rust-toolchain.toml .sqlx app frontend server style public)
changed() {
  [ ! -f "$stamp" ] || [ ! -x "$server" ] \
    || [ -n "$(find "${inputs[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]
}
if changed; then
  cargo leptos build --release --precompress --split
  touch "$stamp"
else
  echo "[run] nothing changed since the last build; serving it" >&2
fi

export OAP_DEV_MAILBOX="${OAP_DEV_MAILBOX:-true}"
# The binary reads the site's layout from Cargo.toml when cargo-leptos does not set it.
exec "$server" serve
