-- The event catalogue of seed $1 (anchor day $2): $3 API events and $4 MT Meets from eighteen
-- months back to three months ahead, in cities of pool $5; registration closes a week before.
INSERT INTO events (id, kind, name, event_date, location, capacity, registration_deadline, status, eligibility_note,
                    created_at, updated_at)
SELECT pg_temp.uid(kind || '-event', e),
       kind,
       (CASE kind
          WHEN 'api' THEN (ARRAY['Diagnostics day', 'EV service training', 'Brake systems workshop', 'DSG gearbox clinic',
                                 'Warranty processes update', 'Customer care academy'])[1 + pg_temp.h('event-name', e) % 6]
          ELSE (ARRAY['Master Technician Meet', 'MT Meet: high-voltage systems', 'MT Meet: driver assistance',
                      'MT Meet: engine electronics'])[1 + pg_temp.h('meet-name', e) % 4] END)
         || ', ' || to_char(day, 'FMMonth YYYY'),
       day,
       pg_temp.pick($5, kind || '-city', e),
       CASE kind WHEN 'api' THEN 150 ELSE 80 END,
       (day - 7)::timestamp + interval '18 hours',
       CASE WHEN day - 7 < $2::date THEN 'closed' ELSE 'open' END,
       CASE kind WHEN 'mt_meet' THEN 'Master technicians certified for the brand.' END,
       day - 90, day - 90
  FROM (SELECT 'api' AS kind, e, $2::date - 540 + (630 * e / $3)::int AS day FROM generate_series(1, $3::bigint) e
        UNION ALL
        SELECT 'mt_meet', e, $2::date - 540 + (630 * e / $4)::int FROM generate_series(1, $4::bigint) e) x;
