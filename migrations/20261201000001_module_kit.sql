-- The module kit: one home for rules the queries shared as copies.

-- The five permission flags of a module_access or role_templates row packed into one integer
-- (view 1, create 2, edit 4, delete 8, approve 16), the form Permissions::from_rows reads. Every
-- query that reads flags calls this instead of repeating the arithmetic. A plain SQL function
-- marked IMMUTABLE is inlined by the planner, so it costs nothing per row.
CREATE FUNCTION permission_bits(
  can_view boolean, can_create boolean, can_edit boolean, can_delete boolean, can_approve boolean
) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT (can_view IS TRUE)::int + 2 * (can_create IS TRUE)::int + 4 * (can_edit IS TRUE)::int
       + 8 * (can_delete IS TRUE)::int + 16 * (can_approve IS TRUE)::int
$$;

-- The dealers list pages on (code, id) like every list pages on (key, id).
CREATE INDEX idx_dealers_code_key ON dealers (dealer_code, id);
