#!/usr/bin/env bash
# The release site (server binary, split WASM, precompressed assets), built only when something it
# is built from has changed since the last build: `make run`, `make bench` and `make soak` share it,
# and a restart with nothing changed starts at once instead of spending minutes regenerating and
# minifying the same JS and WASM.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# Panic locations name their source files, and in the browser bundle those names are data that
# every first page downloads (the split tool keeps all data in the first module). Without the
# registry's and this checkout's prefixes they are ~16 KB shorter (3.1 KB brotli; the standard
# library's come precompiled, named /rustc/<commit>/..., and cannot be shortened here). The
# erase_components flag is repeated because a target's flags replace .cargo/config.toml's [build]
# flags.
wasm_flags="--cfg erase_components --remap-path-prefix=$root/="
for registry in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  wasm_flags+=" --remap-path-prefix=$registry="
done
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$wasm_flags"

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
