//! Signing in and out: the password step, the account back-off, and the session it starts. Each
//! attempt is one transaction that makes its change and writes its audit rows.

use chrono::{Duration, Utc};
use serde_json::json;
use tracing::instrument;

use super::Visit;
use super::context::AuthSession;
use super::password::Verified;
use super::session::{self, EndReason};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::model::LoginOutcome;
use crate::auth::policy::safe_next;
use crate::auth::roles::Role;
use crate::dealers::DealerStatus;
use crate::email::{Email, MAX_EMAIL};
use crate::error::{AppError, FieldError};
use crate::settings::{self, BACKOFF_AFTER_FAILURES, BACKOFF_MAX_SECONDS};

/// The one message for an unknown email and a wrong password alike.
pub const BAD_CREDENTIALS: &str = "The email or password is incorrect.";

/// A successful sign-in step: where to go, and the session token for the cookie.
#[derive(Debug)]
pub struct SignedIn {
    /// What happens next.
    pub outcome: LoginOutcome,
    /// The new session's cookie token.
    pub token: String,
}

/// The wait imposed before another attempt after `failures` consecutive failures: none up to
/// `after`, then 1 s doubling per failure up to `max_secs`. Never a permanent lock-out.
pub fn backoff_seconds(failures: i32, after: i32, max_secs: i64) -> i64 {
    if failures < after {
        return 0;
    }
    let exponent = u32::try_from(failures - after).unwrap_or(u32::MAX).min(30);
    (1_i64 << exponent).min(max_secs)
}

/// Whole seconds (rounded up) left of a `wait_secs` wait that began at `last_failure`, if any.
pub(super) fn remaining_wait(
    last_failure: Option<chrono::NaiveDateTime>,
    wait_secs: i64,
) -> Option<u64> {
    let last = last_failure?;
    let left_ms = (last + Duration::seconds(wait_secs) - Utc::now().naive_utc()).num_milliseconds();
    (wait_secs > 0 && left_ms > 0).then(|| u64::try_from((left_ms + 999) / 1000).unwrap_or(1))
}

pub(super) async fn backoff_settings(
    conn: &mut sqlx::PgConnection,
) -> Result<(i32, i64), AppError> {
    let [after, max] = settings::ints(conn, [BACKOFF_AFTER_FAILURES, BACKOFF_MAX_SECONDS]).await?;
    Ok((i32::try_from(after).unwrap_or(i32::MAX), max))
}

/// Checks email and password and starts a session: full, or owing the second factor.
#[instrument(skip(visit, password), fields(email = %email.trim()))]
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
    if email.chars().count() > MAX_EMAIL {
        return Err(AppError::field(
            "email",
            "That is longer than any email address can be.",
        ));
    }
    let next = safe_next(next);

    // Read and check without holding a transaction: hashing queues behind a semaphore, and a
    // connection (or a row lock) must not be held while it waits.
    let user = sqlx::query!(
        r#"SELECT u.id, u.password_hash, COALESCE(u.is_active, false) AS "active!", u.role AS "role: Role",
                  u.failed_logins, u.last_failed_login, u.mfa_enabled_at IS NOT NULL AS "mfa!",
                  d.status AS "dealer_status?: DealerStatus"
             FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id
            WHERE lower(u.email) = $1"#,
        email
    )
    .fetch_optional(&visit.state.pool)
    .await?;

    if let Some(u) = &user {
        let mut conn = visit.state.pool.acquire().await?;
        let (after, max) = backoff_settings(&mut conn).await?;
        let wait = backoff_seconds(u.failed_logins, after, max);
        if let Some(remaining) = remaining_wait(u.last_failed_login, wait) {
            audit::record(
                &mut conn,
                &visit.meta,
                AuditEntry::new(
                    None,
                    AuditAction::LoginThrottled,
                    AuditEntity::User,
                    Some(u.id),
                )
                .with_new(json!({ "retry_after_secs": remaining })),
            )
            .await?;
            return Err(AppError::RateLimited {
                retry_after_secs: remaining,
            });
        }
    }

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
    let Some(user) = user.filter(|_| verified != Verified::No) else {
        if let Some(id) = sqlx::query_scalar!(
            r#"UPDATE users SET failed_logins = failed_logins + 1, last_failed_login = CURRENT_TIMESTAMP
                WHERE lower(email) = $1 RETURNING id"#,
            email
        )
        .fetch_optional(&mut *tx)
        .await?
        {
            audit::record(
                &mut tx,
                &visit.meta,
                AuditEntry::new(None, AuditAction::LoginFailed, AuditEntity::User, Some(id))
                    .with_new(json!({ "reason": "wrong_password" })),
            )
            .await?;
        } else {
            audit::record(
                &mut tx,
                &visit.meta,
                AuditEntry::new(None, AuditAction::LoginFailed, AuditEntity::User, None)
                    .with_new(json!({ "reason": "unknown_email", "email": email })),
            )
            .await?;
        }
        tx.commit().await?;
        return Err(AppError::field("password", BAD_CREDENTIALS));
    };

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
    if !user.mfa {
        // With a second factor, the count is cleared only once that factor is passed too: a known
        // password must not buy unlimited code guesses.
        sqlx::query!(
            "UPDATE users SET failed_logins = 0, last_failed_login = NULL, last_login = CURRENT_TIMESTAMP WHERE id = $1",
            user.id
        )
        .execute(&mut *tx)
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
    Ok(SignedIn { outcome, token })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_after_the_threshold_doubles_and_is_capped() {
        assert_eq!(backoff_seconds(4, 5, 900), 0);
        assert_eq!(backoff_seconds(5, 5, 900), 1);
        assert_eq!(backoff_seconds(6, 5, 900), 2);
        assert_eq!(backoff_seconds(10, 5, 900), 32);
        assert_eq!(backoff_seconds(40, 5, 900), 900);
        assert_eq!(backoff_seconds(i32::MAX, 5, 900), 900);
    }
}
