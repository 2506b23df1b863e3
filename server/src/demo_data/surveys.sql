-- Responses to the {table} survey for slots $1..$2 of seed $3 (anchor day $4; $5 dealers, $6 users
-- per dealer, $7 reviewers; kind $8, number prefix $9): slot t is dealer 1 + (t - 1) % $5 in the
-- quarter (t - 1) / $5 back (0: the open one), taken when its roll is under $10 per mille. Scores
-- sit around a level per brand and dealer; each weighted question of the published form is scored.
WITH form AS (
  SELECT f.version,
         ARRAY(SELECT q ->> 'id' FROM jsonb_path_query(f.definition, '$.sections[*].questions[*] ? (@.weight > 0)') q) AS ids
    FROM survey_forms f WHERE f.kind = $8 AND f.status = 'published'
), base AS (
  SELECT t, 1 + (t - 1) % $5 AS di, (t - 1) / $5 AS back,
         pg_temp.h($8 || '-status', t) % 100 AS roll
    FROM generate_series($1::bigint, $2::bigint) t
   WHERE pg_temp.h($8 || '-take', t) % 1000 < $10
), shaped AS (
  SELECT b.*, p.id AS period_id, p.name AS period_name, p.starts_on, p.ends_on,
         pg_temp.uid($8 || '-response', t) AS id, d.id AS dealer_id,
         pg_temp.uid('user', (b.di - 1) * $6 + 1 + LEAST(CASE $8 WHEN 'workshop' THEN 1 WHEN 'warranty' THEN 2 ELSE 3 END, $6 - 1)) AS filler,
         pg_temp.uid('reviewer', 1 + pg_temp.h($8 || '-reviewer', t) % $7) AS reviewer,
         CASE WHEN b.back = 0 THEN CASE WHEN roll < 45 THEN 'draft' ELSE 'submitted' END
              WHEN roll < 60 THEN 'completed' WHEN roll < 85 THEN 'reviewed' ELSE 'submitted' END AS status,
         GREATEST(2000, LEAST(9900,
           CASE d.brand WHEN 'Volkswagen' THEN 7800 WHEN 'Skoda' THEN 7200 ELSE 7500 END
           + (pg_temp.h($8 || '-dealer-level', b.di) % 1500) - 750
           + (pg_temp.h($8 || '-noise', t) % 1600) - 800))::int AS level
    FROM base b
    JOIN dealers d ON d.id = pg_temp.uid('dealer', b.di)
    JOIN survey_periods p ON p.kind = $8
     AND p.name = 'Q' || extract(quarter FROM (date_trunc('quarter', $4::date) - make_interval(months => 3 * b.back::int)))
                  || ' ' || extract(year FROM (date_trunc('quarter', $4::date) - make_interval(months => 3 * b.back::int)))
), timed AS (
  SELECT s.*,
         LEAST(s.starts_on + (5 + pg_temp.h($8 || '-start', s.t) % 30)::int, $4::date)
           + make_interval(hours => (9 + pg_temp.h($8 || '-hour', s.t) % 8)::int) AS started,
         GREATEST(
           LEAST(s.starts_on + (5 + pg_temp.h($8 || '-start', s.t) % 30)::int, $4::date)
             + make_interval(hours => (10 + pg_temp.h($8 || '-hour', s.t) % 8)::int),
           LEAST(s.starts_on + (20 + pg_temp.h($8 || '-sent', s.t) % 60)::int, s.ends_on, $4::date)
             + make_interval(hours => (11 + pg_temp.h($8 || '-hour', s.t) % 6)::int)) AS sent
    FROM shaped s
), scored AS (
  SELECT x.*, f.version AS form_version, sc.questions, sc.total
    FROM timed x CROSS JOIN form f
   CROSS JOIN LATERAL (
     SELECT jsonb_object_agg(q, v) AS questions, COALESCE(round(avg(v))::int, x.level) AS total
       FROM (SELECT q, GREATEST(0, LEAST(10000, x.level + (pg_temp.h(q, x.t) % 3000) - 1500)) AS v
               FROM unnest(f.ids) q) z) sc
), ins AS (
  INSERT INTO {table} (id, dealer_id, submitted_by, survey_number, survey_period, submission_date, responses,
                       overall_score, status, period_id, form_version, version, updated_by, submitted_at,
                       reviewed_by, reviewed_at, review_comments, completed_by, completed_at, completion_comments,
                       created_at, updated_at)
  SELECT s.id, s.dealer_id, s.filler,
         $9 || '-' || extract(year FROM s.started) || '-' || lpad((COALESCE(
            (SELECT last_value FROM record_numbers n WHERE n.prefix = $9 AND n.year = extract(year FROM s.started)), 0)
            + s.t)::text, 6, '0'),
         s.period_name, s.started::date,
         CASE WHEN s.status = 'draft' THEN jsonb_build_object('form_version', s.form_version, 'answers', '{}'::jsonb)
              ELSE jsonb_build_object('form_version', s.form_version, 'answers', '{}'::jsonb,
                                      'score', jsonb_build_object('total', s.total, 'questions', COALESCE(s.questions, '{}'::jsonb))) END,
         CASE WHEN s.status <> 'draft' THEN s.total / 100.0 END,
         s.status, s.period_id, s.form_version,
         CASE s.status WHEN 'draft' THEN 1 WHEN 'submitted' THEN 2 WHEN 'reviewed' THEN 3 ELSE 4 END,
         CASE WHEN s.status IN ('draft', 'submitted') THEN s.filler ELSE s.reviewer END,
         CASE WHEN s.status <> 'draft' THEN s.sent END,
         CASE WHEN s.status IN ('reviewed', 'completed') THEN s.reviewer END,
         CASE WHEN s.status IN ('reviewed', 'completed') THEN s.sent + interval '3 days' END,
         CASE WHEN s.status IN ('reviewed', 'completed') THEN 'Reviewed with the area manager; figures confirmed.' END,
         CASE WHEN s.status = 'completed' THEN s.reviewer END,
         CASE WHEN s.status = 'completed' THEN s.sent + interval '6 days' END,
         CASE WHEN s.status = 'completed' THEN 'Action plan agreed for next quarter.' END,
         s.started,
         CASE s.status WHEN 'draft' THEN s.started WHEN 'submitted' THEN s.sent
                       WHEN 'reviewed' THEN s.sent + interval '3 days' ELSE s.sent + interval '6 days' END
    FROM scored s
  RETURNING id, dealer_id, submitted_by, status, created_at, submitted_at, reviewed_by, reviewed_at,
            completed_by, completed_at
)
INSERT INTO record_history (id, module, record_id, dealer_id, step, from_status, to_status, actor_id, actor_name,
                            comment, created_at)
SELECT md5(i.id::text || st.n)::uuid, $8 || '_survey', i.id, i.dealer_id, st.step, st.from_status, st.to_status,
       st.actor, (SELECT name FROM users WHERE id = st.actor), st.comment, st.at
  FROM ins i
 CROSS JOIN LATERAL (VALUES
   (1, 'create', NULL, 'draft', i.submitted_by, NULL::text, i.created_at, true),
   (2, 'submit', 'draft', 'submitted', i.submitted_by, NULL, i.submitted_at, i.status <> 'draft'),
   (3, 'review', 'submitted', 'reviewed', i.reviewed_by, 'Reviewed with the area manager; figures confirmed.',
      i.reviewed_at, i.status IN ('reviewed', 'completed')),
   (4, 'complete', 'reviewed', 'completed', i.completed_by, 'Action plan agreed for next quarter.', i.completed_at,
      i.status = 'completed')
 ) AS st(n, step, from_status, to_status, actor, comment, at, happened)
 WHERE st.happened;
