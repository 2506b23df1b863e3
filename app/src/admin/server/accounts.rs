//! User administration, the changing side (server only): create (with an invitation), edit,
//! deactivate and reactivate, password links and sessions. Each change locks the user, is decided
//! by `authorize` on what it reads under the lock, and is audited in the same transaction.

use serde_json::json;
use sqlx::PgConnection;
use tracing::instrument;
use uuid::Uuid;

use super::permissions::{
    check_grants, permissions_json, permissions_of, template, write_permissions,
};
use super::users::{active_super_admins, decide, lock_target, open_for_edit};
use crate::admin::model::UserForm;
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::{Action, Area, Scope, TargetUser, UserChange};
use crate::auth::roles::{Role, UserType};
use crate::auth::server::Ctx;
use crate::auth::server::password::generate_password;
use crate::auth::server::passwords::{LinkPurpose, issue_password_link};
use crate::auth::server::session::{self, EndReason};
use crate::email::Email;
use crate::error::AppError;

/// Checks that a dealer-role user's dealer exists (a field error otherwise).
async fn check_dealer(conn: &mut PgConnection, dealer_id: Option<Uuid>) -> Result<(), AppError> {
    if let Some(d) = dealer_id {
        let exists = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM dealers WHERE id = $1) AS "e!""#,
            d
        )
        .fetch_one(&mut *conn)
        .await?;
        if !exists {
            return Err(AppError::field("dealer_id", "That dealer does not exist."));
        }
    }
    Ok(())
}

/// A duplicate email (either unique constraint) as a field error; anything else as usual.
fn unique_email(e: sqlx::Error) -> AppError {
    if let sqlx::Error::Database(db) = &e
        && matches!(
            db.constraint(),
            Some("users_email_key" | "users_email_lower_key")
        )
    {
        return AppError::field("email", "A user with this email address already exists.");
    }
    AppError::from(e)
}

/// Creates a user with their role's template permissions and mails them an invitation link to
/// choose their password. The administrator never sees or sets the password.
#[instrument(skip(ctx, form), fields(actor = %ctx.actor.id))]
pub async fn create(ctx: &Ctx, form: &UserForm) -> Result<Uuid, AppError> {
    let valid = form
        .validate()
        .map_err(|fields| AppError::Validation { fields })?;
    let new_user = TargetUser {
        id: Uuid::nil(),
        role: valid.role,
        active: true,
    };
    // An unusable password: a hash of random characters nobody ever sees, so sign-in costs the
    // same for this account as for any other until the invitation is used. Hashed before the
    // transaction, so no connection waits on Argon2.
    let placeholder = ctx.state.auth.passwords.hash(generate_password()).await?;
    let mut tx = ctx.begin().await?;
    tx = ctx
        .decide(
            tx,
            Action::Create,
            Area::Users,
            Scope::User {
                target: new_user,
                change: UserChange::Details,
            },
        )
        .await?;
    check_dealer(&mut tx, valid.dealer_id).await?;
    let permissions = template(&mut tx, valid.role).await?;
    tx = check_grants(ctx, tx, new_user, &permissions).await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO users (email, password_hash, name, role, user_type, dealer_id, designation, is_active, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8) RETURNING id"#,
        valid.email.as_str(),
        placeholder,
        valid.name,
        valid.role as Role,
        valid.user_type as UserType,
        valid.dealer_id,
        valid.designation,
        ctx.actor.id
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_email)?;
    write_permissions(&mut tx, id, &permissions, ctx.actor.id).await?;
    let minutes = issue_password_link(
        &mut tx,
        &ctx.state.auth.public_url,
        id,
        &valid.email,
        LinkPurpose::Invitation,
    )
    .await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::UserCreated,
            AuditEntity::User,
            Some(id),
        )
        .with_new(json!({
            "email": valid.email,
            "name": valid.name,
            "role": valid.role,
            "user_type": valid.user_type,
            "dealer_id": valid.dealer_id,
            "designation": valid.designation,
            "permissions": permissions_json(&permissions),
            "invitation_valid_minutes": minutes,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a user's name, role, type, dealer and designation. A new role, type or dealer changes
/// what the user may reach, so their sessions end and they sign in again under the new rules.
#[instrument(skip(ctx, form), fields(actor = %ctx.actor.id))]
pub async fn update(ctx: &Ctx, id: Uuid, form: &UserForm) -> Result<(), AppError> {
    let mut tx = ctx.begin().await?;
    let target = lock_target(&mut tx, id).await?;
    // The email is the sign-in identity and is not edited here; validate the rest against it.
    let form = UserForm {
        email: target.email.clone(),
        ..form.clone()
    };
    let valid = form
        .validate()
        .map_err(|fields| AppError::Validation { fields })?;
    tx = decide(ctx, tx, Action::Edit, target.facts, UserChange::Details).await?;
    if valid.role != target.facts.role {
        let count = active_super_admins(&mut tx).await?;
        tx = decide(
            ctx,
            tx,
            Action::Edit,
            target.facts,
            UserChange::Role {
                to: valid.role,
                active_super_admins: count,
            },
        )
        .await?;
    }
    // A new role starts from its template: flags granted for the old role (a dealer's service head
    // may delete PCC applications) must not carry over to the new one unchecked.
    let role_changed = valid.role != target.facts.role || valid.user_type != target.user_type;
    let permissions = if role_changed {
        let old = permissions_of(&mut tx, &[id]).await?.remove(0).1;
        let new = template(&mut tx, valid.role).await?;
        tx = check_grants(ctx, tx, target.facts, &new).await?;
        Some((old, new))
    } else {
        None
    };
    check_dealer(&mut tx, valid.dealer_id).await?;
    sqlx::query!(
        "UPDATE users SET name = $2, role = $3, user_type = $4, dealer_id = $5, designation = $6 WHERE id = $1",
        id,
        valid.name,
        valid.role as Role,
        valid.user_type as UserType,
        valid.dealer_id,
        valid.designation
    )
    .execute(&mut *tx)
    .await?;
    if let Some((_, new)) = &permissions {
        write_permissions(&mut tx, id, new, ctx.actor.id).await?;
    }
    let reach_changed = role_changed || valid.dealer_id != target.dealer_id;
    let ended = if reach_changed {
        session::end_all(
            &mut tx,
            id,
            None,
            EndReason::Revoked,
            &ctx.meta,
            Some(ctx.actor.id),
        )
        .await?
    } else {
        0
    };
    let mut old = json!({
        "name": target.name,
        "role": target.facts.role,
        "user_type": target.user_type,
        "dealer_id": target.dealer_id,
        "designation": target.designation,
    });
    let mut new = json!({
        "name": valid.name,
        "role": valid.role,
        "user_type": valid.user_type,
        "dealer_id": valid.dealer_id,
        "designation": valid.designation,
    });
    if let Some((before, after)) = &permissions {
        old["permissions"] = permissions_json(before);
        new["permissions"] = permissions_json(after);
    }
    if old != new {
        if ended > 0 {
            new["sessions_ended"] = json!(ended);
        }
        audit::record(
            &mut tx,
            &ctx.meta,
            AuditEntry::new(
                Some(ctx.actor.id),
                AuditAction::UserUpdated,
                AuditEntity::User,
                Some(id),
            )
            .with_old(old)
            .with_new(new),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deactivates (ending every session) or reactivates a user.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn set_active(ctx: &Ctx, id: Uuid, active: bool) -> Result<usize, AppError> {
    let mut tx = ctx.begin().await?;
    let target = lock_target(&mut tx, id).await?;
    let change = if active {
        UserChange::Details
    } else {
        UserChange::Deactivate {
            active_super_admins: active_super_admins(&mut tx).await?,
        }
    };
    tx = decide(ctx, tx, Action::Edit, target.facts, change).await?;
    if target.facts.active == active {
        return Ok(0);
    }
    sqlx::query!("UPDATE users SET is_active = $2 WHERE id = $1", id, active)
        .execute(&mut *tx)
        .await?;
    let ended = if active {
        0
    } else {
        session::end_all(
            &mut tx,
            id,
            None,
            EndReason::Deactivated,
            &ctx.meta,
            Some(ctx.actor.id),
        )
        .await?
    };
    let action = if active {
        AuditAction::UserReactivated
    } else {
        AuditAction::UserDeactivated
    };
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(Some(ctx.actor.id), action, AuditEntity::User, Some(id))
            .with_old(json!({ "is_active": !active }))
            .with_new(json!({ "is_active": active, "sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Mails the user a link to choose a new password: an invitation for someone who never signed
/// in, a reset otherwise.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn send_password_link(ctx: &Ctx, id: Uuid) -> Result<(), AppError> {
    let (mut tx, target) = open_for_edit(ctx, id).await?;
    if !target.facts.active {
        return Err(AppError::BadRequest {
            message: "Reactivate the account before sending it a password link.".into(),
        });
    }
    let purpose = if target.last_login.is_none() {
        LinkPurpose::Invitation
    } else {
        LinkPurpose::AdminReset
    };
    let email = Email::parse(&target.email)
        .ok_or_else(|| AppError::internal(format_args!("user {id} has no usable email")))?;
    let minutes =
        issue_password_link(&mut tx, &ctx.state.auth.public_url, id, &email, purpose).await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::PasswordLinkSent,
            AuditEntity::User,
            Some(id),
        )
        .with_new(json!({
            "kind": if purpose == LinkPurpose::Invitation { "invitation" } else { "reset" },
            "valid_minutes": minutes,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends one of a user's sessions, or all of them when `session_id` is `None`.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn revoke_sessions(
    ctx: &Ctx,
    id: Uuid,
    session_id: Option<Uuid>,
) -> Result<usize, AppError> {
    let (mut tx, _) = open_for_edit(ctx, id).await?;
    let ended = match session_id {
        Some(sid) => {
            if !session::belongs_to(&mut tx, sid, id).await? {
                return Err(AppError::NotFound);
            }
            usize::from(
                session::end(
                    &mut tx,
                    sid,
                    EndReason::Revoked,
                    &ctx.meta,
                    Some(ctx.actor.id),
                )
                .await?,
            )
        }
        None => {
            session::end_all(
                &mut tx,
                id,
                None,
                EndReason::Revoked,
                &ctx.meta,
                Some(ctx.actor.id),
            )
            .await?
        }
    };
    tx.commit().await?;
    Ok(ended)
}
