//! Known devices: a browser that completed a sign-in to an account (password, and the second
//! factor when the account has one) gets a long-lived device cookie. From such a browser the
//! account's sign-in throttle is its own ([`super::throttle`]), and a sign-in from any other
//! browser is a "new device" the user is told of ([`super::alerts`]). Only the token's SHA-256 is
//! stored.

use chrono::{Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::alerts::{SecurityEvent, security_notice};
use super::context::{DeviceToken, RequestMeta};
use super::cookie::DEVICE_DAYS;
use super::tokens;
use crate::error::AppError;

/// A device that signed in to an account before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownDevice {
    /// `known_devices.id`.
    pub id: Uuid,
    /// Whose.
    pub user_id: Uuid,
}

/// The known device `token` names for the account with address `email`, if it is one. Run for
/// every sign-in that carries a device cookie, whether or not the address has an account.
pub async fn recognise(
    conn: &mut PgConnection,
    token: Option<&DeviceToken>,
    email: &str,
) -> Result<Option<KnownDevice>, AppError> {
    let Some(token) = token else {
        return Ok(None);
    };
    let found = sqlx::query!(
        "SELECT k.id, k.user_id FROM known_devices k JOIN users u ON u.id = k.user_id
          WHERE k.token_hash = $1 AND lower(u.email) = $2 AND k.last_used_at > $3",
        tokens::hash_token(&token.0),
        email,
        Utc::now().naive_utc() - Duration::days(DEVICE_DAYS)
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.map(|r| KnownDevice {
        id: r.id,
        user_id: r.user_id,
    }))
}

/// After a completed sign-in of `user_id`: marks the browser's device as used when it is one of
/// the user's, or makes it one and returns the new device cookie's token. A new device of a user
/// who already had one is reported to them (in the portal and by mail).
pub async fn signed_in(
    conn: &mut PgConnection,
    user_id: Uuid,
    email: &str,
    meta: &RequestMeta,
    public_url: &str,
) -> Result<Option<String>, AppError> {
    if let Some(token) = &meta.device {
        let touched = sqlx::query!(
            "UPDATE known_devices SET last_used_at = CURRENT_TIMESTAMP
              WHERE token_hash = $1 AND user_id = $2",
            tokens::hash_token(&token.0),
            user_id
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if touched > 0 {
            return Ok(None);
        }
    }
    let had_devices = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM known_devices WHERE user_id = $1) AS "any!""#,
        user_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let (token, hash) = tokens::new_token();
    sqlx::query!(
        "INSERT INTO known_devices (user_id, token_hash, user_agent) VALUES ($1, $2, $3)",
        user_id,
        hash,
        meta.user_agent.as_deref()
    )
    .execute(&mut *conn)
    .await?;
    if had_devices {
        security_notice(
            conn,
            user_id,
            email,
            SecurityEvent::NewDevice,
            meta,
            public_url,
        )
        .await?;
    }
    Ok(Some(token))
}

/// Forgets devices unused for the cookie's lifetime (housekeeping); returns how many.
pub async fn sweep(conn: &mut PgConnection) -> Result<u64, AppError> {
    Ok(sqlx::query!(
        "DELETE FROM known_devices WHERE last_used_at < $1",
        Utc::now().naive_utc() - Duration::days(DEVICE_DAYS)
    )
    .execute(&mut *conn)
    .await?
    .rows_affected())
}
