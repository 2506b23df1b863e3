//! Passwords: changing one's own, asking for a reset link, using a reset or invitation link, and
//! issuing those links (also for administrators' invitations). Each is one transaction that makes
//! the change, ends what must end, and writes its audit rows.

use chrono::{Duration, Utc};
use serde_json::json;
use tracing::instrument;

use super::alerts::{SecurityEvent, security_notice};
use super::context::AuthSession;
use super::password::{Verified, check_strength};
use super::session::{self, EndReason};
use super::throttle::Throttle;
use super::{Visit, tokens};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::dealers::DealerStatus;
use crate::email::Email;
use crate::error::{AppError, FieldError};
use crate::settings::{self, INVITATION_HOURS, RESET_COOLDOWN_MINUTES, RESET_TOKEN_MINUTES};

/// The one answer to a reset request, whether or not the account exists.
pub const RESET_REQUESTED: &str = crate::auth::views::RESET_REQUESTED_MESSAGE;

/// What is wrong with a chosen new password and its confirmation (`new_password`,
/// `confirm_password` fields); empty when both are fine.
fn new_password_errors(new: &str, confirm: &str, user_inputs: &[&str]) -> Vec<FieldError> {
    let mut fields = Vec::new();
    if let Err(message) = check_strength(new, user_inputs) {
        fields.push(FieldError::new("new_password", message));
    }
    if new != confirm {
        fields.push(FieldError::new(
            "confirm_password",
            "The two new passwords differ.",
        ));
    }
    fields
}

/// A password change done: how many other sessions ended, and the current session's new token.
#[derive(Debug)]
pub struct PasswordChanged {
    /// Other sessions ended.
    pub ended: usize,
    /// The current session's new cookie token (the old one stops working).
    pub token: String,
}

/// Changes `session`'s user's password (the current one is required), ends their other
/// sessions, gives this one a new token and tells the user (portal and e-mail).
#[instrument(skip_all, fields(user = %session.user.id))]
pub async fn change_password(
    visit: &Visit,
    session: &AuthSession,
    current: String,
    new: String,
    confirm: String,
) -> Result<PasswordChanged, AppError> {
    let user = &session.user;
    let mut fields = new_password_errors(&new, &confirm, &[&user.email, &user.name]);
    if new == current && !new.is_empty() {
        fields.push(FieldError::new(
            "new_password",
            "Choose a password different from the current one.",
        ));
    }
    let stored = sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", user.id)
        .fetch_one(&visit.state.pool)
        .await?;
    if visit
        .state
        .auth
        .passwords
        .verify(current, Some(stored.clone()))
        .await?
        == Verified::No
    {
        fields.insert(
            0,
            FieldError::new("current_password", "This is not your current password."),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let hash = visit.state.auth.passwords.hash(new).await?;
    let mut tx = visit.state.pool.begin().await?;
    // Unchanged since it was checked; otherwise a concurrent change happened and this one is stale.
    let still = sqlx::query_scalar!(
        "SELECT password_hash FROM users WHERE id = $1 FOR UPDATE",
        user.id
    )
    .fetch_one(&mut *tx)
    .await?;
    if still != stored {
        return Err(AppError::field(
            "current_password",
            "Your password was just changed elsewhere. Reload the page and try again.",
        ));
    }
    // A reset link still out there would undo this change.
    retire_password_links(&mut tx, user.id).await?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2, password_changed_at = CURRENT_TIMESTAMP WHERE id = $1",
        user.id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    let ended = session::end_all(
        &mut tx,
        user.id,
        Some(session.session_id),
        EndReason::PasswordChanged,
        &visit.meta,
        Some(user.id),
    )
    .await?;
    audit::record(
        &mut tx,
        &visit.meta,
        AuditEntry::new(
            Some(user.id),
            AuditAction::PasswordChanged,
            AuditEntity::User,
            Some(user.id),
        )
        .with_new(json!({ "other_sessions_ended": ended })),
    )
    .await?;
    // A privilege change: whoever knew the old token does not hold the changed account.
    let token = session::rotate_token(&mut tx, session.session_id).await?;
    security_notice(
        &mut tx,
        user.id,
        &user.email,
        SecurityEvent::PasswordChanged,
        &visit.meta,
        &visit.state.auth.public_url,
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordChanged { ended, token })
}

/// Sends a reset link when the address belongs to an active account. The caller answers the same
/// whatever happened here.
#[instrument(skip_all)]
pub async fn request_reset(visit: &Visit, email: &str) -> Result<(), AppError> {
    let Some(email) = Email::parse(email) else {
        return Err(AppError::field(
            "email",
            "Enter the email address you sign in with.",
        ));
    };
    let mut tx = visit.state.pool.begin().await?;
    let user = sqlx::query!(
        r#"SELECT u.id FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id
            WHERE lower(u.email) = $1 AND u.is_active IS TRUE
              AND (d.id IS NULL OR d.status = $2)
              FOR UPDATE OF u"#,
        email.as_str(),
        DealerStatus::Active as DealerStatus
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user) = user else {
        audit::record(
            &mut tx,
            &visit.meta,
            AuditEntry::new(None, AuditAction::ResetRequested, AuditEntity::User, None)
                .with_new(json!({ "email": email, "account": "none" })),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    };
    // Within the cooldown of a live link, nothing is sent and that link keeps working: a visitor
    // can neither flood the mailbox nor keep retiring the user's genuine link. (The user row is
    // locked above, so two requests at once cannot both pass.)
    let [cooldown] = settings::ints(&mut tx, [RESET_COOLDOWN_MINUTES]).await?;
    let now = Utc::now().naive_utc();
    let recent = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM password_reset_tokens
                           WHERE user_id = $1 AND used IS NOT TRUE AND expires_at > $2
                             AND purpose = 'reset' AND created_at > $3) AS "recent!""#,
        user.id,
        now,
        now - Duration::minutes(cooldown)
    )
    .fetch_one(&mut *tx)
    .await?;
    if recent {
        audit::record(
            &mut tx,
            &visit.meta,
            AuditEntry::new(
                None,
                AuditAction::ResetRequested,
                AuditEntity::User,
                Some(user.id),
            )
            .with_new(json!({ "sent": false, "cooldown_minutes": cooldown })),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let minutes = issue_password_link(
        &mut tx,
        &visit.state.auth.public_url,
        user.id,
        &email,
        LinkPurpose::Reset,
    )
    .await?;
    audit::record(
        &mut tx,
        &visit.meta,
        AuditEntry::new(
            None,
            AuditAction::ResetRequested,
            AuditEntity::User,
            Some(user.id),
        )
        .with_new(json!({ "expires_in_minutes": minutes })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Why a one-time link to choose a password is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The user asked for it (forgotten password).
    Reset,
    /// An administrator sent it.
    AdminReset,
    /// A new account: the user chooses their first password.
    Invitation,
}

/// Makes every outstanding reset or invitation link of `user_id` unusable.
async fn retire_password_links(
    conn: &mut sqlx::PgConnection,
    user_id: uuid::Uuid,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE password_reset_tokens SET used = true WHERE user_id = $1 AND used IS NOT TRUE",
        user_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Retires the user's earlier links, stores a new one (its hash only) and queues the mail, in the
/// caller's transaction. Returns how many minutes the link is valid.
#[instrument(skip(tx, public_url, email))]
pub async fn issue_password_link(
    tx: &mut sqlx::PgConnection,
    public_url: &str,
    user_id: uuid::Uuid,
    email: &Email,
    purpose: LinkPurpose,
) -> Result<i64, AppError> {
    let [reset_minutes, invitation_hours] =
        settings::ints(&mut *tx, [RESET_TOKEN_MINUTES, INVITATION_HOURS]).await?;
    let minutes = match purpose {
        LinkPurpose::Invitation => invitation_hours * 60,
        LinkPurpose::Reset | LinkPurpose::AdminReset => reset_minutes,
    };
    // One live link at a time: a new one retires the earlier ones.
    retire_password_links(&mut *tx, user_id).await?;
    let (token, hash) = tokens::new_token();
    let expires_at = Utc::now().naive_utc() + Duration::minutes(minutes);
    let kind = if purpose == LinkPurpose::Invitation {
        "invitation"
    } else {
        "reset"
    };
    sqlx::query!(
        "INSERT INTO password_reset_tokens (user_id, token, expires_at, purpose) VALUES ($1, $2, $3, $4)",
        user_id,
        hash,
        expires_at,
        kind
    )
    .execute(&mut *tx)
    .await?;
    let link = format!("{public_url}/password/reset?token={token}");
    let validity = if minutes >= 120 && minutes % 60 == 0 {
        format!("{} hours", minutes / 60)
    } else {
        format!("{minutes} minutes")
    };
    let (subject, body) = match purpose {
        LinkPurpose::Reset => (
            "Reset your One Aftersales password",
            format!(
                "Someone (hopefully you) asked to reset the password of your One Aftersales account.\n\n\
                 Choose a new password here within {validity}:\n{link}\n\n\
                 The link works once. If you did not ask for this, ignore this mail: your password stays as it is.\n"
            ),
        ),
        LinkPurpose::AdminReset => (
            "Choose a new One Aftersales password",
            format!(
                "An administrator asked for a new password to be set for your One Aftersales account.\n\n\
                 Choose it here within {validity}:\n{link}\n\n\
                 The link works once. Your current password keeps working until you choose a new one.\n"
            ),
        ),
        LinkPurpose::Invitation => (
            "Your One Aftersales account",
            format!(
                "An account on One Aftersales, the aftersales portal, has been created for you.\n\n\
                 Choose your password here within {validity}, then sign in with {email}:\n{link}\n\n\
                 The link works once. If you did not expect this mail, ignore it.\n"
            ),
        ),
    };
    crate::mail::enqueue(&mut *tx, email.as_str(), subject, &body).await?;
    Ok(minutes)
}

/// Sets a new password with a reset token (single use, unexpired) and ends every session of the user.
#[instrument(skip_all)]
pub async fn reset_password(
    visit: &Visit,
    token: &str,
    new: String,
    confirm: String,
) -> Result<(), AppError> {
    let invalid = || {
        AppError::field(
            "token",
            "This reset link is invalid, already used or expired. Ask for a new one.",
        )
    };
    let mut tx = visit.state.pool.begin().await?;
    let found = sqlx::query!(
        r#"SELECT t.id, t.user_id AS "user_id!", u.email, u.name
             FROM password_reset_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token = $1 AND t.used IS NOT TRUE AND t.expires_at > $2 AND u.is_active IS TRUE
            FOR UPDATE OF t"#,
        tokens::hash_token(token.trim()),
        Utc::now().naive_utc()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(invalid)?;
    let fields = new_password_errors(&new, &confirm, &[&found.email, &found.name]);
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let hash = visit.state.auth.passwords.hash(new).await?;
    sqlx::query!(
        r#"UPDATE users SET password_hash = $2, password_changed_at = CURRENT_TIMESTAMP,
                            failed_logins = 0, last_failed_login = NULL
            WHERE id = $1"#,
        found.user_id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE password_reset_tokens SET used = true WHERE id = $1",
        found.id
    )
    .execute(&mut *tx)
    .await?;
    // Whoever reads the mailbox may sign in at once, whatever failures came before.
    Throttle::shared(&Email::lookup_key(&found.email))
        .clear(&mut tx)
        .await?;
    let ended = session::end_all(
        &mut tx,
        found.user_id,
        None,
        EndReason::PasswordReset,
        &visit.meta,
        None,
    )
    .await?;
    audit::record(
        &mut tx,
        &visit.meta,
        AuditEntry::new(
            None,
            AuditAction::PasswordReset,
            AuditEntity::User,
            Some(found.user_id),
        )
        .with_new(json!({ "sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
