-- {module} registrations $1..$2 of seed $3 (anchor day $4; $5 dealers, $6 users per dealer, $7
-- events, pools $8 first and $9 last names, $10 reviewers), with their timelines: attended or not
-- for past events, registered or confirmed for coming ones, a tenth withdrawn. Registrations are
-- at least four days old, so their confirmations and withdrawals (two and three days later) are
-- never in the future.
WITH base AS (
  SELECT k, 1 + pg_temp.h('{kind}-dealer', k) % $5 AS di, ev.id AS event_id, ev.name, ev.event_date, ev.location,
         pg_temp.pick($8, '{kind}-first', k) AS f, pg_temp.pick($9, '{kind}-last', k) AS l,
         pg_temp.h('{kind}-status', k) % 100 AS roll,
         pg_temp.uid('reviewer', 1 + pg_temp.h('{kind}-reviewer', k) % $10) AS reviewer,
         LEAST(ev.event_date - (10 + pg_temp.h('{kind}-ahead', k) % 50)::int, $4::date - 4)
           + make_interval(hours => (9 + pg_temp.h('{kind}-hour', k) % 8)::int) AS registered
    FROM generate_series($1::bigint, $2::bigint) k
    JOIN events ev ON ev.id = pg_temp.uid('{kind}-event', 1 + (k - 1) % $7)
), shaped AS (
  SELECT b.*, pg_temp.uid('{kind}-registration', k) AS id, pg_temp.uid('dealer', di) AS dealer_id,
         pg_temp.uid('user', (di - 1) * $6 + 1) AS head,
         CASE WHEN roll < 10 THEN 'cancelled'
              WHEN event_date < $4::date THEN CASE WHEN roll < 22 THEN 'no_show' ELSE 'attended' END
              WHEN roll < 45 THEN 'registered' ELSE 'confirmed' END AS status
    FROM base b
), ins AS (
  INSERT INTO {table} (id, dealer_id, registered_by, registration_number, {person}, {email}, {phone}, {detail},
                       {ev_name}, {ev_date}, {ev_loc}, event_id, status, version, updated_by, cancel_reason,
                       created_at, updated_at)
  SELECT s.id, s.dealer_id, s.head,
         '{prefix}-' || extract(year FROM s.registered) || '-' || lpad((COALESCE(
            (SELECT last_value FROM record_numbers n WHERE n.prefix = '{prefix}' AND n.year = extract(year FROM s.registered)), 0)
            + s.k)::text, 6, '0'),
         s.f || ' ' || s.l,
         regexp_replace(lower(s.f || '.' || s.l), '[^a-z.]', '', 'g') || '.{kind}' || s.k || '@dealer' || lpad(s.di::text, 5, '0') || '.s' || $3 || '.demo.example',
         '+91 9' || lpad((pg_temp.h('{kind}-phone', s.k) % 1000000000)::text, 9, '0'),
         {detail_value},
         s.name, s.event_date, s.location, s.event_id, s.status,
         CASE s.status WHEN 'registered' THEN 1 WHEN 'confirmed' THEN 2 WHEN 'cancelled' THEN 2 ELSE 3 END,
         CASE WHEN s.status IN ('registered', 'cancelled') THEN s.head ELSE s.reviewer END,
         CASE WHEN s.status = 'cancelled' THEN 'No longer available on that day.' END,
         s.registered,
         CASE s.status WHEN 'registered' THEN s.registered
                       WHEN 'confirmed' THEN s.registered + interval '2 days'
                       WHEN 'cancelled' THEN s.registered + interval '3 days'
                       ELSE s.event_date + interval '1 day 9 hours' END
    FROM shaped s
  RETURNING id, dealer_id, registered_by, status, updated_by, created_at, updated_at
)
INSERT INTO record_history (id, module, record_id, dealer_id, step, from_status, to_status, actor_id, actor_name,
                            comment, created_at)
SELECT md5(i.id::text || st.n)::uuid, '{module}', i.id, i.dealer_id, st.step, st.from_status, st.to_status, st.actor,
       (SELECT name FROM users WHERE id = st.actor), st.comment, st.at
  FROM ins i
 CROSS JOIN LATERAL (VALUES
   (1, 'create', NULL, 'registered', i.registered_by, NULL::text, i.created_at, true),
   (2, 'withdraw', 'registered', 'cancelled', i.registered_by, 'No longer available on that day.', i.updated_at,
      i.status = 'cancelled'),
   (3, 'confirm', 'registered', 'confirmed', i.updated_by, NULL, i.created_at + interval '2 days',
      i.status IN ('confirmed', 'attended', 'no_show')),
   (4, CASE i.status WHEN 'attended' THEN 'mark_attended' ELSE 'mark_no_show' END, 'confirmed', i.status,
      i.updated_by, NULL, i.updated_at, i.status IN ('attended', 'no_show'))
 ) AS st(n, step, from_status, to_status, actor, comment, at, happened)
 WHERE st.happened;
