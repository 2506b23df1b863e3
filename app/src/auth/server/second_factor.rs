//! The second factor: TOTP enrolment (with recovery codes), turning it off, and the second sign-in
//! step. Failed codes count toward the account's own back-off.

use chrono::Utc;
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use super::alerts::{SecurityEvent, security_notice};
use super::context::AuthSession;
use super::devices;
use super::throttle::Backoff;
use super::{Visit, mfa, session};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::model::{AccessStage, MfaEnrolment};
use crate::error::AppError;

/// Starts (or restarts) TOTP enrolment: a new secret, stored encrypted, not yet active.
#[instrument(skip_all, fields(user = %session.user.id))]
pub async fn begin_enrolment(
    visit: &Visit,
    session: &AuthSession,
) -> Result<MfaEnrolment, AppError> {
    let user = &session.user;
    if user.mfa_enabled {
        return Err(AppError::Forbidden {
            reason:
                "Two-factor authentication is already on. Turn it off first to enrol a new device."
                    .into(),
        });
    }
    let secret = mfa::new_secret();
    let mut tx = visit.state.pool.begin().await?;
    sqlx::query!(
        "UPDATE users SET mfa_secret = $2, mfa_enabled_at = NULL, mfa_last_step = NULL WHERE id = $1",
        user.id,
        visit.state.auth.secrets.seal(&secret)
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &visit.meta,
        AuditEntry::new(
            Some(user.id),
            AuditAction::MfaEnrolmentStarted,
            AuditEntity::User,
            Some(user.id),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(mfa::enrolment(&secret, &user.email))
}

/// The user's TOTP secret (if one is stored and opens under the server key), the last accepted
/// step, and whether MFA is on; locks the user row.
async fn load_secret(
    visit: &Visit,
    tx: &mut sqlx::PgConnection,
    user_id: Uuid,
) -> Result<(Option<Vec<u8>>, Option<i64>, bool), AppError> {
    let row = sqlx::query!(
        r#"SELECT mfa_secret, mfa_last_step, mfa_enabled_at IS NOT NULL AS "enabled!"
             FROM users WHERE id = $1 FOR UPDATE"#,
        user_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let secret = row.mfa_secret.and_then(|sealed| {
        let opened = visit.state.auth.secrets.open(&sealed);
        if opened.is_none() {
            // Recovery codes still work; the log says why TOTP codes do not.
            tracing::error!(%user_id, "a TOTP secret does not open under OAP_SECRET_KEY (was the key changed?)");
        }
        opened
    });
    Ok((secret, row.mfa_last_step, row.enabled))
}

fn now_unix() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or(0)
}

/// A TOTP code's step if it is valid and newer than the last accepted one.
fn fresh_step(secret: &[u8], code: &str, last_step: Option<i64>) -> Option<i64> {
    let step = i64::try_from(mfa::matching_step(secret, code, now_unix())?).ok()?;
    (last_step.is_none_or(|last| step > last)).then_some(step)
}

/// Enrolment confirmed: the recovery codes (shown this once) and the session's new token.
#[derive(Debug)]
pub struct Enrolled {
    /// One-time recovery codes.
    pub codes: Vec<String>,
    /// The session's new cookie token: an enrolment-only session becomes a full one under a token
    /// nobody held before.
    pub token: String,
}

/// Confirms enrolment with a code from the app; turns MFA on, gives the session a new token and
/// returns the recovery codes, shown this once.
#[instrument(skip_all, fields(user = %session.user.id))]
pub async fn confirm_enrolment(
    visit: &Visit,
    session: &AuthSession,
    code: &str,
) -> Result<Enrolled, AppError> {
    let user = &session.user;
    let mut tx = visit.state.pool.begin().await?;
    let (secret, last_step, enabled) = load_secret(visit, &mut tx, user.id).await?;
    if enabled {
        return Err(AppError::Forbidden {
            reason: "Two-factor authentication is already on.".into(),
        });
    }
    let secret = secret.ok_or_else(|| {
        AppError::field(
            "code",
            "Start the enrolment again: no setup is in progress.",
        )
    })?;
    let step = fresh_step(&secret, code, last_step).ok_or_else(|| {
        AppError::field(
            "code",
            "That code is not right. Enter the 6-digit code your app shows now.",
        )
    })?;
    sqlx::query!(
        "UPDATE users SET mfa_enabled_at = CURRENT_TIMESTAMP, mfa_last_step = $2 WHERE id = $1",
        user.id,
        step
    )
    .execute(&mut *tx)
    .await?;
    let codes = mfa::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| mfa::hash_recovery_code(c)).collect();
    sqlx::query!("DELETE FROM mfa_recovery_codes WHERE user_id = $1", user.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "INSERT INTO mfa_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::varchar[])",
        user.id,
        &hashes
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &visit.meta,
        AuditEntry::new(
            Some(user.id),
            AuditAction::MfaEnabled,
            AuditEntity::User,
            Some(user.id),
        )
        .with_new(json!({ "method": "totp", "recovery_codes": codes.len() })),
    )
    .await?;
    let token = session::rotate_token(&mut tx, session.session_id).await?;
    tx.commit().await?;
    Ok(Enrolled { codes, token })
}

/// Turns MFA off (needs a fresh code from the app), gives the session a new token (returned for
/// the cookie) and tells the user.
#[instrument(skip_all, fields(user = %session.user.id))]
pub async fn disable_mfa(
    visit: &Visit,
    session: &AuthSession,
    code: &str,
) -> Result<String, AppError> {
    let user = &session.user;
    let mut tx = visit.state.pool.begin().await?;
    let (secret, last_step, enabled) = load_secret(visit, &mut tx, user.id).await?;
    let valid = enabled
        && secret
            .as_deref()
            .is_some_and(|s| fresh_step(s, code, last_step).is_some());
    if !valid {
        return Err(AppError::field(
            "code",
            "Enter a current 6-digit code from your authenticator app.",
        ));
    }
    sqlx::query!(
        "UPDATE users SET mfa_secret = NULL, mfa_enabled_at = NULL, mfa_last_step = NULL WHERE id = $1",
        user.id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM mfa_recovery_codes WHERE user_id = $1", user.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &visit.meta,
        AuditEntry::new(
            Some(user.id),
            AuditAction::MfaDisabled,
            AuditEntity::User,
            Some(user.id),
        ),
    )
    .await?;
    let token = session::rotate_token(&mut tx, session.session_id).await?;
    security_notice(
        &mut tx,
        user.id,
        &user.email,
        SecurityEvent::MfaDisabled,
        &visit.meta,
        &visit.state.auth.public_url,
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The second step passed: the full session's token, and a device cookie's token when this
/// browser just became a known device.
#[derive(Debug)]
pub struct Passed {
    /// The session's new cookie token.
    pub token: String,
    /// The new device cookie's token, if any.
    pub device: Option<String>,
}

/// The second sign-in step: a TOTP code (never one already used) or an unused recovery code.
/// Failures count toward the account's own back-off (`users.failed_logins`: only someone who
/// knows the password can add to it). Passed, the session becomes a full one under a new token:
/// the half-signed-in token is never promoted.
#[instrument(skip_all, fields(user = %session.user.id))]
pub async fn verify_second_factor(
    visit: &Visit,
    session: &AuthSession,
    code: &str,
) -> Result<Passed, AppError> {
    let user = &session.user;
    if session.user.stage != AccessStage::MfaPending {
        return Err(AppError::Forbidden {
            reason: "This session does not need a second factor.".into(),
        });
    }
    let mut tx = visit.state.pool.begin().await?;
    // Locked: parallel guesses queue here and each sees the previous one's failure.
    let throttle = sqlx::query!(
        "SELECT failed_logins, last_failed_login FROM users WHERE id = $1 FOR UPDATE",
        user.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let backoff = Backoff::read(&mut tx).await?;
    if let Some(remaining) = backoff.owed(throttle.failed_logins, throttle.last_failed_login) {
        return Err(AppError::RateLimited {
            retry_after_secs: remaining,
        });
    }
    let (secret, last_step, _) = load_secret(visit, &mut tx, user.id).await?;
    let totp_step = secret
        .as_deref()
        .and_then(|s| fresh_step(s, code, last_step));
    let method = if let Some(step) = totp_step {
        sqlx::query!(
            "UPDATE users SET mfa_last_step = $2 WHERE id = $1",
            user.id,
            step
        )
        .execute(&mut *tx)
        .await?;
        Some("totp")
    } else {
        sqlx::query_scalar!(
            r#"UPDATE mfa_recovery_codes SET used_at = CURRENT_TIMESTAMP
                WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id"#,
            user.id,
            mfa::hash_recovery_code(code)
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|_| "recovery_code")
    };
    let Some(method) = method else {
        sqlx::query!(
            "UPDATE users SET failed_logins = failed_logins + 1, last_failed_login = CURRENT_TIMESTAMP WHERE id = $1",
            user.id
        )
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            &visit.meta,
            AuditEntry::new(
                Some(user.id),
                AuditAction::MfaFailed,
                AuditEntity::Session,
                Some(session.session_id),
            ),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::field(
            "code",
            "That code is not right. Enter the 6-digit code your app shows now, or a recovery code.",
        ));
    };
    session::complete_mfa(&mut tx, session.session_id).await?;
    let token = session::rotate_token(&mut tx, session.session_id).await?;
    sqlx::query!(
        "UPDATE users SET failed_logins = 0, last_failed_login = NULL, last_login = CURRENT_TIMESTAMP WHERE id = $1",
        user.id
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &visit.meta,
        AuditEntry::new(
            Some(user.id),
            AuditAction::Login,
            AuditEntity::Session,
            Some(session.session_id),
        )
        .with_new(json!({ "second_factor": method })),
    )
    .await?;
    let device = devices::signed_in(
        &mut tx,
        user.id,
        &user.email,
        &visit.meta,
        &visit.state.auth.public_url,
    )
    .await?;
    tx.commit().await?;
    Ok(Passed { token, device })
}
