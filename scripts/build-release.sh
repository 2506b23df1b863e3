#!/usr/bin/env bash
# The release site (server binary, split WASM, precompressed assets), built only when something it
# is built from has changed since the last build: `make run`, `make bench` and `make soak` share it,
# and a restart with nothing changed starts at once instead of spending minutes regenerating and
# minifying the same JS and WASM.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

stamp="target/site/.release-built"
server="target/release/server"
inputs=(Cargo.toml Cargo.lock rust-toolchain.toml .sqlx app frontend server style public)
if [ ! -f "$stamp" ] || [ ! -x "$server" ] \
  || [ -n "$(find "${inputs[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  cargo leptos build --release --precompress --split
  touch "$stamp"
else
  echo "[build] nothing changed since the last release build; using it" >&2
fi
