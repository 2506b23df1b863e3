-- What a dealer user was told in the month before $2: each manufacturer decision on the records
-- they made at the generated dealers ($1: the dealers' code pattern); read when older than a week.
INSERT INTO notifications (id, user_id, title, message, type, is_read, link, created_at)
SELECT md5('notice:' || h.id)::uuid, c.actor_id,
       CASE h.step WHEN 'approve' THEN 'Application approved' WHEN 'reject' THEN 'Application rejected'
                   WHEN 'send_back' THEN 'Changes requested' WHEN 'confirm' THEN 'Registration confirmed'
                   WHEN 'mark_attended' THEN 'Attendance recorded' WHEN 'mark_no_show' THEN 'Marked as not attended'
                   WHEN 'review' THEN 'Survey reviewed' ELSE 'Survey completed' END,
       h.actor_name || CASE h.step WHEN 'approve' THEN ' approved your PCC application.'
                                   WHEN 'reject' THEN ' rejected your PCC application: ' || COALESCE(h.comment, '')
                                   WHEN 'send_back' THEN ' sent your PCC application back: ' || COALESCE(h.comment, '')
                                   WHEN 'confirm' THEN ' confirmed a registration.'
                                   WHEN 'mark_attended' THEN ' recorded an attendance.'
                                   WHEN 'mark_no_show' THEN ' recorded a no-show.'
                                   WHEN 'review' THEN ' reviewed your survey response.'
                                   ELSE ' completed your survey response.' END,
       CASE h.step WHEN 'reject' THEN 'error' WHEN 'send_back' THEN 'warning' WHEN 'mark_no_show' THEN 'warning'
                   ELSE 'success' END,
       h.created_at < $2::date - 7,
       '/modules/' || CASE h.module WHEN 'dealer_pcc' THEN 'pcc' WHEN 'api_registration' THEN 'api-registrations'
                                    WHEN 'mt_meet' THEN 'mt-meets' ELSE replace(h.module, '_', '-') END
         || '/' || h.record_id,
       h.created_at
  FROM record_history h
  JOIN record_history c ON c.record_id = h.record_id AND c.step = 'create'
 WHERE h.dealer_id = ANY(ARRAY(SELECT id FROM dealers WHERE dealer_code LIKE $1))
   AND h.step IN ('approve', 'reject', 'send_back', 'confirm', 'mark_attended', 'mark_no_show', 'review', 'complete')
   AND h.created_at >= $2::date - 30;
