# Sourced by scripts/bench.sh: the module lists, an export and the home pages on generated data
# (`server demo-data`), at OAP_BENCH_SMALL (default 1,000) and OAP_BENCH_RECORDS (default
# 1,000,000) module records over 500 dealers, each size in its own database and server process.
# Prints each list figure at both sizes with their ratio (target: within 2x), the export of the
# audit trail (about one row per record) with its time and the server's memory, and each home
# page's p50/p99 (target: under 300 ms).
# OAP_BENCH_REUSE=1 keeps a database generated earlier with the same arguments (the generation of
# a million records takes about 8 minutes); it is recorded in the database's comment.
# Uses run(), $server and $root from bench.sh.

SCALE_ADDR="127.0.0.1:3302"
SCALE_BARE_ADDR="127.0.0.1:3303"

# scale_serve URL: a server on $SCALE_ADDR for database URL; sets scale_pid.
scale_serve() {
  LEPTOS_SITE_ADDR="$SCALE_ADDR" DATABASE_URL="$1" OAP_AUTH_RATE_LIMIT_PER_MINUTE=100000000 RUST_LOG=warn \
    "$server" serve >/tmp/oap-bench-scale.log 2>&1 &
  scale_pid=$!
  for _ in $(seq 1 300); do
    curl -fs "http://$SCALE_ADDR/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cat /tmp/oap-bench-scale.log
  return 1
}

# scale_bare URL: the bare handler (`server bench-bare`) on $SCALE_BARE_ADDR for database URL; sets
# scale_bare_pid.
scale_bare() {
  DATABASE_URL="$1" RUST_LOG=warn "$server" bench-bare --listen "$SCALE_BARE_ADDR" >/tmp/oap-bench-scale-bare.log 2>&1 &
  scale_bare_pid=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://$SCALE_BARE_ADDR/" 2>/dev/null && return 0
    sleep 0.2
  done
  cat /tmp/oap-bench-scale-bare.log
  return 1
}

# scale_cookie EMAIL: a session cookie of a demo user (password DEMO_PASSWORD).
scale_cookie() {
  local jar
  jar="$(mktemp)"
  curl -fs -c "$jar" -H "Origin: http://$SCALE_ADDR" -H "Accept: application/json" \
    --data-urlencode "email=$1" --data-urlencode "password=Demo-Portal-2026!" \
    "http://$SCALE_ADDR/api/auth/login" >/dev/null
  echo "oap_session=$(awk '$6 == "oap_session" {print $7}' "$jar")"
  rm -f "$jar"
}

# scale_run LABEL CLIENTS SCRIPT URL: run() for this size, remembering the req/s under LABEL and
# CLIENTS, and at 16 clients the p50 (ms) under LABEL.
declare -A scale_p50s scale_rps
scale_run() {
  local row
  row="$(run "$@")"
  echo "$row"
  [ "$2" = 16 ] && scale_p50s["$size:$1"]="$(echo "$row" | awk '{print $(NF-2)}')"
  scale_rps["$size:$1:$2"]="$(echo "$row" | awk '{print $NF}')"
}

# scale_twin LABEL CLIENTS BODY COOKIE PATH: the app's list at PATH and the bare handler's, one
# after the other, for the same request (the bare row is labelled "LABEL, bare handler").
scale_twin() {
  local label="$1" clients="$2" body="$3" cookie="$4" path="$5"
  OAP_BENCH_COOKIE="$cookie" OAP_BENCH_BODY="$body" scale_run "$label" "$clients" scripts/bench/post_json.lua "http://$SCALE_ADDR$path"
  OAP_BENCH_COOKIE="$cookie" OAP_BENCH_BODY="$body" OAP_BENCH_ORIGIN="http://$SCALE_BARE_ADDR" \
    scale_run "$label, bare handler" "$clients" scripts/bench/post_json.lua "http://$SCALE_BARE_ADDR$path"
}

to_ms() {
  case "$1" in
    *ms) echo "${1%ms}" ;;
    *us) awk -v v="${1%us}" 'BEGIN {print v / 1000}' ;;
    *s) awk -v v="${1%s}" 'BEGIN {print v * 1000}' ;;
    *) echo "$1" ;;
  esac
}

bench_scale() {
  local small="${OAP_BENCH_SMALL:-1000}" big="${OAP_BENCH_RECORDS:-1000000}" labels=()
  for size in "$small" "$big"; do
    local url db="oap_bench_scale_$size"
    local generator="demo-data --dealers 500 --users-per-dealer 4 --records $size --seed 7"
    local made_by
    made_by="$(psql -X -At "$DATABASE_URL" -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$db'")"
    if [ "${OAP_BENCH_REUSE:-}" = 1 ] && [ "$made_by" = "$generator" ]; then
      # The server migrates it on start; the generated rows are the same for the same arguments.
      local base="${DATABASE_URL%%\?*}" params=""
      [ "$base" != "$DATABASE_URL" ] && params="?${DATABASE_URL#*\?}"
      url="${base%/*}/$db$params"
      printf '\nreusing %s (%s)\n' "$db" "$generator"
    else
      url="$("$server" scratch-db "$db")"
      printf '\ngenerating %s module records over 500 dealers… ' "$size"
      local started=$SECONDS
      # shellcheck disable=SC2086 # the generator's arguments, split on purpose
      DATABASE_URL="$url" RUST_LOG=warn "$server" $generator \
        >/tmp/oap-bench-demo.log 2>&1 || { cat /tmp/oap-bench-demo.log; return 1; }
      echo "$((SECONDS - started)) s"
      psql -X -q "$url" -c "UPDATE settings SET value = '' WHERE key = 'mfa_required_roles'" -c "VACUUM ANALYZE" \
        -c "COMMENT ON DATABASE $db IS '$generator'"
    fi
    scale_serve "$url"
    scale_bare "$url"
    local at="http://$SCALE_ADDR"
    local q="psql -X -At $url -c"
    local admin dealer dealer_code
    admin="$(scale_cookie "$($q "SELECT email FROM users WHERE role = 'manufacturer_admin' AND email LIKE '%.demo.example' ORDER BY email LIMIT 1")")"
    read -r dealer_code dealer_email < <($q "SELECT d.dealer_code, u.email FROM users u JOIN dealers d ON d.id = u.dealer_id
      WHERE u.role = 'service_head' AND d.status = 'active' AND u.is_active ORDER BY d.dealer_code LIMIT 1" -F ' ')
    dealer="$(scale_cookie "$dealer_email")"

    # The audit trail as a file, first (so the memory high-water mark is the export's): streamed
    # (the background threshold raised past it), then as a background job (the default threshold).
    local rss_before hwm rows t0 t1
    psql -X -q "$url" -c "INSERT INTO settings (category, key, value) VALUES ('exports', 'background_rows', '10000000')"
    rss_before="$(awk '/VmRSS/ {print $2}' "/proc/$scale_pid/status")"
    t0=$(date +%s.%N)
    rows="$(curl -fs -H "Cookie: $admin" "$at/api/exports/audit.csv" | wc -l)"
    t1=$(date +%s.%N)
    hwm="$(awk '/VmHWM/ {print $2}' "/proc/$scale_pid/status")"
    printf 'export audit.csv at %s records, streamed: %s lines in %s s; server memory %s MB before, peak %s MB\n' \
      "$size" "$rows" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')" "$((rss_before / 1024))" "$((hwm / 1024))"
    psql -X -q "$url" -c "DELETE FROM settings WHERE category = 'exports' AND key = 'background_rows'"
    # A reused database holds earlier runs' jobs: this run's is the newest.
    local job="SELECT status, bytes FROM export_jobs ORDER BY created_at DESC LIMIT 1"
    t0=$(date +%s.%N)
    local answer
    answer="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $admin" "$at/api/exports/audit.xlsx")"
    if [ "$answer" = 303 ]; then
      until [ "$($q "$job" | cut -d'|' -f1)" != running ]; do sleep 0.5; done
      t1=$(date +%s.%N)
      hwm="$(awk '/VmHWM/ {print $2}' "/proc/$scale_pid/status")"
      local status bytes
      IFS='|' read -r status bytes < <($q "$job")
      printf 'export audit.xlsx at %s records, background job: %s after %s s, %s bytes stored; server memory peak %s MB\n' \
        "$size" "$status" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')" "$bytes" "$((hwm / 1024))"
    else
      printf 'export audit.xlsx at %s records: answered %s (under the background threshold)\n' "$size" "$answer"
    fi
    # The job stored tens of megabytes: checkpoint now rather than under the lists' load.
    psql -X -q "$url" -c "CHECKPOINT"

    printf '%-46s %8s %8s %8s %10s\n' "benchmark ($size records)" "clients" "p50" "p99" "req/s"
    # Search terms taken from the smaller data set, and used again on the bigger one.
    if [ "$size" = "$small" ]; then
      number_prefix="$($q "SELECT left(application_number, length(application_number) - 3) FROM dealer_pcc
                            WHERE application_number IS NOT NULL ORDER BY application_number DESC LIMIT 1")"
      reg_prefix="$($q "SELECT left(registration_number, length(registration_number) - 3) FROM api_registrations
                         ORDER BY registration_number DESC LIMIT 1")"
      surname="$($q "SELECT lower(split_part(employee_name, ' ', 2)) FROM api_registrations
                      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")"
    fi
    local pcc='{"query":{"search":"","sort":"updated","ascending":false}}'
    local cursor
    cursor="$($q "SELECT updated_at::text || '~' || id FROM dealer_pcc WHERE status <> 'draft'
                    ORDER BY updated_at DESC, id DESC OFFSET (SELECT count(*) * 9 / 10 FROM dealer_pcc WHERE status <> 'draft') LIMIT 1")"
    export OAP_BENCH_ORIGIN="$at"
    # Each list without search or filters is run beside the bare handler doing the same statements
    # (`server bench-bare`); the first page also at 64 clients.
    local pcc_deep="{\"query\":{\"search\":\"\",\"sort\":\"updated\",\"ascending\":false,\"after\":\"$cursor\"}}"
    scale_twin "PCC list: first page" 16 "$pcc" "$admin" /api/pcc/list
    scale_twin "PCC list: first page" 64 "$pcc" "$admin" /api/pcc/list
    scale_twin "PCC list: page at 90%" 16 "$pcc_deep" "$admin" /api/pcc/list
    OAP_BENCH_COOKIE="$admin" OAP_BENCH_BODY='{"query":{"search":"'"$number_prefix"'","sort":"updated","ascending":false}}' \
      scale_run "PCC list: number search" 16 scripts/bench/post_json.lua "$at/api/pcc/list"
    OAP_BENCH_COOKIE="$admin" OAP_BENCH_BODY="{\"query\":{\"search\":\"$dealer_code\",\"sort\":\"updated\",\"ascending\":false}}" \
      scale_run "PCC list: one dealer" 16 scripts/bench/post_json.lua "$at/api/pcc/list"
    scale_twin "PCC list: dealer user" 16 "$pcc" "$dealer" /api/pcc/list
    local reg='{"kind":"api","query":{"search":"","dealer":"","sort":"updated","ascending":false}}'
    cursor="$($q "SELECT updated_at::text || '~' || id FROM api_registrations
                    ORDER BY updated_at DESC, id DESC OFFSET (SELECT count(*) * 9 / 10 FROM api_registrations) LIMIT 1")"
    scale_twin "API registrations: first page" 16 "$reg" "$admin" /api/registrations/list
    scale_twin "API registrations: page at 90%" 16 \
      "{\"kind\":\"api\",\"query\":{\"search\":\"\",\"dealer\":\"\",\"sort\":\"updated\",\"ascending\":false,\"after\":\"$cursor\"}}" \
      "$admin" /api/registrations/list
    scale_twin "API registrations: dealer user" 16 "$reg" "$dealer" /api/registrations/list
    OAP_BENCH_COOKIE="$admin" OAP_BENCH_BODY='{"kind":"api","query":{"search":"'"$reg_prefix"'","dealer":"","sort":"updated","ascending":false}}' \
      scale_run "API registrations: number search" 16 scripts/bench/post_json.lua "$at/api/registrations/list"
    OAP_BENCH_COOKIE="$admin" OAP_BENCH_BODY='{"kind":"api","query":{"search":"'"$surname"'","dealer":"","sort":"updated","ascending":false}}' \
      scale_run "API registrations: person search" 16 scripts/bench/post_json.lua "$at/api/registrations/list"
    OAP_BENCH_COOKIE="$admin" OAP_BENCH_BODY="{\"kind\":\"api\",\"query\":{\"search\":\"\",\"dealer\":\"$dealer_code\",\"sort\":\"updated\",\"ascending\":false}}" \
      scale_run "API registrations: one dealer" 16 scripts/bench/post_json.lua "$at/api/registrations/list"
    OAP_BENCH_COOKIE="$admin" OAP_BENCH_BODY='' scale_run "home: manufacturer (queue + network)" 1 scripts/bench/post_form.lua "$at/api/home"
    OAP_BENCH_COOKIE="$admin" OAP_BENCH_BODY='' scale_run "home: manufacturer (queue + network)" 16 scripts/bench/post_form.lua "$at/api/home"
    OAP_BENCH_COOKIE="$dealer" OAP_BENCH_BODY='' scale_run "home: dealer user" 1 scripts/bench/post_form.lua "$at/api/home"
    OAP_BENCH_COOKIE="$dealer" OAP_BENCH_BODY='' scale_run "home: dealer user" 16 scripts/bench/post_form.lua "$at/api/home"
    kill "$scale_pid" && wait "$scale_pid" 2>/dev/null || true
    scale_pid=""
    kill "$scale_bare_pid" && wait "$scale_bare_pid" 2>/dev/null || true
    scale_bare_pid=""
  done
  printf '\n%-46s %10s %10s %7s\n' "p50 at 16 clients" "$small" "$big" "ratio"
  for label in "PCC list: first page" "PCC list: page at 90%" "PCC list: number search" "PCC list: one dealer" \
    "PCC list: dealer user" "API registrations: first page" "API registrations: page at 90%" \
    "API registrations: number search" "API registrations: person search" "API registrations: one dealer"; do
    local a b
    a="$(to_ms "${scale_p50s["$small:$label"]}")"
    b="$(to_ms "${scale_p50s["$big:$label"]}")"
    printf '%-46s %8sms %8sms %6.2fx\n' "$label" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print (a > 0 ? b / a : 0)}')"
  done
  printf '\n%-46s %8s %10s %10s %7s\n' "req/s: app and bare handler" "clients" "app" "bare" "app/bare"
  for size in "$small" "$big"; do
    for twin in "PCC list: first page:16" "PCC list: first page:64" "PCC list: page at 90%:16" \
      "PCC list: dealer user:16" "API registrations: first page:16" "API registrations: page at 90%:16" \
      "API registrations: dealer user:16"; do
      local label="${twin%:*}" clients="${twin##*:}" a b
      a="${scale_rps["$size:$label:$clients"]}"
      b="${scale_rps["$size:$label, bare handler:$clients"]}"
      printf '%-46s %8s %10s %10s %6.2f\n' "$label ($size)" "$clients" "$a" "$b" \
        "$(awk -v a="$a" -v b="$b" 'BEGIN {print (b > 0 ? a / b : 0)}')"
    done
  done
}
