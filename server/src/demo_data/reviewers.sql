-- Manufacturer reviewers $1..$2 of seed $3 ($4: the anchor day; pools $5 first and $6 last
-- names), password hash $7, e-mail domain ending in $8.
INSERT INTO users (id, email, password_hash, name, role, user_type, designation, is_active, last_login,
                   created_at, updated_at)
SELECT pg_temp.uid('reviewer', k),
       regexp_replace(lower(f || '.' || l), '[^a-z.]', '', 'g') || '.' || k || '@manufacturer' || $8,
       $7, f || ' ' || l, 'manufacturer_admin', 'manufacturer', 'Aftersales Reviewer', true,
       $4::date - (pg_temp.h('seen-day', k) % 5)::int + make_interval(mins => (480 + pg_temp.h('seen-min', k) % 600)::int),
       $4::date - (200 + pg_temp.h('joined', k) % 900)::int,
       $4::date - (pg_temp.h('joined', k) % 60)::int
  FROM (SELECT k, pg_temp.pick($5, 'reviewer-first', k) AS f, pg_temp.pick($6, 'reviewer-last', k) AS l
          FROM generate_series($1::bigint, $2::bigint) k) x;
