-- Dealer staff $1..$2 of seed $3 ($4: the anchor day; pools $5 first and $6 last names): $7 per
-- dealer in the four dealer roles in turn, password hash $8, e-mail domains ending in $9.
INSERT INTO users (id, email, password_hash, name, role, user_type, dealer_id, designation, is_active,
                   last_login, created_at, updated_at)
SELECT pg_temp.uid('user', u),
       regexp_replace(lower(f || '.' || l), '[^a-z.]', '', 'g') || '.' || u
         || '@dealer' || lpad(di::text, 5, '0') || $9,
       $8, f || ' ' || l, role, 'dealer', pg_temp.uid('dealer', di),
       initcap(replace(role, '_', ' ')),
       pg_temp.h('active', u) % 100 < 97,
       CASE WHEN pg_temp.h('seen', u) % 10 < 8
            THEN $4::date - (pg_temp.h('seen-day', u) % 45)::int + make_interval(mins => (480 + pg_temp.h('seen-min', u) % 600)::int) END,
       $4::date - (30 + pg_temp.h('joined', u) % 700)::int,
       $4::date - (pg_temp.h('joined', u) % 30)::int
  FROM (SELECT u, (u - 1) / $7 + 1 AS di,
               (ARRAY['service_head', 'service_manager', 'warranty_manager', 'master_technician'])[1 + ((u - 1) % $7) % 4] AS role,
               pg_temp.pick($5, 'first', u) AS f, pg_temp.pick($6, 'last', u) AS l
          FROM generate_series($1::bigint, $2::bigint) u) x;
