-- The generated records' latest steps ($1: the dealers' code pattern), numbered in time order:
-- the audit rows to write, in batches (each its own transaction, so the chain's head row is not
-- rewritten a million times in one).
CREATE TEMP TABLE demo_audit ON COMMIT PRESERVE ROWS AS
SELECT row_number() OVER (ORDER BY h.created_at, h.id) AS n, h.*
  FROM (SELECT DISTINCT ON (rh.record_id) rh.*
          FROM record_history rh
         WHERE rh.dealer_id = ANY(ARRAY(SELECT id FROM dealers WHERE dealer_code LIKE $1))
         ORDER BY rh.record_id, rh.created_at DESC) h;
