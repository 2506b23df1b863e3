#!/usr/bin/env bash
# `make demo`: fills the database `make run` serves (its embedded cluster under ./data, or
# DATABASE_URL) with a generated, deterministic dealer network. Arguments go to
# `server demo-data` (see `target/release/server demo-data --help`), e.g.
#   make demo DEMO_ARGS="--dealers 500 --users-per-dealer 4 --records 1000000 --seed 2"
# Stop `make run` first when it uses the embedded cluster; start it again to see the data.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/bootstrap.sh run
scripts/build-release.sh
exec target/release/server demo-data "$@"
