-- Quarterly periods of the three surveys: the quarter of $1 (open) and the $2 before it. A
-- period already there by name (another seed's, or one made in the app) is kept as it is.
INSERT INTO survey_periods (id, kind, name, starts_on, ends_on, created_at, updated_at)
SELECT md5('survey-period:' || kind || ':' || starts)::uuid, kind,
       'Q' || extract(quarter FROM starts) || ' ' || extract(year FROM starts),
       starts, (starts + interval '3 months' - interval '1 day')::date, starts - 14, starts - 14
  FROM unnest(ARRAY['workshop', 'warranty', 'technical']) kind,
       generate_series(0, $2::int) q,
       LATERAL (SELECT (date_trunc('quarter', $1::date) - make_interval(months => 3 * q))::date AS starts) s
ON CONFLICT DO NOTHING;
