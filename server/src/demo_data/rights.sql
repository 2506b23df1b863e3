-- Module rights of the generated users ($1: their e-mail pattern) from the role templates, as
-- granted on $2.
INSERT INTO module_access (id, user_id, module, can_view, can_create, can_edit, can_delete, can_approve, granted_at)
SELECT md5(u.id::text || t.module)::uuid, u.id, t.module, t.can_view, t.can_create, t.can_edit, t.can_delete,
       t.can_approve, $2::date
  FROM users u JOIN role_templates t ON t.role = u.role
 WHERE u.email LIKE $1 AND (t.can_view OR t.can_create OR t.can_edit OR t.can_delete OR t.can_approve);
