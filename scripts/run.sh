#!/usr/bin/env bash
# `make run`: installs what is missing, builds the release site when anything it is built from has
# changed since the last build (scripts/build-release.sh: a restart with nothing changed serves at
# once), then serves it at http://127.0.0.1:3000.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/bootstrap.sh run

scripts/build-release.sh
server="target/release/server"

export OAP_DEV_MAILBOX="${OAP_DEV_MAILBOX:-true}"
# The binary reads the site's layout from Cargo.toml when cargo-leptos does not set it.
exec "$server" serve
