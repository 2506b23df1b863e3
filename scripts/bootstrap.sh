#!/usr/bin/env bash
# Installs what `make run` and `make test` need and is missing; silent when everything is there.
# Safe to run any number of times. Usage: scripts/bootstrap.sh [run|test]
#   run:  toolchain, cargo-leptos, wasm-bindgen-cli, wasm-opt, PostgreSQL server binaries
#   test: all of the above plus sqlx-cli, Playwright (npm), Debian's Chromium and an SMTP sink
#   bench: run's tools plus wrk and curl
set -euo pipefail

purpose="${1:-test}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

CARGO_LEPTOS_VERSION="0.3.10"
SQLX_CLI_VERSION="0.9.0"

say() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Tools are built without fat LTO: with it, cargo-leptos alone takes ~25 minutes on two cores.
cargo_install() {
  say "installing $* (one-off, a few minutes)"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --quiet "$@" || die "cargo install $* failed"
}

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    die "missing: $*. Install them as root: sudo apt-get install -y $*"
  fi
  have apt-get || die "missing: $*, and this is not a Debian-like system (no apt-get); install them by hand"
  say "installing Debian packages: $*"
  if [ ! -f /tmp/.oap-apt-updated ]; then
    apt-get update -qq >/dev/null && touch /tmp/.oap-apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

have cargo || die "cargo not found: install Rust with rustup (https://rustup.rs) first"
have rustup || die "rustup not found: the project's rust-toolchain.toml needs rustup"

# The WASM target (rust-toolchain.toml names it; rustup may not have fetched it yet).
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown >/dev/null || die "rustup target add wasm32-unknown-unknown failed"
fi

# cargo-leptos, exactly this version (0.3.11 needs a newer rustc).
# opt-level 1: it installs in 10.5 minutes instead of 12.5 on two cores, and its own work per build
# (splitting, minifying, compressing) was measured no slower that matters (8 s against 7 s).
# It asks for a vendored OpenSSL (through cargo-generate), which compiles OpenSSL's C sources for
# minutes; with Debian's libssl-dev and pkg-config present, OPENSSL_NO_VENDOR links that instead.
if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  if ! pkg-config --exists openssl 2>/dev/null && [ "$(id -u)" -eq 0 ] && have apt-get; then
    apt_install libssl-dev pkg-config
  fi
  if pkg-config --exists openssl 2>/dev/null; then
    export OPENSSL_NO_VENDOR=1
  fi
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo_install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  unset OPENSSL_NO_VENDOR
fi

# wasm-bindgen-cli at exactly the version Cargo.lock pins (a mismatch breaks the WASM build).
wb_version="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)"
[ -n "$wb_version" ] || die "could not read the wasm-bindgen version from Cargo.lock"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  # --locked fails for wasm-bindgen-cli on this registry; its own lockfile is not needed.
  cargo_install wasm-bindgen-cli --version "$wb_version" --force
fi

# Node.js and npm: wasm-opt (npm `binaryen`) and Playwright come from the npm registry.
if ! have npm; then
  apt_install nodejs npm
fi
# end2end/package-lock.json pins binaryen (wasm-opt; Debian's is too old) and @playwright/test.
lock_stamp="end2end/node_modules/.package-lock.json"
if [ ! -f "$lock_stamp" ] || [ "end2end/package-lock.json" -nt "$lock_stamp" ]; then
  say "installing end2end npm packages from package-lock.json"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || die "npm ci in end2end/ failed"
fi

# PostgreSQL server binaries, for the embedded cluster (used whenever DATABASE_URL is unset).
if [ -z "${DATABASE_URL:-}" ] && [ -z "${OAP_PG_BIN_DIR:-}" ]; then
  if ! have initdb && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
  fi
  if [ "$(id -u)" -eq 0 ] && ! id -u "${OAP_PG_OS_USER:-postgres}" >/dev/null 2>&1; then
    say "creating the system user ${OAP_PG_OS_USER:-postgres} that runs the embedded PostgreSQL"
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "${OAP_PG_OS_USER:-postgres}"
  fi
fi

# pgBackRest: WAL archiving, backups and point-in-time recovery of the embedded cluster (and the
# restore test). Without it the portal runs, with backups off.
have pgbackrest || apt_install pgbackrest

if [ "$purpose" = "bench" ]; then
  have wrk || apt_install wrk
  have curl || apt_install curl
  have psql || apt_install postgresql-client
fi

if [ "$purpose" = "test" ]; then
  if [ "$(sqlx --version 2>/dev/null | awk '{print $2}')" != "$SQLX_CLI_VERSION" ]; then
    cargo_install sqlx-cli --version "$SQLX_CLI_VERSION" --no-default-features --features postgres,rustls --locked
  fi
  # Debian's Chromium drives the end-to-end tests; Playwright never downloads a browser here.
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
  fi
  # A real SMTP server process (a local sink) for the mail delivery test; Debian's Python has it.
  if ! /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    apt_install python3-aiosmtpd
  fi
fi
