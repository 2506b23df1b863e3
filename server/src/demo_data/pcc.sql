-- PCC applications $1..$2 of seed $3 (anchor day $4; $5 dealers, $6 reviewers, $7 applications
-- in all, $8 users per dealer), oldest first over three years, with their timelines. Dealer i gets
-- applications i, i + $5, i + 2 * $5, …; only its last may still be open (one open per dealer).
WITH base AS (
  SELECT k, 1 + (k - 1) % $5 AS di,
         $4::date - (1095 * ($7 - k) / $7)::int - (pg_temp.h('pcc-jitter', k) % 7)::int AS applied,
         k > $7 - $5 AND pg_temp.h('pcc-open', k) % 100 < 35 AS open,
         pg_temp.h('pcc-status', k) % 100 AS roll,
         pg_temp.uid('reviewer', 1 + pg_temp.h('pcc-reviewer', k) % $6) AS reviewer,
         (3 + pg_temp.h('pcc-days', k) % 25)::int AS days
    FROM generate_series($1::bigint, $2::bigint) k
), shaped AS (
  SELECT b.*, pg_temp.uid('pcc', k) AS id, pg_temp.uid('dealer', di) AS dealer_id,
         pg_temp.uid('user', (di - 1) * $8 + 1) AS head,
         CASE WHEN open THEN (ARRAY['draft', 'pending', 'pending', 'under_review', 'under_review', 'revision_requested'])[1 + roll % 6]
              WHEN roll < 65 THEN 'approved' ELSE 'rejected' END AS status,
         applied + make_interval(hours => (9 + pg_temp.h('pcc-hour', k) % 8)::int) AS submitted,
         LEAST(applied + days, $4::date) + make_interval(hours => (10 + pg_temp.h('pcc-decided', k) % 7)::int) AS decided
    FROM base b
), ins AS (
  INSERT INTO dealer_pcc (id, dealer_id, submitted_by, application_number, application_date, criteria_data, status,
                          reviewed_by, reviewed_at, review_comments, approved_by, approved_at, approval_comments,
                          created_at, updated_at, version, updated_by, submitted_at)
  SELECT s.id, s.dealer_id, s.head,
         CASE WHEN s.status <> 'draft' THEN
           'PCC-' || extract(year FROM s.applied) || '-' || lpad((COALESCE(
              (SELECT last_value FROM record_numbers n WHERE n.prefix = 'PCC' AND n.year = extract(year FROM s.applied)), 0) + s.k)::text, 6, '0')
         END,
         s.applied,
         jsonb_build_object(
           'schema_version', 1,
           'figures', jsonb_build_object(
             'service_bays', 4 + pg_temp.h('bays', s.k) % 20, 'lifts', 3 + pg_temp.h('lifts', s.k) % 18,
             'diagnostic_stations', 1 + pg_temp.h('diag', s.k) % 8, 'technicians', 6 + pg_temp.h('techs', s.k) % 40,
             'certified_technicians', 2 + pg_temp.h('cert', s.k) % 20, 'master_technicians', pg_temp.h('mts', s.k) % 6,
             'csi_score', 70 + (pg_temp.h('csi', s.k) % 290) / 10.0, 'first_time_fix_rate', 60 + pg_temp.h('ftf', s.k) % 38,
             'turnaround_hours', 12 + (pg_temp.h('tat', s.k) % 600) / 10.0, 'vehicles_per_month', 150 + pg_temp.h('vpm', s.k) % 900),
           'customer_lounge', pg_temp.h('lounge', s.k) % 3 > 0,
           'justification', (ARRAY[
             'A full service team, a customer lounge and a CSI above the regional average for two years running.',
             'New diagnostic stations this year and three master technicians on the team.',
             'Turnaround under a day for most jobs; the workshop was extended by four bays.',
             'Warranty claims handled on time every month; certified technicians on every shift.'])[1 + pg_temp.h('why', s.k) % 4]),
         s.status,
         CASE WHEN s.status IN ('under_review', 'approved', 'rejected', 'revision_requested') THEN s.reviewer END,
         CASE WHEN s.status IN ('approved', 'rejected', 'revision_requested') THEN s.decided
              WHEN s.status = 'under_review' THEN s.submitted + interval '1 day' END,
         CASE s.status WHEN 'rejected' THEN 'The figures do not meet the programme''s minimum for certified technicians.'
                       WHEN 'revision_requested' THEN 'Please add this year''s CSI figures and the lounge''s opening hours.' END,
         CASE WHEN s.status = 'approved' THEN s.reviewer END,
         CASE WHEN s.status = 'approved' THEN s.decided END,
         CASE WHEN s.status = 'approved' THEN 'Meets every criterion; welcome to the programme.' END,
         s.applied,
         CASE WHEN s.status = 'draft' THEN s.applied::timestamp
              WHEN s.status IN ('pending') THEN s.submitted
              WHEN s.status = 'under_review' THEN s.submitted + interval '1 day'
              ELSE s.decided END,
         CASE s.status WHEN 'draft' THEN 1 WHEN 'pending' THEN 2 WHEN 'under_review' THEN 3 ELSE 4 END,
         CASE WHEN s.status IN ('draft', 'pending') THEN s.head ELSE s.reviewer END,
         CASE WHEN s.status <> 'draft' THEN s.submitted END
    FROM shaped s
  RETURNING id, dealer_id, submitted_by, status, created_at, submitted_at, reviewed_by, reviewed_at, updated_at
)
INSERT INTO record_history (id, module, record_id, dealer_id, step, from_status, to_status, actor_id, actor_name,
                            comment, created_at)
SELECT md5(i.id::text || st.n)::uuid, 'dealer_pcc', i.id, i.dealer_id, st.step, st.from_status, st.to_status, st.actor,
       (SELECT name FROM users WHERE id = st.actor), st.comment, st.at
  FROM ins i
 CROSS JOIN LATERAL (VALUES
   (1, 'create', NULL, 'draft', i.submitted_by, NULL::text, i.created_at, true),
   (2, 'submit', 'draft', 'pending', i.submitted_by, NULL, i.submitted_at, i.status <> 'draft'),
   (3, 'take_for_review', 'pending', 'under_review', i.reviewed_by, NULL,
      COALESCE(i.reviewed_at, i.updated_at) - interval '2 hours', i.status NOT IN ('draft', 'pending')),
   (4, CASE i.status WHEN 'approved' THEN 'approve' WHEN 'rejected' THEN 'reject' ELSE 'send_back' END,
      'under_review', i.status, i.reviewed_by,
      CASE i.status WHEN 'rejected' THEN 'The figures do not meet the programme''s minimum for certified technicians.'
                    WHEN 'revision_requested' THEN 'Please add this year''s CSI figures and the lounge''s opening hours.' END,
      i.updated_at, i.status IN ('approved', 'rejected', 'revision_requested'))
 ) AS st(n, step, from_status, to_status, actor, comment, at, happened)
 WHERE st.happened;
