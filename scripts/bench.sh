#!/usr/bin/env bash
# `make bench`: performance numbers from the release build, measured, never asserted in tests.
#   login: POST /api/auth/login latency (p50/p99) at 1 and at 16 concurrent clients (wrk).
#   users list: the admin users list (server function JSON, and the server-rendered page) with
#     1,000 and with 100,000 users: first page, a deep keyset page and a search.
#   permission toggle: one flag of a random user on or off, audited, as the grid sends it.
#   PCC (100,000 applications): the list as a manufacturer user and as a dealer user, a workflow
#     step (take for review), and the time from a change to its event at 1 and 500 open streams.
#   WASM: the size of the first page's bundle, raw and as served (brotli).
# PostgreSQL: DATABASE_URL when set, otherwise an embedded cluster under /tmp/oap-bench-pg-<uid>.
# Load comes from this machine (loopback only) and competes with the server for its cores.
#   registrations (100,000 API registrations): the list as a manufacturer user and as a dealer
#     user, a person search, and 200 clients registering new people for one event at once.
#   surveys (1,000 dealers, 12 periods, 12,000 scored workshop responses): the results page as a
#     manufacturer user and as a dealer user, and submitting (checking, scoring, storing) a draft.
# `scripts/bench.sh pcc` (or `registrations`, `surveys`, `users`) runs only those rows (on the same data);
# `scripts/bench.sh chain` runs the permission toggle with the audit hash chain on and then off.
set -euo pipefail
only="${1:-all}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export SQLX_OFFLINE=true
export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
DURATION="${OAP_BENCH_SECONDS:-20}"
ADDR="127.0.0.1:3300"
export OAP_BENCH_ORIGIN="http://$ADDR"
export OAP_BENCH_PASSWORD="bench-super-admin-password"

scripts/bootstrap.sh bench
scripts/build-release.sh
pkg="target/site/pkg"
if [ -f "$pkg/one-aftersales.wasm.br" ]; then
  printf 'first-page WASM: %s bytes raw, %s bytes brotli as served (budget 300 KB)\n' \
    "$(stat -c %s "$pkg/one-aftersales.wasm")" "$(stat -c %s "$pkg/one-aftersales.wasm.br")"
fi
server="$root/target/release/server"

stop_embedded=""
if [ -z "${DATABASE_URL:-}" ]; then
  export OAP_DATA_DIR="${TMPDIR:-/tmp}/oap-bench-pg-$(id -u)"
  DATABASE_URL="$("$server" embedded-db start)"
  export DATABASE_URL
  stop_embedded=1
fi
pid=""
scale_pid=""
bare_pid=""
scale_bare_pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$scale_pid" ] && kill "$scale_pid" 2>/dev/null && wait "$scale_pid" 2>/dev/null || true
  [ -n "$bare_pid" ] && kill "$bare_pid" 2>/dev/null && wait "$bare_pid" 2>/dev/null || true
  [ -n "$scale_bare_pid" ] && kill "$scale_bare_pid" 2>/dev/null && wait "$scale_bare_pid" 2>/dev/null || true
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

# run LABEL CLIENTS SCRIPT URL: one wrk run, printed as a table row; any non-2xx answer fails the bench.
run() {
  local label="$1" clients="$2" script="$3" url="$4"
  local threads=$(( clients < 2 ? 1 : 2 ))
  local out
  out="$(OAP_BENCH_THREADS="$threads" wrk -t"$threads" -c"$clients" -d"${DURATION}s" --latency -s "$script" "$url")"
  if echo "$out" | grep -q "Non-2xx"; then
    echo "$out" >&2
    echo "$label answered errors; see above" >&2
    exit 1
  fi
  local p50 p99 rps
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  printf '%-46s %8s %8s %8s %10s\n' "$label" "$clients" "$p50" "$p99" "$rps"
}
sql() { psql -X -q -v ON_ERROR_STOP=1 "$bench_url" "$@"; }
# shellcheck source=bench/scale.sh
source scripts/bench/scale.sh
if [ "$only" = scale ]; then
  bench_scale
  exit 0
fi

printf '\n%-46s %8s %8s %8s %10s\n' "benchmark" "clients" "p50" "p99" "req/s"
if [ "$only" = all ]; then
  sql -c "INSERT INTO users (email, password_hash, name, role, user_type)
          SELECT 'login' || i || '@bench.example', u.password_hash, 'Bench Login ' || i, 'manufacturer_admin', 'manufacturer'
            FROM users u, generate_series(1, 200) i WHERE u.email = 'superadmin@oneaftersales.com'"
  for clients in 1 16; do
    run "login (Argon2id m=19456 t=2 p=1)" "$clients" scripts/bench/login.lua "http://$ADDR/api/auth/login"
  done
fi

# The admin screens: sign in once (no second factor for the bench) and reuse the session.
sql -c "UPDATE settings SET value = '' WHERE key = 'mfa_required_roles'"
jar="$(mktemp)"
curl -fs -c "$jar" -H "Origin: $OAP_BENCH_ORIGIN" -H "Accept: application/json" \
  --data-urlencode "email=superadmin@oneaftersales.com" --data-urlencode "password=$OAP_BENCH_PASSWORD" \
  "http://$ADDR/api/auth/login" >/dev/null
OAP_BENCH_COOKIE="oap_session=$(awk '$6 == "oap_session" {print $7}' "$jar")"
export OAP_BENCH_COOKIE
rm -f "$jar"
BARE_ADDR="127.0.0.1:3301"
DATABASE_URL="$bench_url" "$server" bench-bare --listen "$BARE_ADDR" >/tmp/oap-bench-bare.log 2>&1 &
bare_pid=$!

# add_users N: dealers and users (a dealer role each, with its template's permissions) up to N users.
add_users() {
  sql <<SQL
INSERT INTO dealers (dealer_code, dealer_name, city, brand, status)
SELECT 'BENCH-' || lpad(i::text, 4, '0'), 'Bench Dealer ' || i, 'City ' || (i % 50), 'Both', 'active'
  FROM generate_series(1, 500) i
ON CONFLICT (dealer_code) DO NOTHING;
WITH d AS (SELECT id, row_number() OVER (ORDER BY dealer_code) AS n FROM dealers WHERE dealer_code LIKE 'BENCH-%'),
     have AS (SELECT count(*) AS c FROM users),
     new AS (
       INSERT INTO users (email, password_hash, name, role, user_type, dealer_id, last_login)
       SELECT 'bench' || i || '@dealer.example', 'x', 'Bench User ' || md5(i::text),
              (ARRAY['service_head','service_manager','warranty_manager','master_technician'])[1 + i % 4],
              'dealer', d.id, CASE WHEN i % 3 = 0 THEN NULL ELSE now() - (i || ' minutes')::interval END
         FROM generate_series((SELECT c FROM have) + 1, $1) i
         JOIN d ON d.n = 1 + i % 500
       RETURNING id, role)
INSERT INTO module_access (user_id, module, can_view, can_create, can_edit, can_delete, can_approve)
SELECT new.id, t.module, t.can_view, t.can_create, t.can_edit, t.can_delete, t.can_approve
  FROM new JOIN role_templates t ON t.role = new.role
 WHERE t.can_view OR t.can_create OR t.can_edit OR t.can_delete OR t.can_approve;
ANALYZE users; ANALYZE module_access; ANALYZE dealers;
SQL
}

list_body='{"query":{"search":"","sort":"name","descending":false}}'
for size in 1000 100000; do
  add_users "$size"
  [ "$only" = all ] || [ "$only" = users ] || continue
  label="users list, $size users"
  OAP_BENCH_BODY="$list_body" run "$label: JSON, first page" 1 scripts/bench/post_json.lua "http://$ADDR/api/admin/users/list"
  # The same request against a bare axum + sqlx handler doing the same statements (`server
  # bench-bare`): what the framework, middleware and services add.
  for clients in 16 64; do
    app_row="$(OAP_BENCH_BODY="$list_body" run "$label: JSON, first page" "$clients" scripts/bench/post_json.lua "http://$ADDR/api/admin/users/list")"
    bare_row="$(OAP_BENCH_BODY="$list_body" run "$label: bare handler" "$clients" scripts/bench/post_json.lua "http://$BARE_ADDR/api/admin/users/list")"
    printf '%s\n%s\n%-46s %8s %26.2f\n' "$app_row" "$bare_row" "  app / bare (req/s)" "$clients" \
      "$(awk -v a="$(echo "$app_row" | awk '{print $NF}')" -v b="$(echo "$bare_row" | awk '{print $NF}')" 'BEGIN {print a / b}')"
  done
  printf '%-46s %s bytes (app), %s bytes (bare)\n' "  first page JSON" \
    "$(curl -fs -X POST -H "Origin: $OAP_BENCH_ORIGIN" -H "Accept: application/json" -H "Content-Type: application/json" \
         -H "Cookie: $OAP_BENCH_COOKIE" -d "$list_body" "http://$ADDR/api/admin/users/list" | wc -c)" \
    "$(curl -fs -X POST -H "Content-Type: application/json" -H "Cookie: $OAP_BENCH_COOKIE" -d "$list_body" \
         "http://$BARE_ADDR/api/admin/users/list" | wc -c)"
  # A page deep into the list: keyset pagination costs the same at any depth.
  cursor="$(sql -At -c "SELECT lower(name) || '~' || id FROM users ORDER BY lower(name), id OFFSET ($size * 9 / 10) LIMIT 1")"
  OAP_BENCH_BODY="{\"query\":{\"search\":\"\",\"sort\":\"name\",\"descending\":false,\"after\":\"$cursor\"}}" \
    run "$label: JSON, page at 90%" 16 scripts/bench/post_json.lua "http://$ADDR/api/admin/users/list"
  OAP_BENCH_BODY='{"query":{"search":"bench12","sort":"last_login","descending":true}}' \
    run "$label: JSON, search + sort by sign-in" 16 scripts/bench/post_json.lua "http://$ADDR/api/admin/users/list"
  run "$label: server-rendered page" 16 scripts/bench/get_page.lua "http://$ADDR/admin/users"
  printf '%-46s %s bytes\n' "  server-rendered page" \
    "$(curl -fs -H "Accept: text/html" -H "Cookie: $OAP_BENCH_COOKIE" "http://$ADDR/admin/users" | wc -c)"
done
if [ "$only" = users ]; then
  exit 0
fi

OAP_BENCH_USERS="$(sql -At -c "SELECT string_agg(id::text, ',') FROM (SELECT id FROM users WHERE email LIKE 'bench%' ORDER BY id LIMIT 2000) u")"
export OAP_BENCH_USERS
if [ "$only" = all ] || [ "$only" = chain ]; then
  for clients in 1 16; do
    run "permission toggle (audited)" "$clients" scripts/bench/toggle.lua "http://$ADDR/api/admin/permissions/set"
  done
fi
if [ "$only" = chain ]; then
  # The audit hash chain's cost: the same toggles with its trigger off (in the bench database only).
  # The rows written meanwhile have no place in the chain, so this database's chain is broken after.
  sql -c "ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_chain, ALTER COLUMN seq DROP NOT NULL, ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN row_hash DROP NOT NULL"
  for clients in 1 16; do
    run "permission toggle (audited, chain off)" "$clients" scripts/bench/toggle.lua "http://$ADDR/api/admin/permissions/set"
  done
fi

# PCC: 100,000 applications over the 500 bench dealers (the newest of each still open, the rest
# decided), a dealer user of the first bench dealer, and pending applications to take for review.
sql <<'SQL'
INSERT INTO users (email, password_hash, name, role, user_type, dealer_id)
SELECT 'bench.head@dealer.example', u.password_hash, 'Bench Service Head', 'service_head', 'dealer', d.id
  FROM users u, dealers d WHERE u.email = 'superadmin@oneaftersales.com' AND d.dealer_code = 'BENCH-0001'
ON CONFLICT DO NOTHING;
INSERT INTO module_access (user_id, module, can_view, can_create, can_edit, can_delete, can_approve)
SELECT u.id, t.module, t.can_view, t.can_create, t.can_edit, t.can_delete, t.can_approve
  FROM users u JOIN role_templates t ON t.role = u.role
 WHERE u.email = 'bench.head@dealer.example'
ON CONFLICT DO NOTHING;
WITH d AS (
  SELECT d.id, row_number() OVER (ORDER BY d.dealer_code) - 1 AS n,
         (SELECT u.id FROM users u WHERE u.dealer_id = d.id ORDER BY u.id LIMIT 1) AS head
    FROM dealers d WHERE d.dealer_code LIKE 'BENCH-%')
INSERT INTO dealer_pcc (dealer_id, submitted_by, application_number, application_date, criteria_data, status,
                        submitted_at, updated_at, created_at, version)
SELECT d.id, d.head, 'PCC-' || (2020 + i % 6) || '-' || lpad(i::text, 6, '0'),
       CURRENT_DATE - (i % 1500), '{"schema_version":1,"figures":{"lifts":4},"justification":"bench"}',
       CASE WHEN i > 99500 THEN (ARRAY['pending','under_review','revision_requested'])[1 + i % 3]
            WHEN i % 4 = 0 THEN 'rejected' ELSE 'approved' END,
       now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval,
       now() - (i || ' minutes')::interval, 2
  FROM generate_series(1, 100000) i JOIN d ON d.n = i % 500;
INSERT INTO dealers (dealer_code, dealer_name, city, brand, status)
SELECT 'STEP-' || lpad(i::text, 5, '0'), 'Step Dealer ' || i, 'City ' || (i % 50), 'Both', 'active'
  FROM generate_series(1, 60000) i;
INSERT INTO dealer_pcc (dealer_id, submitted_by, application_number, application_date, criteria_data, status, submitted_at)
SELECT d.id, (SELECT id FROM users WHERE email = 'bench.head@dealer.example'), 'PCC-2019-' || substr(d.dealer_code, 6),
       CURRENT_DATE, '{"schema_version":1}', 'pending', now()
  FROM dealers d WHERE d.dealer_code LIKE 'STEP-%';
ANALYZE dealer_pcc; ANALYZE dealers; ANALYZE users;
SQL
jar="$(mktemp)"
curl -fs -c "$jar" -H "Origin: $OAP_BENCH_ORIGIN" -H "Accept: application/json" \
  --data-urlencode "email=bench.head@dealer.example" --data-urlencode "password=$OAP_BENCH_PASSWORD" \
  "http://$ADDR/api/auth/login" >/dev/null
DEALER_COOKIE="oap_session=$(awk '$6 == "oap_session" {print $7}' "$jar")"
rm -f "$jar"
pcc_list='{"query":{"search":"","sort":"updated","ascending":false}}'
if [ "$only" = all ] || [ "$only" = pcc ]; then
for clients in 1 16 64; do
  OAP_BENCH_BODY="$pcc_list" run "PCC list, 100,000 applications: manufacturer" "$clients" \
    scripts/bench/post_json.lua "http://$ADDR/api/pcc/list"
done
for clients in 1 16 64; do
  OAP_BENCH_COOKIE="$DEALER_COOKIE" OAP_BENCH_BODY="$pcc_list" run "PCC list, 100,000 applications: dealer user" "$clients" \
    scripts/bench/post_json.lua "http://$ADDR/api/pcc/list"
done
OAP_BENCH_BODY='{"query":{"search":"PCC-2023-0123","status":"approved","sort":"number","ascending":true}}' \
  run "PCC list: number search + status filter" 16 scripts/bench/post_json.lua "http://$ADDR/api/pcc/list"
ids="$(mktemp -d)"
sql -At -c "SELECT id FROM dealer_pcc WHERE application_number LIKE 'PCC-2019-%' ORDER BY id" > "$ids/all"
head -n 15000 "$ids/all" > "$ids/one"
tail -n +15001 "$ids/all" > "$ids/many"
OAP_BENCH_IDS_FILE="$ids/one" run "PCC step: take for review" 1 scripts/bench/step.lua "http://$ADDR/api/pcc/step"
OAP_BENCH_IDS_FILE="$ids/many" run "PCC step: take for review" 16 scripts/bench/step.lua "http://$ADDR/api/pcc/step"
rm -rf "$ids"

# Live updates: a draft of the dealer user's, changed 200 times while 1 and then 500 streams listen.
sql -c "UPDATE dealer_pcc SET status = 'approved' WHERE dealer_id = (SELECT dealer_id FROM users WHERE email = 'bench.head@dealer.example') AND status <> 'approved'"
draft="$(curl -fs -H "Origin: $OAP_BENCH_ORIGIN" -H "Accept: application/json" -H "Cookie: $DEALER_COOKIE" \
  -X POST "http://$ADDR/api/pcc/create" | tr -d '"')"
for streams in 1 500; do
  version="$(sql -At -c "SELECT version FROM dealer_pcc WHERE id = '$draft'")"
  printf 'live updates: '
  OAP_BENCH_COOKIE="$DEALER_COOKIE" OAP_BENCH_DRAFT="$draft" OAP_BENCH_VERSION="$version" \
    OAP_BENCH_EMAIL="bench.head@dealer.example" OAP_BENCH_PASSWORD="$OAP_BENCH_PASSWORD" \
    node scripts/bench/live.mjs "$streams" 200
done
fi

# Registrations: 100,000 API registrations over 200 events and the 500 bench dealers, then a rush
# of 200 clients registering new people for one event of 100 seats (the rest join its waitlist).
sql <<'SQL'
INSERT INTO events (kind, name, event_date, location, capacity, registration_deadline, status)
SELECT 'api', 'Bench API event ' || lpad(i::text, 3, '0'), CURRENT_DATE + (i % 400) - 200, 'City ' || (i % 50), 1000,
       (CURRENT_DATE + (i % 400) - 201)::timestamp, 'open'
  FROM generate_series(1, 200) i;
INSERT INTO events (kind, name, event_date, location, capacity, registration_deadline, status)
VALUES ('api', 'Bench rush', CURRENT_DATE + 60, 'Pune', 100, CURRENT_DATE + 50, 'open');
WITH d AS (
  SELECT d.id, row_number() OVER (ORDER BY d.dealer_code) - 1 AS n,
         (SELECT u.id FROM users u WHERE u.dealer_id = d.id ORDER BY u.id LIMIT 1) AS head
    FROM dealers d WHERE d.dealer_code LIKE 'BENCH-%'),
     e AS (SELECT id, name, event_date, location, row_number() OVER (ORDER BY name) - 1 AS n
             FROM events WHERE name LIKE 'Bench API event %')
INSERT INTO api_registrations (dealer_id, registered_by, registration_number, employee_name, employee_email,
                               employee_designation, event_name, event_date, event_location, event_id, status,
                               created_at, updated_at)
SELECT d.id, d.head, 'API-' || (2020 + i % 6) || '-' || lpad(i::text, 6, '0'), 'Bench Person ' || i,
       'person' || i || '@bench.example', 'Technician', e.name, e.event_date, e.location, e.id,
       (ARRAY['registered','confirmed','attended','no_show','cancelled'])[1 + i % 5],
       now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval
  FROM generate_series(1, 100000) i JOIN d ON d.n = i % 500 JOIN e ON e.n = i % 200;
ANALYZE events; ANALYZE api_registrations;
SQL
if [ "$only" = all ] || [ "$only" = registrations ]; then
  reg_list='{"kind":"api","query":{"search":"","dealer":"","sort":"updated","ascending":false}}'
  for clients in 1 16 64; do
    OAP_BENCH_BODY="$reg_list" run "registrations list, 100,000: manufacturer" "$clients" \
      scripts/bench/post_json.lua "http://$ADDR/api/registrations/list"
  done
  for clients in 1 16 64; do
    OAP_BENCH_COOKIE="$DEALER_COOKIE" OAP_BENCH_BODY="$reg_list" run "registrations list, 100,000: dealer user" "$clients" \
      scripts/bench/post_json.lua "http://$ADDR/api/registrations/list"
  done
  OAP_BENCH_BODY='{"kind":"api","query":{"search":"person123","dealer":"","sort":"updated","ascending":false}}' \
    run "registrations list: person search" 16 scripts/bench/post_json.lua "http://$ADDR/api/registrations/list"
  rush="$(sql -At -c "SELECT id FROM events WHERE name = 'Bench rush'")"
  OAP_BENCH_COOKIE="$DEALER_COOKIE" OAP_BENCH_EVENT="$rush" OAP_BENCH_RUN="$(date +%s)" \
    run "register: 200 clients, one event of 100 seats" 200 scripts/bench/register.lua "http://$ADDR/api/registrations/register"
  sql -At -c "SELECT 'rush event: ' || count(*) FILTER (WHERE waitlist_position IS NULL) || ' seated, ' ||
                     count(*) FILTER (WHERE waitlist_position IS NOT NULL) || ' waiting, ' ||
                     count(DISTINCT waitlist_position) || ' distinct places in line'
                FROM api_registrations WHERE event_id = '$rush'"
fi

# Surveys: 1,000 dealers with 12 past periods of the workshop survey, each dealer's response to
# each scored (12,000, with per-question scores); then drafts of the bench dealer user's to the
# warranty survey, complete, one per open period (8,000 of them, so they stay out of the workshop
# results), submitted one per request.
if [ "$only" = all ] || [ "$only" = surveys ]; then
  sql <<'SQL'
INSERT INTO dealers (dealer_code, dealer_name, city, brand, status)
SELECT 'SURV-' || lpad(i::text, 4, '0'), 'Survey Dealer ' || i, 'City ' || (i % 50), 'Both', 'active'
  FROM generate_series(1, 1000) i;
INSERT INTO survey_periods (kind, name, starts_on, ends_on)
SELECT 'workshop', 'Bench Q' || lpad(i::text, 2, '0'), CURRENT_DATE - (13 - i) * 91 - 90, CURRENT_DATE - (13 - i) * 91
  FROM generate_series(1, 12) i;
WITH qs AS (SELECT array_agg(q ->> 'id') AS ids
              FROM survey_forms f, jsonb_path_query(f.definition, '$.sections[*].questions[*] ? (@.weight > 0)') q
             WHERE f.kind = 'workshop' AND f.version = 1),
     x AS (SELECT d.id AS dealer, p.id AS period, p.name, p.ends_on, row_number() OVER () AS n
             FROM dealers d CROSS JOIN survey_periods p
            WHERE d.dealer_code LIKE 'SURV-%' AND p.name LIKE 'Bench Q%')
INSERT INTO workshop_surveys (dealer_id, submitted_by, survey_number, survey_period, submission_date, responses,
                              overall_score, status, period_id, form_version, submitted_at)
SELECT x.dealer, h.id, 'WSS-BENCH-' || lpad(x.n::text, 6, '0'), x.name, x.ends_on,
       jsonb_build_object('form_version', 1, 'answers', '{}'::jsonb,
                          'score', jsonb_build_object('total', s.total, 'questions', s.qs)),
       s.total / 100.0, (ARRAY['submitted', 'reviewed', 'completed'])[1 + x.n % 3], x.period, 1, x.ends_on::timestamp
  FROM x CROSS JOIN (SELECT id FROM users WHERE email = 'bench.head@dealer.example') h
 CROSS JOIN LATERAL (SELECT jsonb_object_agg(q, v) AS qs, round(avg(v))::int AS total
                       FROM (SELECT q, abs(hashtext(q || x.n::text)) % 10001 AS v
                               FROM unnest((SELECT ids FROM qs)) q) z) s;
INSERT INTO survey_periods (kind, name, starts_on, ends_on)
SELECT 'warranty', 'Bench open ' || lpad(i::text, 4, '0'), CURRENT_DATE - 1, CURRENT_DATE + 30
  FROM generate_series(1, 8000) i;
ANALYZE dealers; ANALYZE survey_periods; ANALYZE workshop_surveys;
SQL
  # A complete set of answers to the published warranty form (every question answered; hidden
  # ones are dropped at submission, as in the app).
  answers="$(sql -At -c "SELECT definition FROM survey_forms WHERE kind = 'warranty' AND status = 'published'" | python3 -c '
import json, sys
d = json.load(sys.stdin)
out = {}
for s in d["sections"]:
    for q in s["questions"]:
        k = q["kind"]; t = k["type"]
        if t == "single_choice": out[q["id"]] = k.get("correct") or max(k["options"], key=lambda o: o.get("points", 0))["id"]
        elif t == "multiple_choice": out[q["id"]] = [k["options"][0]["id"]]
        elif t == "scale": out[q["id"]] = 4
        elif t == "yes_no": out[q["id"]] = True
        elif t == "number": out[q["id"]] = k["max"]
        else: out[q["id"]] = "All in order."
print(json.dumps(out))')"
  sql -v answers="$answers" <<'SQL'
INSERT INTO warranty_surveys (dealer_id, submitted_by, survey_number, survey_period, submission_date, responses,
                              status, period_id, form_version, updated_by)
SELECT u.dealer_id, u.id, 'WRS-DRAFT-' || lpad(row_number() OVER (ORDER BY p.name)::text, 6, '0'), p.name, CURRENT_DATE,
       jsonb_build_object('form_version', f.version, 'answers', :'answers'::jsonb), 'draft', p.id, f.version, u.id
  FROM survey_periods p
 CROSS JOIN (SELECT id, dealer_id FROM users WHERE email = 'bench.head@dealer.example') u
 CROSS JOIN (SELECT version FROM survey_forms WHERE kind = 'warranty' AND status = 'published') f
 WHERE p.name LIKE 'Bench open %';
ANALYZE warranty_surveys;
SQL
  latest="$(sql -At -c "SELECT id FROM survey_periods WHERE name = 'Bench Q12'")"
  results="{\"kind\":\"workshop\",\"query\":{\"period\":\"$latest\",\"dealer\":\"\"}}"
  printf 'results JSON: %s bytes (manufacturer)\n' "$(curl -fs -H "Origin: $OAP_BENCH_ORIGIN" -H "Accept: application/json" \
    -H "Cookie: $OAP_BENCH_COOKIE" -H "Content-Type: application/json" -d "$results" "http://$ADDR/api/surveys/results" | wc -c)"
  for clients in 1 16; do
    OAP_BENCH_BODY="$results" run "survey results, 1,000 dealers x 12 periods: manufacturer" "$clients" \
      scripts/bench/post_json.lua "http://$ADDR/api/surveys/results"
  done
  for clients in 1 16; do
    OAP_BENCH_COOKIE="$DEALER_COOKIE" OAP_BENCH_BODY="$results" run "survey results, 1,000 dealers x 12 periods: dealer user" "$clients" \
      scripts/bench/post_json.lua "http://$ADDR/api/surveys/results"
  done
  ids="$(mktemp -d)"
  sql -At -c "SELECT id FROM warranty_surveys WHERE status = 'draft' AND survey_number LIKE 'WRS-DRAFT-%' ORDER BY survey_number" > "$ids/all"
  head -n 3000 "$ids/all" > "$ids/one"
  tail -n +3001 "$ids/all" > "$ids/many"
  OAP_BENCH_COOKIE="$DEALER_COOKIE" OAP_BENCH_IDS_FILE="$ids/one" OAP_BENCH_STEP=submit OAP_BENCH_KIND=warranty \
    run "survey submit (check, score, store, notify)" 1 scripts/bench/step.lua "http://$ADDR/api/surveys/step"
  OAP_BENCH_COOKIE="$DEALER_COOKIE" OAP_BENCH_IDS_FILE="$ids/many" OAP_BENCH_STEP=submit OAP_BENCH_KIND=warranty \
    run "survey submit (check, score, store, notify)" 16 scripts/bench/step.lua "http://$ADDR/api/surveys/step"
  rm -rf "$ids"
  sql -At -c "SELECT 'submitted in the run: ' || count(*) || ', scores ' || min(overall_score) || ' to ' || max(overall_score)
                FROM warranty_surveys WHERE survey_number LIKE 'WRS-DRAFT-%' AND status = 'submitted'"
fi

if [ "$only" = all ]; then
  bench_scale
fi
