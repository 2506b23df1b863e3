-- Audit rows $1..$2 of the plan (audit_plan.sql): one per generated record, its latest step, in
-- time order, so the tamper-evident chain (its trigger hashes each row onto the one before)
-- follows the timeline.
INSERT INTO audit_logs (id, user_id, action, entity_type, entity_id, old_values, new_values, ip_address, user_agent,
                        created_at)
SELECT md5('audit:' || h.id)::uuid, h.actor_id,
       CASE h.step WHEN 'create' THEN 'record.created' ELSE 'record.transition' END,
       h.module, h.record_id,
       CASE WHEN h.from_status IS NOT NULL THEN jsonb_build_object('status', h.from_status) END,
       jsonb_strip_nulls(jsonb_build_object('status', h.to_status, 'step', h.step, 'comment', h.comment)),
       '10.' || (get_byte(decode(md5(h.id::text), 'hex'), 0)) || '.' || (get_byte(decode(md5(h.id::text), 'hex'), 1))
         || '.' || (get_byte(decode(md5(h.id::text), 'hex'), 2)),
       'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 (demo data)',
       h.created_at
  FROM demo_audit h
 WHERE h.n BETWEEN $1 AND $2
 ORDER BY h.n;
