-- Dealers $1..$2 of seed $3 ($4: the anchor day; pools $5 last names, $6 cities, $7 states, $8 streets).
INSERT INTO dealers (id, dealer_code, dealer_name, address, city, state, country, postal_code, phone, email,
                     brand, status, created_at, updated_at)
SELECT pg_temp.uid('dealer', i),
       'DEMO' || $3 || '-' || lpad(i::text, 5, '0'),
       pg_temp.pick($5, 'dealer-name', i) || ' '
         || (ARRAY['Motors', 'Autohaus', 'Cars', 'Automobiles', 'Motor Works', 'Auto Centre'])[1 + pg_temp.h('dealer-kind', i) % 6],
       (1 + pg_temp.h('street-no', i) % 400) || ' ' || pg_temp.pick($8, 'street', i),
       pg_temp.pick($6, 'city', i),
       pg_temp.pick($7, 'state', i),
       'India',
       lpad((110001 + pg_temp.h('postal', i) % 800000)::text, 6, '0'),
       '+91 ' || (70000 + pg_temp.h('phone-a', i) % 29999) || ' ' || lpad((pg_temp.h('phone-b', i) % 100000)::text, 5, '0'),
       'service@dealer' || lpad(i::text, 5, '0') || '.s' || $3 || '.demo.example',
       (ARRAY['Volkswagen', 'Skoda', 'Both'])[1 + pg_temp.h('brand', i) % 3],
       CASE WHEN pg_temp.h('status', i) % 100 < 94 THEN 'active'
            WHEN pg_temp.h('status', i) % 100 < 97 THEN 'inactive'
            ELSE 'suspended' END,
       $4::date - (400 + pg_temp.h('since', i) % 1500)::int,
       $4::date - (pg_temp.h('changed', i) % 300)::int
  FROM generate_series($1::bigint, $2::bigint) i;
