//! Sessions on the seed's `session_logs`: created at sign-in, resolved on every request, ended by
//! logout, revocation, timeouts, password changes, deactivation.

use chrono::{Duration, NaiveDateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::context::{AuthSession, RequestMeta};
use super::tokens;
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::flags::ModuleGrant;
use crate::auth::model::{AccessStage, CurrentUser, SessionSummary};
use crate::auth::roles::{Role, UserType};
use crate::dealers::DealerStatus;
use crate::error::AppError;
use crate::settings::{self, ABSOLUTE_TIMEOUT_HOURS, IDLE_TIMEOUT_MINUTES, MFA_REQUIRED_ROLES};

/// Writes to `last_seen_at` at most this often per session: the idle timeout is in minutes, and a
/// write on every request would turn every page view into a database write.
const TOUCH_EVERY: Duration = Duration::seconds(60);
/// How long a session that still owes its second factor may wait for it.
const MFA_PENDING_TTL: Duration = Duration::minutes(10);
/// Longest user agent kept.
pub const MAX_USER_AGENT: usize = 512;

/// Why a session ended (`session_logs.ended_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "varchar", rename_all = "snake_case")]
pub enum EndReason {
    /// The user signed out.
    Logout,
    /// The user (or an admin) ended it from a sessions list.
    Revoked,
    /// Idle or absolute timeout.
    Expired,
    /// The password was changed.
    PasswordChanged,
    /// The password was reset.
    PasswordReset,
    /// The user was deactivated.
    Deactivated,
    /// The user's dealer is inactive or suspended.
    DealerBlocked,
}

impl EndReason {
    /// The stored value.
    pub const fn key(self) -> &'static str {
        match self {
            EndReason::Logout => "logout",
            EndReason::Revoked => "revoked",
            EndReason::Expired => "expired",
            EndReason::PasswordChanged => "password_changed",
            EndReason::PasswordReset => "password_reset",
            EndReason::Deactivated => "deactivated",
            EndReason::DealerBlocked => "dealer_blocked",
        }
    }
}

/// Session timeouts, from `settings`.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Without a request for this long, the session ends.
    pub idle: Duration,
    /// This long after sign-in, the session ends regardless.
    pub absolute: Duration,
}

/// Starts a session for `user_id` and returns its id and the cookie token (only its hash is kept).
pub async fn create(
    conn: &mut PgConnection,
    user_id: Uuid,
    meta: &RequestMeta,
    mfa_pending: bool,
) -> Result<(Uuid, String), AppError> {
    let (token, hash) = tokens::new_token();
    let timeouts = timeouts(conn).await?;
    let now = Utc::now().naive_utc();
    let expires_at = now
        + if mfa_pending {
            MFA_PENDING_TTL
        } else {
            timeouts.absolute
        };
    let id = sqlx::query_scalar!(
        r#"INSERT INTO session_logs (user_id, token_hash, ip_address, user_agent, login_at, last_seen_at, expires_at, mfa_pending)
           VALUES ($1, $2, $3, $4, $5, $5, $6, $7) RETURNING id"#,
        user_id,
        hash,
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
        now,
        expires_at,
        mfa_pending
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((id, token))
}

/// Reads the idle and absolute timeouts from `settings` (30 minutes and 12 hours when unset).
pub async fn timeouts(conn: &mut PgConnection) -> Result<Timeouts, AppError> {
    let [idle, absolute] =
        settings::ints(conn, [IDLE_TIMEOUT_MINUTES, ABSOLUTE_TIMEOUT_HOURS]).await?;
    Ok(Timeouts {
        idle: Duration::minutes(idle),
        absolute: Duration::hours(absolute),
    })
}

/// The roles that must enrol a second factor (`security.mfa_required_roles`).
pub async fn mfa_required_roles(conn: &mut PgConnection) -> Result<Vec<Role>, AppError> {
    settings::roles(conn, MFA_REQUIRED_ROLES).await
}

/// The live session whose token hashes to `token_hash`, with its user. Ends (and audits) sessions
/// found expired, or whose user or dealer may no longer sign in.
pub async fn resolve(
    conn: &mut PgConnection,
    token: &str,
) -> Result<Option<AuthSession>, AppError> {
    resolve_with(conn, token, true).await
}

/// Like [`resolve`], but without counting as activity: an open live-update stream checks its
/// session this way, so a page left open does not keep an idle session alive.
pub async fn recheck(
    conn: &mut PgConnection,
    token: &str,
) -> Result<Option<AuthSession>, AppError> {
    resolve_with(conn, token, false).await
}

async fn resolve_with(
    conn: &mut PgConnection,
    token: &str,
    touch: bool,
) -> Result<Option<AuthSession>, AppError> {
    let hash = tokens::hash_token(token);
    let Some(row) = sqlx::query!(
        r#"SELECT s.id, s.user_id AS "user_id!", s.login_at AS "login_at!", s.last_seen_at, s.expires_at,
                  s.mfa_pending, u.email, u.name, u.role AS "role: Role", u.user_type AS "user_type: UserType",
                  u.dealer_id, COALESCE(u.is_active, false) AS "user_active!",
                  u.mfa_enabled_at IS NOT NULL AS "mfa_enabled!",
                  d.status AS "dealer_status?: DealerStatus",
                  (SELECT value FROM settings WHERE category = $2 AND key = $3) AS idle,
                  (SELECT value FROM settings WHERE category = $4 AND key = $5) AS absolute,
                  (SELECT value FROM settings WHERE category = $6 AND key = $7) AS mfa_roles,
                  ARRAY(SELECT ROW(ma.module, permission_bits(ma.can_view, ma.can_create, ma.can_edit, ma.can_delete, ma.can_approve))::module_grant
                          FROM module_access ma WHERE ma.user_id = u.id ORDER BY ma.module) AS "grants!: Vec<ModuleGrant>"
             FROM session_logs s
             JOIN users u ON u.id = s.user_id
             LEFT JOIN dealers d ON d.id = u.dealer_id
            WHERE s.token_hash = $1 AND s.is_active IS TRUE"#,
        hash,
        IDLE_TIMEOUT_MINUTES.category,
        IDLE_TIMEOUT_MINUTES.key,
        ABSOLUTE_TIMEOUT_HOURS.category,
        ABSOLUTE_TIMEOUT_HOURS.key,
        MFA_REQUIRED_ROLES.category,
        MFA_REQUIRED_ROLES.key
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };

    let now = Utc::now().naive_utc();
    // Read in the same query as the session (the hot path), as the catalogue reads them.
    let idle = Duration::minutes(IDLE_TIMEOUT_MINUTES.int_or_default(row.idle.as_deref()));
    let absolute = Duration::hours(ABSOLUTE_TIMEOUT_HOURS.int_or_default(row.absolute.as_deref()));
    let ended = if now >= row.expires_at
        || now >= row.login_at + absolute
        || now >= row.last_seen_at + idle
    {
        Some(EndReason::Expired)
    } else if !row.user_active {
        Some(EndReason::Deactivated)
    } else if row.dealer_status.is_some_and(|s| !s.is_active()) {
        Some(EndReason::DealerBlocked)
    } else {
        None
    };
    if let Some(reason) = ended {
        // The end and its audit row together, or neither.
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        end(&mut tx, row.id, reason, &RequestMeta::default(), None).await?;
        tx.commit().await?;
        return Ok(None);
    }

    if touch && now - row.last_seen_at >= TOUCH_EVERY {
        sqlx::query!(
            "UPDATE session_logs SET last_seen_at = $2 WHERE id = $1",
            row.id,
            now
        )
        .execute(&mut *conn)
        .await?;
    }

    let (role, user_type) = (row.role, row.user_type);
    let stage = if row.mfa_pending {
        AccessStage::MfaPending
    } else if !row.mfa_enabled
        && MFA_REQUIRED_ROLES
            .roles_or_default(row.mfa_roles.as_deref())
            .contains(&role)
    {
        AccessStage::MfaEnrolmentRequired
    } else {
        AccessStage::Full
    };
    Ok(Some(AuthSession {
        session_id: row.id,
        user: CurrentUser {
            id: row.user_id,
            email: row.email,
            name: row.name,
            role,
            user_type,
            dealer_id: row.dealer_id,
            mfa_enabled: row.mfa_enabled,
            stage,
            permissions: crate::auth::authorize::Permissions::from_grants(&row.grants),
        },
    }))
}

/// Ends one session (if still live) and audits it. `actor` is who ended it, when not the system.
pub async fn end(
    conn: &mut PgConnection,
    session_id: Uuid,
    reason: EndReason,
    meta: &RequestMeta,
    actor: Option<Uuid>,
) -> Result<bool, AppError> {
    let user_id = sqlx::query_scalar!(
        r#"UPDATE session_logs SET is_active = false, logout_at = CURRENT_TIMESTAMP, ended_reason = $2
            WHERE id = $1 AND is_active IS TRUE RETURNING user_id"#,
        session_id,
        reason as EndReason
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(user_id) = user_id else {
        return Ok(false);
    };
    audit::record(
        conn,
        meta,
        AuditEntry::new(
            actor.or(user_id),
            AuditAction::SessionEnded,
            AuditEntity::Session,
            Some(session_id),
        )
        .with_new(serde_json::json!({ "reason": reason.key(), "user_id": user_id })),
    )
    .await?;
    Ok(true)
}

/// Whether session `session_id` is one of `user_id`'s (live or not): the one check before a user
/// or an administrator ends a session by id.
pub async fn belongs_to(
    conn: &mut PgConnection,
    session_id: Uuid,
    user_id: Uuid,
) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM session_logs WHERE id = $1 AND user_id = $2) AS "mine!""#,
        session_id,
        user_id
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// Ends every live session of `user_id` except `keep`, auditing each; returns how many ended.
pub async fn end_all(
    conn: &mut PgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: EndReason,
    meta: &RequestMeta,
    actor: Option<Uuid>,
) -> Result<usize, AppError> {
    let ids = sqlx::query_scalar!(
        r#"SELECT id FROM session_logs
            WHERE user_id = $1 AND is_active IS TRUE AND ($2::uuid IS NULL OR id <> $2)
            FOR UPDATE"#,
        user_id,
        keep
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut ended = 0;
    for id in ids {
        if end(conn, id, reason, meta, actor).await? {
            ended += 1;
        }
    }
    Ok(ended)
}

/// Most sessions a sessions list shows (the newest).
pub const MAX_LISTED_SESSIONS: i64 = 50;
/// Most expired sessions one sweep ends (the housekeeping loop sweeps every minute).
pub const SWEEP_BATCH: i64 = 500;

/// The live sessions of `user_id`, newest first, at most [`MAX_LISTED_SESSIONS`]: a session whose
/// time is up is not live, even before the sweep has ended it.
pub async fn list_for_user(
    conn: &mut PgConnection,
    user_id: Uuid,
    current: Uuid,
) -> Result<Vec<SessionSummary>, AppError> {
    let t = timeouts(conn).await?;
    let now = Utc::now().naive_utc();
    let rows = sqlx::query!(
        r#"SELECT id, user_agent, ip_address, login_at AS "login_at!", last_seen_at
             FROM session_logs
            WHERE user_id = $1 AND is_active IS TRUE AND NOT mfa_pending
              AND expires_at > $2 AND login_at > $3 AND last_seen_at > $4
            ORDER BY login_at DESC
            LIMIT $5"#,
        user_id,
        now,
        now - t.absolute,
        now - t.idle,
        MAX_LISTED_SESSIONS
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionSummary {
            current: r.id == current,
            id: r.id,
            user_agent: r.user_agent,
            ip_address: r.ip_address,
            login_at: r.login_at,
            last_seen_at: r.last_seen_at,
        })
        .collect())
}

/// Ends (and audits) up to [`SWEEP_BATCH`] sessions whose time is up (expiry, absolute or idle
/// timeout), so they stop counting as live without anyone touching them; returns how many.
/// Sessions locked by a request in flight are left for the next sweep.
pub async fn sweep_expired(pool: &sqlx::PgPool) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let t = timeouts(&mut tx).await?;
    let now = Utc::now().naive_utc();
    let ids = sqlx::query_scalar!(
        r#"SELECT id FROM session_logs
            WHERE is_active IS TRUE
              AND (expires_at <= $1 OR login_at <= $2 OR last_seen_at <= $3)
            LIMIT $4
            FOR UPDATE SKIP LOCKED"#,
        now,
        now - t.absolute,
        now - t.idle,
        SWEEP_BATCH
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut ended = 0;
    for id in ids {
        if end(
            &mut tx,
            id,
            EndReason::Expired,
            &RequestMeta::default(),
            None,
        )
        .await?
        {
            ended += 1;
        }
    }
    tx.commit().await?;
    Ok(ended)
}

/// Gives a live session a new token (returned for the cookie); the old token stops working.
pub async fn rotate_token(conn: &mut PgConnection, session_id: Uuid) -> Result<String, AppError> {
    let (token, hash) = tokens::new_token();
    sqlx::query!(
        "UPDATE session_logs SET token_hash = $2 WHERE id = $1 AND is_active IS TRUE",
        session_id,
        hash
    )
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// Turns a session that owed its second factor into a full one, with the full lifetime.
pub async fn complete_mfa(conn: &mut PgConnection, session_id: Uuid) -> Result<(), AppError> {
    let absolute = timeouts(conn).await?.absolute;
    let now: NaiveDateTime = Utc::now().naive_utc();
    sqlx::query!(
        "UPDATE session_logs SET mfa_pending = false, last_seen_at = $2, expires_at = $3 WHERE id = $1",
        session_id,
        now,
        now + absolute
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfa_roles_ignore_unknown_keys() {
        assert_eq!(
            MFA_REQUIRED_ROLES.roles_or_default(Some("super_admin, janitor ,service_head")),
            vec![Role::SuperAdmin, Role::ServiceHead]
        );
    }
}
