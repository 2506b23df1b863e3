#!/usr/bin/env bash
# `make bench`: performance numbers from the release build, measured, never asserted in tests.
#   login: POST /api/auth/login latency (p50/p99) at 1 and at 16 concurrent clients (wrk).
# PostgreSQL: DATABASE_URL when set, otherwise an embedded cluster under /tmp/oap-bench-pg-<uid>.
# Load comes from this machine (loopback only) and competes with the server for its cores.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export SQLX_OFFLINE=true
export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
DURATION="${OAP_BENCH_SECONDS:-20}"
ADDR="127.0.0.1:3300"
export OAP_BENCH_ORIGIN="http://$ADDR"
export OAP_BENCH_PASSWORD="bench-super-admin-password"

scripts/bootstrap.sh bench
cargo leptos build --release
server="$root/target/release/server"

stop_embedded=""
if [ -z "${DATABASE_URL:-}" ]; then
  export OAP_DATA_DIR="${TMPDIR:-/tmp}/oap-bench-pg-$(id -u)"
  DATABASE_URL="$("$server" embedded-db start)"
  export DATABASE_URL
  stop_embedded=1
fi
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$stop_embedded" ] && "$server" embedded-db stop || true
}
trap cleanup EXIT

bench_url="$("$server" scratch-db oap_bench)"
LEPTOS_SITE_ADDR="$ADDR" DATABASE_URL="$bench_url" OAP_SUPERADMIN_PASSWORD="$OAP_BENCH_PASSWORD" \
  OAP_AUTH_RATE_LIMIT_PER_MINUTE=100000000 RUST_LOG=warn "$server" serve >/tmp/oap-bench-server.log 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://$ADDR/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://$ADDR/readyz" >/dev/null || { cat /tmp/oap-bench-server.log; exit 1; }

printf '\n%-34s %8s %8s %8s %10s\n' "benchmark" "clients" "p50" "p99" "req/s"
for clients in 1 16; do
  threads=$(( clients < 2 ? 1 : 2 ))
  out="$(wrk -t"$threads" -c"$clients" -d"${DURATION}s" --latency -s scripts/bench/login.lua "http://$ADDR/api/auth/login")"
  if echo "$out" | grep -q "Non-2xx"; then
    echo "$out" >&2
    echo "login answered errors; see above" >&2
    exit 1
  fi
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  printf '%-34s %8s %8s %8s %10s\n' "login (Argon2id m=19456 t=2 p=1)" "$clients" "$p50" "$p99" "$rps"
done
