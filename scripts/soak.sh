#!/usr/bin/env bash
# `make soak`: ten minutes (OAP_SOAK_SECONDS) of mixed traffic against the release build, then the
# verdict: every answer a success, and the server's memory flat. At once, from this machine:
#   - sign-ins (Argon2id, a new device each: notices and mail), 2 clients;
#   - the users list as JSON (first page and a search), 8 clients;
#   - the server-rendered users page, 4 clients;
#   - permission toggles (audited, chained), 4 clients;
#   - the audit trail list, 2 clients.
# The server's resident memory is sampled every 15 s; "flat" means the last third of the run
# averages within 10% of the first third (after a minute's warm-up).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export SQLX_OFFLINE=true
export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
SECONDS_TOTAL="${OAP_SOAK_SECONDS:-600}"
ADDR="127.0.0.1:3400"
export OAP_BENCH_ORIGIN="http://$ADDR"
export OAP_BENCH_PASSWORD="soak-super-admin-password"

scripts/bootstrap.sh bench
scripts/build-release.sh
server="$root/target/release/server"

stop_embedded=""
if [ -z "${DATABASE_URL:-}" ]; then
  export OAP_DATA_DIR="${TMPDIR:-/tmp}/oap-soak-pg-$(id -u)"
  DATABASE_URL="$("$server" embedded-db start)"
  export DATABASE_URL
  stop_embedded=1
fi
pid=""
work="$(mktemp -d)"
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$stop_embedded" ] && "$server" embedded-db stop || true
  rm -rf "$work"
}
trap cleanup EXIT

soak_url="$("$server" scratch-db oap_soak)"
sql() { psql -X -q -v ON_ERROR_STOP=1 "$soak_url" "$@"; }
LEPTOS_SITE_ADDR="$ADDR" DATABASE_URL="$soak_url" OAP_SUPERADMIN_PASSWORD="$OAP_BENCH_PASSWORD" \
  OAP_AUTH_RATE_LIMIT_PER_MINUTE=100000000 RUST_LOG=warn "$server" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://$ADDR/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://$ADDR/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }

sql -c "UPDATE settings SET value = '' WHERE key = 'mfa_required_roles'"
sql <<'SQL'
INSERT INTO dealers (dealer_code, dealer_name, city, brand, status)
SELECT 'SOAK-' || lpad(i::text, 3, '0'), 'Soak Dealer ' || i, 'City ' || (i % 20), 'Both', 'active'
  FROM generate_series(1, 100) i;
INSERT INTO users (email, password_hash, name, role, user_type, dealer_id)
SELECT 'soak' || i || '@dealer.example', 'x', 'Soak User ' || i, 'service_head', 'dealer',
       (SELECT id FROM dealers WHERE dealer_code = 'SOAK-' || lpad((1 + i % 100)::text, 3, '0'))
  FROM generate_series(1, 2000) i;
ANALYZE;
SQL
jar="$work/jar"
curl -fs -c "$jar" -H "Origin: $OAP_BENCH_ORIGIN" -H "Accept: application/json" \
  --data-urlencode "email=superadmin@oneaftersales.com" --data-urlencode "password=$OAP_BENCH_PASSWORD" \
  "http://$ADDR/api/auth/login" >/dev/null
OAP_BENCH_COOKIE="oap_session=$(awk '$6 == "oap_session" {print $7}' "$jar")"
OAP_BENCH_USERS="$(sql -At -c "SELECT string_agg(id::text, ',') FROM (SELECT id FROM users WHERE email LIKE 'soak%' LIMIT 500) u")"
export OAP_BENCH_COOKIE OAP_BENCH_USERS

# load NAME CLIENTS SCRIPT URL [BODY]: one wrk in the background, its report in $work/NAME.
load() {
  OAP_BENCH_BODY="${5:-}" wrk -t1 -c"$2" -d"${SECONDS_TOTAL}s" --latency -s "$3" "$4" >"$work/$1" 2>&1 &
}
load login 2 scripts/bench/login.lua "http://$ADDR/api/auth/login"
load list 6 scripts/bench/post_json.lua "http://$ADDR/api/admin/users/list" \
  '{"query":{"search":"","sort":"name","descending":false}}'
load search 2 scripts/bench/post_json.lua "http://$ADDR/api/admin/users/list" \
  '{"query":{"search":"soak 1","sort":"name","descending":false}}'
load page 4 scripts/bench/get_page.lua "http://$ADDR/admin/users"
load toggle 4 scripts/bench/toggle.lua "http://$ADDR/api/admin/permissions/set"
load audit 2 scripts/bench/post_json.lua "http://$ADDR/api/admin/audit/list" '{"query":{"actor":"","action":"","from":"","to":""}}'

rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
samples=()
elapsed=0
while [ "$elapsed" -lt "$SECONDS_TOTAL" ]; do
  sleep 15
  elapsed=$((elapsed + 15))
  samples+=("$(rss)")
  printf '[soak] %4d s: server RSS %s KiB\n' "$elapsed" "${samples[-1]}" >&2
done
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true

errors=0
printf '\n%-8s %10s %8s %8s %8s\n' "load" "requests" "p50" "p99" "errors"
for name in login list search page toggle audit; do
  out="$(cat "$work/$name")"
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  sock=$(echo "$out" | awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}')
  bad=$(( ${non2xx:-0} + ${sock:-0} ))
  errors=$((errors + bad))
  printf '%-8s %10s %8s %8s %8s\n' "$name" "$requests" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" "$(echo "$out" | awk '$1=="99%" {print $2}')" "$bad"
done
n=${#samples[@]}
third=$(( n / 3 > 0 ? n / 3 : 1 ))
first=$(printf '%s\n' "${samples[@]:4:$third}" | awk '{s+=$1} END {print int(s/NR)}')
last=$(printf '%s\n' "${samples[@]: -$third}" | awk '{s+=$1} END {print int(s/NR)}')
printf '\nserver RSS: %s KiB at start, %s KiB at the end (averages of the first and last thirds after warm-up: %s and %s KiB)\n' \
  "${samples[0]}" "${samples[-1]}" "$first" "$last"
printf 'errors: %s\n' "$errors"
grow=$(( (last - first) * 100 / (first > 0 ? first : 1) ))
if [ "$errors" -gt 0 ] || [ "$grow" -gt 10 ]; then
  echo "soak FAILED (errors $errors, memory growth ${grow}%)" >&2
  exit 1
fi
echo "soak passed (memory growth ${grow}%)"
