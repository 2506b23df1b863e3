//! Sign-in, sign-out, password change and reset, and the second factor: each one transaction that
//! makes the change and writes its audit rows.

use chrono::{Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::context::{AuthSession, RequestMeta};
use super::mfa;
use super::session::{self, EndReason};
use super::tokens;
use crate::audit::{self, AuditEntry};
use crate::auth::model::{AccessStage, LoginOutcome, MfaEnrolment};
use crate::auth::password::{Verified, check_strength};
use crate::error::{AppError, FieldError};
use crate::settings;
use crate::state::AppState;

/// The one message for an unknown email and a wrong password alike.
pub const BAD_CREDENTIALS: &str = "The email or password is incorrect.";
/// The one answer to a reset request, whether or not the account exists.
pub const RESET_REQUESTED: &str = crate::auth::views::RESET_REQUESTED_MESSAGE;

/// A successful sign-in step: where to go, and the session token for the cookie.
#[derive(Debug)]
pub struct SignedIn {
    /// What happens next.
    pub outcome: LoginOutcome,
    /// The new session's cookie token.
    pub token: String,
}

pub use crate::auth::policy::safe_next;

/// Longest email address accepted (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;

fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
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

/// Whole seconds (rounded up) left of a `wait_secs` wait that began at `last_failure`, if any.
fn remaining_wait(last_failure: Option<chrono::NaiveDateTime>, wait_secs: i64) -> Option<u64> {
    let last = last_failure?;
    let left_ms = (last + Duration::seconds(wait_secs) - Utc::now().naive_utc()).num_milliseconds();
    (wait_secs > 0 && left_ms > 0).then(|| u64::try_from((left_ms + 999) / 1000).unwrap_or(1))
}

async fn backoff_settings(conn: &mut sqlx::PgConnection) -> Result<(i32, i64), AppError> {
    let [after, max] = settings::ints(
        conn,
        [
            settings::BACKOFF_AFTER_FAILURES,
            settings::BACKOFF_MAX_SECONDS,
        ],
    )
    .await?;
    Ok((i32::try_from(after).unwrap_or(i32::MAX), max))
}

/// Checks email and password and starts a session: full, or owing the second factor.
#[tracing::instrument(skip(state, meta, password), fields(email = %email.trim()))]
pub async fn login(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
    password: String,
    next: Option<&str>,
) -> Result<SignedIn, AppError> {
    let email = normalise_email(email);
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
        r#"SELECT u.id, u.password_hash, COALESCE(u.is_active, false) AS "active!", u.role,
                  u.failed_logins, u.last_failed_login, u.mfa_enabled_at IS NOT NULL AS "mfa!",
                  d.status AS "dealer_status?"
             FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id
            WHERE lower(u.email) = $1"#,
        email
    )
    .fetch_optional(&state.pool)
    .await?;

    if let Some(u) = &user {
        let mut conn = state.pool.acquire().await?;
        let (after, max) = backoff_settings(&mut conn).await?;
        let wait = backoff_seconds(u.failed_logins, after, max);
        if let Some(remaining) = remaining_wait(u.last_failed_login, wait) {
            audit::record(
                &mut conn,
                meta,
                AuditEntry::new(None, "auth.login_throttled", "user", Some(u.id))
                    .with_new(json!({ "retry_after_secs": remaining })),
            )
            .await?;
            return Err(AppError::RateLimited {
                retry_after_secs: remaining,
            });
        }
    }

    let verified = state
        .auth
        .passwords
        .verify(
            password.clone(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
    let upgraded = match (&user, verified) {
        (Some(_), Verified::Yes { rehash: true }) => {
            Some(state.auth.passwords.hash(password).await?)
        }
        _ => None,
    };
    let mut tx = state.pool.begin().await?;
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
                meta,
                AuditEntry::new(None, "auth.login_failed", "user", Some(id))
                    .with_new(json!({ "reason": "wrong_password" })),
            )
            .await?;
        } else {
            audit::record(
                &mut tx,
                meta,
                AuditEntry::new(None, "auth.login_failed", "user", None)
                    .with_new(json!({ "reason": "unknown_email", "email": email })),
            )
            .await?;
        }
        tx.commit().await?;
        return Err(AppError::field("password", BAD_CREDENTIALS));
    };

    let blocked = if !user.active {
        Some("This account is deactivated. Ask your administrator to reactivate it.")
    } else if user.dealer_status.as_deref().is_some_and(|s| s != "active") {
        Some("Your dealer's access is suspended or inactive. Ask the manufacturer's administrator.")
    } else {
        None
    };
    if let Some(reason) = blocked {
        audit::record(
            &mut tx,
            meta,
            AuditEntry::new(Some(user.id), "auth.login_blocked", "user", Some(user.id))
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
            meta,
            AuditEntry::new(
                Some(user.id),
                "auth.password_rehashed",
                "user",
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

    let (session_id, token) = session::create(&mut tx, user.id, meta, user.mfa).await?;
    let outcome = if user.mfa {
        LoginOutcome::MfaRequired { next }
    } else if session::mfa_required_roles(&mut tx)
        .await?
        .iter()
        .any(|r| r.key() == user.role)
    {
        LoginOutcome::EnrolmentRequired { next }
    } else {
        LoginOutcome::SignedIn { next }
    };
    let action = if user.mfa {
        "auth.password_verified"
    } else {
        "auth.login"
    };
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(Some(user.id), action, "session", Some(session_id)),
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn { outcome, token })
}

/// Ends the caller's session.
pub async fn logout(
    state: &AppState,
    meta: &RequestMeta,
    session: &AuthSession,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    session::end(
        &mut tx,
        session.session_id,
        EndReason::Logout,
        meta,
        Some(session.user.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the caller's password (the current one is required) and ends their other sessions.
#[tracing::instrument(skip_all, fields(user = %session.user.id))]
pub async fn change_password(
    state: &AppState,
    meta: &RequestMeta,
    session: &AuthSession,
    current: String,
    new: String,
    confirm: String,
) -> Result<usize, AppError> {
    let user = &session.user;
    let mut fields = new_password_errors(&new, &confirm, &[&user.email, &user.name]);
    if new == current && !new.is_empty() {
        fields.push(FieldError::new(
            "new_password",
            "Choose a password different from the current one.",
        ));
    }
    let stored = sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", user.id)
        .fetch_one(&state.pool)
        .await?;
    if state
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
    let hash = state.auth.passwords.hash(new).await?;
    let mut tx = state.pool.begin().await?;
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
        meta,
        Some(user.id),
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(
            Some(user.id),
            "auth.password_changed",
            "user",
            Some(user.id),
        )
        .with_new(json!({ "other_sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Sends a reset link when the address belongs to an active account. The caller answers the same
/// whatever happened here.
#[tracing::instrument(skip_all)]
pub async fn request_reset(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
) -> Result<(), AppError> {
    let email = normalise_email(email);
    if email.is_empty() || !email.contains('@') || email.chars().count() > MAX_EMAIL {
        return Err(AppError::field(
            "email",
            "Enter the email address you sign in with.",
        ));
    }
    let mut tx = state.pool.begin().await?;
    let user = sqlx::query!(
        r#"SELECT u.id, u.email FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id
            WHERE lower(u.email) = $1 AND u.is_active IS TRUE
              AND (d.id IS NULL OR d.status = 'active')"#,
        email
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user) = user else {
        audit::record(
            &mut tx,
            meta,
            AuditEntry::new(None, "auth.reset_requested", "user", None)
                .with_new(json!({ "email": email, "account": "none" })),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    };
    let minutes = issue_password_link(
        &mut tx,
        &state.auth.public_url,
        user.id,
        &user.email,
        LinkPurpose::Reset,
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(None, "auth.reset_requested", "user", Some(user.id))
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
pub async fn issue_password_link(
    tx: &mut sqlx::PgConnection,
    public_url: &str,
    user_id: uuid::Uuid,
    email: &str,
    purpose: LinkPurpose,
) -> Result<i64, AppError> {
    let [reset_minutes, invitation_hours] = settings::ints(
        &mut *tx,
        [settings::RESET_TOKEN_MINUTES, settings::INVITATION_HOURS],
    )
    .await?;
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
    crate::mail::enqueue(&mut *tx, email, subject, &body).await?;
    Ok(minutes)
}

/// Sets a new password with a reset token (single use, unexpired) and ends every session of the user.
#[tracing::instrument(skip_all)]
pub async fn reset_password(
    state: &AppState,
    meta: &RequestMeta,
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
    let mut tx = state.pool.begin().await?;
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
    let hash = state.auth.passwords.hash(new).await?;
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
    let ended = session::end_all(
        &mut tx,
        found.user_id,
        None,
        EndReason::PasswordReset,
        meta,
        None,
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(None, "auth.password_reset", "user", Some(found.user_id))
            .with_new(json!({ "sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts (or restarts) TOTP enrolment: a new secret, stored encrypted, not yet active.
pub async fn begin_enrolment(
    state: &AppState,
    meta: &RequestMeta,
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
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        "UPDATE users SET mfa_secret = $2, mfa_enabled_at = NULL, mfa_last_step = NULL WHERE id = $1",
        user.id,
        state.auth.secrets.seal(&secret)
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(
            Some(user.id),
            "auth.mfa_enrolment_started",
            "user",
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
    state: &AppState,
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
        let opened = state.auth.secrets.open(&sealed);
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

/// Confirms enrolment with a code from the app; turns MFA on and returns the recovery codes,
/// shown this once.
pub async fn confirm_enrolment(
    state: &AppState,
    meta: &RequestMeta,
    session: &AuthSession,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let user = &session.user;
    let mut tx = state.pool.begin().await?;
    let (secret, last_step, enabled) = load_secret(state, &mut tx, user.id).await?;
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
        meta,
        AuditEntry::new(Some(user.id), "auth.mfa_enabled", "user", Some(user.id))
            .with_new(json!({ "method": "totp", "recovery_codes": codes.len() })),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Turns MFA off; needs a fresh code from the app.
pub async fn disable_mfa(
    state: &AppState,
    meta: &RequestMeta,
    session: &AuthSession,
    code: &str,
) -> Result<(), AppError> {
    let user = &session.user;
    let mut tx = state.pool.begin().await?;
    let (secret, last_step, enabled) = load_secret(state, &mut tx, user.id).await?;
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
        meta,
        AuditEntry::new(Some(user.id), "auth.mfa_disabled", "user", Some(user.id)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The second sign-in step: a TOTP code (never one already used) or an unused recovery code.
/// Failures count toward the account's back-off like wrong passwords.
pub async fn verify_second_factor(
    state: &AppState,
    meta: &RequestMeta,
    session: &AuthSession,
    code: &str,
) -> Result<(), AppError> {
    let user = &session.user;
    if session.user.stage != AccessStage::MfaPending {
        return Err(AppError::Forbidden {
            reason: "This session does not need a second factor.".into(),
        });
    }
    let mut tx = state.pool.begin().await?;
    // Locked: parallel guesses queue here and each sees the previous one's failure.
    let throttle = sqlx::query!(
        "SELECT failed_logins, last_failed_login FROM users WHERE id = $1 FOR UPDATE",
        user.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let (after, max) = backoff_settings(&mut tx).await?;
    let wait = backoff_seconds(throttle.failed_logins, after, max);
    if let Some(remaining) = remaining_wait(throttle.last_failed_login, wait) {
        return Err(AppError::RateLimited {
            retry_after_secs: remaining,
        });
    }
    let (secret, last_step, _) = load_secret(state, &mut tx, user.id).await?;
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
            meta,
            AuditEntry::new(
                Some(user.id),
                "auth.mfa_failed",
                "session",
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
    sqlx::query!(
        "UPDATE users SET failed_logins = 0, last_failed_login = NULL, last_login = CURRENT_TIMESTAMP WHERE id = $1",
        user.id
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(
            Some(user.id),
            "auth.login",
            "session",
            Some(session.session_id),
        )
        .with_new(json!({ "second_factor": method })),
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
