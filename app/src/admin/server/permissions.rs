//! Permissions and role templates (server only): one flag of one user, a template applied to many
//! users, and the templates themselves. Every change is decided by `authorize` on the user locked
//! for it (nobody grants a flag they lack), and audited in the same transaction.

use serde_json::{Value, json};
use sqlx::PgConnection;
use tracing::instrument;
use uuid::Uuid;

use super::users::{decide, lock_target};
use crate::admin::model::RoleTemplate;
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::{Action, Area, FlagSet, Permissions, Scope, TargetUser, UserChange};
use crate::auth::roles::Role;
use crate::auth::server::{Ctx, Tx};
use crate::error::AppError;
use crate::modules::Module;

/// Most users one bulk template application may touch.
pub const MAX_BULK: usize = 200;

/// The module permissions of `ids`.
pub async fn permissions_of(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, Permissions)>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT user_id AS "user_id!", module::text AS "module!",
                  permission_bits(can_view, can_create, can_edit, can_delete, can_approve) AS "bits!"
             FROM module_access WHERE user_id = ANY($1)"#,
        ids
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids
        .iter()
        .map(|id| {
            let mine = rows
                .iter()
                .filter(|r| r.user_id == *id)
                .map(|r| (r.module.as_str(), r.bits));
            (*id, Permissions::from_rows(mine))
        })
        .collect())
}

/// The permissions in `role`'s template.
pub async fn template(conn: &mut PgConnection, role: Role) -> Result<Permissions, AppError> {
    let rows = sqlx::query!(
        r#"SELECT module::text AS "module!",
                  permission_bits(can_view, can_create, can_edit, can_delete, can_approve) AS "bits!"
             FROM role_templates WHERE role = $1"#,
        role as Role
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Permissions::from_rows(
        rows.iter().map(|r| (r.module.as_str(), r.bits)),
    ))
}

/// `{"<module>": "View, Edit", …}` for audit rows.
pub(super) fn permissions_json(p: &Permissions) -> Value {
    let map: serde_json::Map<String, Value> = Module::ALL
        .into_iter()
        .map(|m| (m.key().to_owned(), Value::String(p.get(m).describe())))
        .collect();
    Value::Object(map)
}

/// `{"<module>": "View, Edit"}`, with the template's role when there is one.
fn flags_json(role: Option<Role>, module: Module, flags: FlagSet) -> Value {
    let mut map = serde_json::Map::new();
    if let Some(role) = role {
        map.insert("role".into(), Value::String(role.key().into()));
    }
    map.insert(module.key().into(), Value::String(flags.describe()));
    Value::Object(map)
}

/// Replaces `user`'s flags in every module with `new`, writing only what changes.
pub(super) async fn write_permissions(
    conn: &mut PgConnection,
    user: Uuid,
    new: &Permissions,
    by: Uuid,
) -> Result<(), AppError> {
    for module in Module::ALL {
        write_flags(conn, user, module, new.get(module), by).await?;
    }
    Ok(())
}

/// Sets `user`'s flags in `module`; no flags at all means no row.
async fn write_flags(
    conn: &mut PgConnection,
    user: Uuid,
    module: Module,
    flags: FlagSet,
    by: Uuid,
) -> Result<(), AppError> {
    if flags.is_empty() {
        sqlx::query!(
            "DELETE FROM module_access WHERE user_id = $1 AND module = $2",
            user,
            module as Module
        )
        .execute(&mut *conn)
        .await?;
        return Ok(());
    }
    sqlx::query!(
        r#"INSERT INTO module_access (user_id, module, can_view, can_create, can_edit, can_delete, can_approve, granted_at, granted_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now() AT TIME ZONE 'UTC', $8)
           ON CONFLICT (user_id, module) DO UPDATE
              SET can_view = EXCLUDED.can_view, can_create = EXCLUDED.can_create, can_edit = EXCLUDED.can_edit,
                  can_delete = EXCLUDED.can_delete, can_approve = EXCLUDED.can_approve,
                  granted_at = EXCLUDED.granted_at, granted_by = EXCLUDED.granted_by"#,
        user,
        module as Module,
        flags.has(Action::View),
        flags.has(Action::Create),
        flags.has(Action::Edit),
        flags.has(Action::Delete),
        flags.has(Action::Approve),
        by
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Refuses unless the actor may grant every flag of `permissions` (each module checked on its own).
pub(super) async fn check_grants(
    ctx: &Ctx,
    mut tx: Tx,
    target: TargetUser,
    permissions: &Permissions,
) -> Result<Tx, AppError> {
    for module in Module::ALL {
        let flags = permissions.get(module);
        if !flags.is_empty() {
            let change = UserChange::Grant { module, flags };
            tx = decide(ctx, tx, Action::Edit, target, change).await?;
        }
    }
    Ok(tx)
}

/// Turns one flag of one user on or off; returns the user's flags in that module afterwards.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn set_permission(
    ctx: &Ctx,
    id: Uuid,
    module: Module,
    action: Action,
    on: bool,
) -> Result<FlagSet, AppError> {
    let mut tx = ctx.begin().await?;
    let target = lock_target(&mut tx, id).await?;
    let granted = if on {
        FlagSet::EMPTY.with(action, true)
    } else {
        FlagSet::EMPTY
    };
    tx = decide(
        ctx,
        tx,
        Action::Edit,
        target.facts,
        UserChange::Grant {
            module,
            flags: granted,
        },
    )
    .await?;
    let old = permissions_of(&mut tx, &[id])
        .await?
        .remove(0)
        .1
        .get(module);
    let new = old.with(action, on);
    if new != old {
        write_flags(&mut tx, id, module, new, ctx.actor.id).await?;
        audit::record(
            &mut tx,
            &ctx.meta,
            AuditEntry::new(
                Some(ctx.actor.id),
                AuditAction::PermissionChanged,
                AuditEntity::User,
                Some(id),
            )
            .with_old(flags_json(None, module, old))
            .with_new(flags_json(None, module, new)),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(new)
}

/// Replaces the permissions of each of `ids` with a role template: `template_role` for all, or
/// each user's own role's when `None`. All or nothing: one refusal refuses the batch.
#[instrument(skip(ctx, ids), fields(actor = %ctx.actor.id, users = ids.len()))]
pub async fn apply_template(
    ctx: &Ctx,
    ids: &[Uuid],
    template_role: Option<Role>,
) -> Result<usize, AppError> {
    if ids.is_empty() {
        return Err(AppError::field("users", "Select at least one user."));
    }
    if ids.len() > MAX_BULK {
        return Err(AppError::field(
            "users",
            format!("Select at most {MAX_BULK} users at a time."),
        ));
    }
    let mut tx = ctx.begin().await?;
    let mut changed = 0;
    let mut ids = ids.to_vec();
    // A fixed locking order, so two bulk changes never deadlock.
    ids.sort();
    ids.dedup();
    for id in ids {
        let target = lock_target(&mut tx, id).await?;
        let role = template_role.unwrap_or(target.facts.role);
        let new = template(&mut tx, role).await?;
        tx = decide(ctx, tx, Action::Edit, target.facts, UserChange::Details).await?;
        tx = check_grants(ctx, tx, target.facts, &new).await?;
        let old = permissions_of(&mut tx, &[id]).await?.remove(0).1;
        if old == new {
            continue;
        }
        write_permissions(&mut tx, id, &new, ctx.actor.id).await?;
        audit::record(
            &mut tx,
            &ctx.meta,
            AuditEntry::new(
                Some(ctx.actor.id),
                AuditAction::TemplateApplied,
                AuditEntity::User,
                Some(id),
            )
            .with_old(permissions_json(&old))
            .with_new({
                let mut v = permissions_json(&new);
                v["template"] = json!(role.key());
                v
            }),
        )
        .await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Every role's template.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn templates(ctx: &Ctx) -> Result<Vec<RoleTemplate>, AppError> {
    let mut tx = ctx.begin().await?;
    let mut out = Vec::new();
    for role in Role::ALL {
        out.push(RoleTemplate {
            role,
            permissions: template(&mut tx, role).await?,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// Turns one flag of a role template on or off; returns the template's flags in that module.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn set_template_flag(
    ctx: &Ctx,
    role: Role,
    module: Module,
    action: Action,
    on: bool,
) -> Result<FlagSet, AppError> {
    let mut tx = ctx.begin().await?;
    // Locked: two admins toggling different flags of one cell must not overwrite each other.
    sqlx::query!(
        "SELECT role FROM role_templates WHERE role = $1 AND module = $2 FOR UPDATE",
        role as Role,
        module as Module
    )
    .fetch_optional(&mut *tx)
    .await?;
    let mut tx = ctx
        .decide(tx, Action::Edit, Area::RoleTemplates, Scope::Any)
        .await?;
    let old = template(&mut tx, role).await?.get(module);
    let new = old.with(action, on);
    if new != old {
        sqlx::query!(
            r#"UPDATE role_templates SET can_view = $3, can_create = $4, can_edit = $5, can_delete = $6,
                      can_approve = $7, updated_by = $8
                WHERE role = $1 AND module = $2"#,
            role as Role,
            module as Module,
            new.has(Action::View),
            new.has(Action::Create),
            new.has(Action::Edit),
            new.has(Action::Delete),
            new.has(Action::Approve),
            ctx.actor.id
        )
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            &ctx.meta,
            AuditEntry::new(
                Some(ctx.actor.id),
                AuditAction::RoleTemplateChanged,
                AuditEntity::RoleTemplate,
                None,
            )
            .with_old(flags_json(Some(role), module, old))
            .with_new(flags_json(Some(role), module, new)),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(new)
}
