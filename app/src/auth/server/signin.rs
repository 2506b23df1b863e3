//! Signing in and out: the password step (throttled, see [`super::throttle`]) and the session it
//! starts. Each step's change and its audit rows commit together.

use serde_json::json;
use tracing::instrument;

use super::Visit;
use super::context::AuthSession;
use super::devices;
use super::password::Verified;
use super::session::{self, EndReason};
use super::throttle::{Backoff, Throttle};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::model::LoginOutcome;
use crate::auth::policy::safe_next;
use crate::auth::roles::Role;
use crate::dealers::DealerStatus;
use crate::email::{Email, MAX_EMAIL};
use crate::error::{AppError, FieldError};

/// The one message for an unknown email and a wrong password alike.
pub const BAD_CREDENTIALS: &str = "The email or password is incorrect.";

/// A successful sign-in step: where to go, and the cookies to set.
#[derive(Debug)]
pub struct SignedIn {
    /// What happens next.
    pub outcome: LoginOutcome,
    /// The new session's cookie token.
    pub token: String,
    /// A device cookie's token, when this browser just became a known device of the user.
    pub device: Option<String>,
}

/// Checks email and password and starts a session: full, or owing the second factor. A known and
/// an unknown address take the same steps: look up, claim an attempt from the throttle, check a
/// password hash (a dummy one for nobody), write one audit row.
#[instrument(skip(visit, password), fields(email = ?email.trim()))]
pub async fn login(
    visit: &Visit,
    email: &str,
    password: String,
    next: Option<&str>,
) -> Result<SignedIn, AppError> {
    let email = Email::lookup_key(email);
    let mut missing = Vec::new();
    if email.is_empty() {
        missing.push(FieldError::new("email", "Enter your email address."));
    }
    if password.is_empty() {
        missing.push(FieldError::new("password", "Enter your password."));
    }
    if !missing.is_empty() {
        return Err(AppError::Validation { fields: missing });
    }
    if email.chars().count() > MAX_EMAIL || email.chars().any(char::is_control) {
        return Err(AppError::field(
            "email",
            "That is not an email address anyone can have.",
        ));
    }
    let next = safe_next(next);

    let user = sqlx::query!(
        r#"SELECT u.id, u.email, u.password_hash, COALESCE(u.is_active, false) AS "active!", u.role AS "role: Role",
                  u.mfa_enabled_at IS NOT NULL AS "mfa!",
                  d.status AS "dealer_status?: DealerStatus"
             FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id
            WHERE lower(u.email) = $1"#,
        email
    )
    .fetch_optional(&visit.state.pool)
    .await?;

    // Claim the attempt in a short transaction of its own: the throttle's row lock must not be
    // held while the password hash is checked (that queues behind a semaphore).
    let mut tx = visit.state.pool.begin().await?;
    let backoff = Backoff::read(&mut tx).await?;
    let device = devices::recognise(&mut tx, visit.meta.device.as_ref(), &email).await?;
    let throttle = Throttle::for_browser(&email, device.as_ref());
    if let Err(remaining) = throttle.claim(&mut tx, backoff).await? {
        audit::record(
            &mut tx,
            &visit.meta,
            AuditEntry::new(
                None,
                AuditAction::LoginThrottled,
                AuditEntity::User,
                user.as_ref().map(|u| u.id),
            )
            .with_new(json!({ "retry_after_secs": remaining })),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::RateLimited {
            retry_after_secs: remaining,
        });
    }
    tx.commit().await?;

    let verified = visit
        .state
        .auth
        .passwords
        .verify(
            password.clone(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
    let upgraded = match (&user, verified) {
        (Some(_), Verified::Yes { rehash: true }) => {
            Some(visit.state.auth.passwords.hash(password).await?)
        }
        _ => None,
    };
    let mut tx = visit.state.pool.begin().await?;
    let known = user.as_ref().map(|u| u.id);
    let Some(user) = user.filter(|_| verified != Verified::No) else {
        // The failure was counted when the attempt was claimed.
        let (id, detail) = match known {
            Some(id) => (Some(id), json!({ "reason": "wrong_password" })),
            None => (None, json!({ "reason": "unknown_email", "email": email })),
        };
        audit::record(
            &mut tx,
            &visit.meta,
            AuditEntry::new(None, AuditAction::LoginFailed, AuditEntity::User, id).with_new(detail),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::field("password", BAD_CREDENTIALS));
    };
    // The password is right: this throttle's failures are forgotten (a second factor still
    // counts its own failures, on the account).
    throttle.clear(&mut tx).await?;

    let blocked = if !user.active {
        Some("This account is deactivated. Ask your administrator to reactivate it.")
    } else if user.dealer_status.is_some_and(|s| !s.is_active()) {
        Some("Your dealer's access is suspended or inactive. Ask the manufacturer's administrator.")
    } else {
        None
    };
    if let Some(reason) = blocked {
        audit::record(
            &mut tx,
            &visit.meta,
            AuditEntry::new(
                Some(user.id),
                AuditAction::LoginBlocked,
                AuditEntity::User,
                Some(user.id),
            )
            .with_new(json!({ "reason": reason })),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::Forbidden {
            reason: reason.to_owned(),
        });
    }

    if let Some(upgraded) = upgraded {
        sqlx::query!(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            user.id,
            upgraded
        )
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            &visit.meta,
            AuditEntry::new(
                Some(user.id),
                AuditAction::PasswordRehashed,
                AuditEntity::User,
                Some(user.id),
            )
            .with_new(json!({ "algorithm": "argon2id" })),
        )
        .await?;
    }
    let mut new_device = None;
    if !user.mfa {
        sqlx::query!(
            "UPDATE users SET last_login = CURRENT_TIMESTAMP WHERE id = $1",
            user.id
        )
        .execute(&mut *tx)
        .await?;
        new_device = devices::signed_in(
            &mut tx,
            user.id,
            &user.email,
            &visit.meta,
            &visit.state.auth.public_url,
        )
        .await?;
    }

    let (session_id, token) = session::create(&mut tx, user.id, &visit.meta, user.mfa).await?;
    let outcome = if user.mfa {
        LoginOutcome::MfaRequired { next }
    } else if session::mfa_required_roles(&mut tx)
        .await?
        .contains(&user.role)
    {
        LoginOutcome::EnrolmentRequired { next }
    } else {
        LoginOutcome::SignedIn { next }
    };
    let action = if user.mfa {
        AuditAction::PasswordVerified
    } else {
        AuditAction::Login
    };
    audit::record(
        &mut tx,
        &visit.meta,
        AuditEntry::new(
            Some(user.id),
            action,
            AuditEntity::Session,
            Some(session_id),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn {
        outcome,
        token,
        device: new_device,
    })
}

/// Ends `session` (the caller's).
#[instrument(skip_all, fields(user = %session.user.id))]
pub async fn logout(visit: &Visit, session: &AuthSession) -> Result<(), AppError> {
    let mut tx = visit.state.pool.begin().await?;
    session::end(
        &mut tx,
        session.session_id,
        EndReason::Logout,
        &visit.meta,
        Some(session.user.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
