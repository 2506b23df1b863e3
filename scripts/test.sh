#!/usr/bin/env bash
# Every check of the project, in the order that fails fastest. Used by `make test` (and so by CI).
#   scripts/test.sh            run everything
#   scripts/test.sh --prepare  regenerate the .sqlx offline query cache instead of checking it
# PostgreSQL: DATABASE_URL when set (a server where this role may create databases); otherwise an
# embedded cluster, new for each run under /tmp (or kept in $OAP_TEST_DATA_DIR), started and stopped here.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mode="${1:-all}"

export SQLX_OFFLINE=true
# The same flag as .cargo/config.toml, and as cargo-leptos passes (as RUSTFLAGS) for its dev builds:
# with it identical everywhere, tests, clippy and the end-to-end server share compiled dependencies.
export RUSTFLAGS="--cfg erase_components"
export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*" >&2; }
started=$SECONDS

scripts/bootstrap.sh test

# The server binary that `cargo test --all-targets` builds (with the tests' feature set) serves the
# database commands below and the end-to-end run, so the server is compiled once, not twice.
server() { "$root/target/debug/server" "$@"; }

if [ "$mode" != "--prepare" ]; then
  step "cargo fmt --check"
  cargo fmt --all --check

  step "clippy (server build, warnings denied)"
  cargo clippy --quiet -p app -p server --all-targets -- -D warnings
  step "clippy (WASM build, warnings denied)"
  cargo clippy --quiet -p frontend --target wasm32-unknown-unknown -- -D warnings
fi

step "build the server and the tests"
cargo test --quiet -p app -p server --all-targets --no-run

step "PostgreSQL"
stop_embedded=""
fresh_data_dir=""
if [ -z "${DATABASE_URL:-}" ]; then
  # A fresh cluster per run (initdb takes seconds): nothing left over from an earlier, interrupted
  # run can get in the way. World-searchable so that, as root, the postgres user can enter it.
  export OAP_DATA_DIR="${OAP_TEST_DATA_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/oap-test-pg.XXXXXX")}"
  chmod 755 "$OAP_DATA_DIR"
  if [ -z "${OAP_TEST_DATA_DIR:-}" ]; then
    fresh_data_dir="$OAP_DATA_DIR"
  fi
  DATABASE_URL="$(server embedded-db start)"
  export DATABASE_URL
  stop_embedded=1
  echo "embedded cluster under $OAP_DATA_DIR" >&2
else
  echo "using DATABASE_URL" >&2
fi
cleanup() {
  if [ -n "$stop_embedded" ]; then
    server embedded-db stop || true
  fi
  if [ -n "$fresh_data_dir" ]; then
    rm -rf "$fresh_data_dir"
  fi
}
trap cleanup EXIT

# A migrated scratch database for the compile-time query checks.
sqlx_url="$(server scratch-db oap_sqlx_check --migrate)"
if [ "$mode" = "--prepare" ]; then
  step "cargo sqlx prepare (writing .sqlx)"
  SQLX_OFFLINE=false DATABASE_URL="$sqlx_url" cargo sqlx prepare --workspace -- -p app -p server --all-targets
  exit 0
fi
step "sqlx offline cache is current"
SQLX_OFFLINE=false DATABASE_URL="$sqlx_url" cargo sqlx prepare --workspace --check -- -p app -p server --all-targets

step "unit and integration tests"
cargo test -p app -p server --all-targets

step "end-to-end tests in Chromium"
# The dev bundle goes to a site of its own: written over target/site, it would be what a later
# `make run` serves, since the release build (scripts/build-release.sh) sees no source change.
LEPTOS_SITE_ROOT=target/site-e2e cargo leptos build --frontend-only --split
e2e_url="$(server scratch-db oap_e2e)"
# A manufacturer admin of its own for the access-control journey, so it and the first-user journey
# (which needs the super admin's very first sign-in) do not depend on each other's order.
export OAP_E2E_ADMIN_EMAIL="e2e.admin@oneaftersales.com" OAP_E2E_ADMIN_PASSWORD="e2e-manufacturer-admin-password"
printf '%s\n' "$OAP_E2E_ADMIN_PASSWORD" | DATABASE_URL="$e2e_url" server create-admin \
  --email "$OAP_E2E_ADMIN_EMAIL" --name "E2E Admin" --role manufacturer_admin --password-stdin >/dev/null
# And one for the narrow-screen journey: each journey enrols its own second factor on first sign-in.
export OAP_E2E_NARROW_ADMIN_EMAIL="e2e.narrow@oneaftersales.com" OAP_E2E_NARROW_ADMIN_PASSWORD="e2e-narrow-screens-admin-password"
printf '%s\n' "$OAP_E2E_NARROW_ADMIN_PASSWORD" | DATABASE_URL="$e2e_url" server create-admin \
  --email "$OAP_E2E_NARROW_ADMIN_EMAIL" --name "E2E Narrow Admin" --role manufacturer_admin --password-stdin >/dev/null
# And the reviewer of the PCC journey, who also sets up the dealer and its service head.
export OAP_E2E_PCC_ADMIN_EMAIL="e2e.pcc@oneaftersales.com" OAP_E2E_PCC_ADMIN_PASSWORD="e2e-pcc-reviewer-password"
printf '%s\n' "$OAP_E2E_PCC_ADMIN_PASSWORD" | DATABASE_URL="$e2e_url" server create-admin \
  --email "$OAP_E2E_PCC_ADMIN_EMAIL" --name "Rhea Reviewer" --role manufacturer_admin --password-stdin >/dev/null
# And the events officer of the registrations journey, who also sets up its two dealers.
export OAP_E2E_EVENTS_ADMIN_EMAIL="e2e.events@oneaftersales.com" OAP_E2E_EVENTS_ADMIN_PASSWORD="e2e-events-officer-password"
printf '%s\n' "$OAP_E2E_EVENTS_ADMIN_PASSWORD" | DATABASE_URL="$e2e_url" server create-admin \
  --email "$OAP_E2E_EVENTS_ADMIN_EMAIL" --name "Esha Events" --role manufacturer_admin --password-stdin >/dev/null
# And the administrator of the home-page journey, who also sets up its dealer.
export OAP_E2E_HOME_ADMIN_EMAIL="e2e.home@oneaftersales.com" OAP_E2E_HOME_ADMIN_PASSWORD="e2e-home-admin-password"
printf '%s\n' "$OAP_E2E_HOME_ADMIN_PASSWORD" | DATABASE_URL="$e2e_url" server create-admin \
  --email "$OAP_E2E_HOME_ADMIN_EMAIL" --name "Hari Home" --role manufacturer_admin --password-stdin >/dev/null
# The seed's super admin, as the server creates it on first start (the server does so only while no
# super admin exists, and the surveys journey's super admin below would otherwise be the first).
printf '%s\n' "e2e-super-admin-password" | DATABASE_URL="$e2e_url" server create-admin \
  --email "superadmin@oneaftersales.com" --name "Super Administrator" --role super_admin --password-stdin >/dev/null
# And the super admin of the surveys journey, who edits the form, opens a period and reviews.
export OAP_E2E_SURVEYS_ADMIN_EMAIL="e2e.surveys@oneaftersales.com" OAP_E2E_SURVEYS_ADMIN_PASSWORD="e2e-surveys-super-admin-password"
printf '%s\n' "$OAP_E2E_SURVEYS_ADMIN_PASSWORD" | DATABASE_URL="$e2e_url" server create-admin \
  --email "$OAP_E2E_SURVEYS_ADMIN_EMAIL" --name "Sara Surveys" --role super_admin --password-stdin >/dev/null
(cd end2end && DATABASE_URL="$e2e_url" OAP_SUPERADMIN_PASSWORD="e2e-super-admin-password" npx playwright test)

printf '\nmake test: all checks passed in %ss\n' "$((SECONDS - started))" >&2
