//! `server bench-bare`: the yardstick `make bench` holds the app's users list against. One axum
//! route and sqlx, nothing else: no Leptos server function, no middleware (session gate, origin
//! check, limits, headers, compression, tracing), no `admit`. It does the work the app's
//! `POST /api/admin/users/list` does for the bench's request (the first page by name, no
//! filters), as plain statements with the same text:
//!
//! 1. looks the session up by the cookie's token hash (the app's session query: user, dealer,
//!    timeouts, permissions) and refuses an expired session or a role that may not list users;
//! 2. in one transaction reads the 51 rows of the page and the capped count;
//! 3. writes the same JSON (`Page<UserRow>`).
//!
//! Only that request is served: anything else is 400, so the bench cannot measure a different
//! query by mistake. Not for production use.

use std::net::SocketAddr;

use anyhow::Context;
use app::admin::model::{UserQuery, UserRow, UserSort};
use app::auth::flags::Permissions;
use app::auth::roles::{Role, UserType};
use app::auth::server::cookie::token_from_header;
use app::list::{COUNT_CAP, Cursor, PAGE_SIZE, Page};
use app::settings::{ABSOLUTE_TIMEOUT_HOURS, IDLE_TIMEOUT_MINUTES, MFA_REQUIRED_ROLES};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{Duration, NaiveDateTime, Utc};
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

/// The session query of `app::auth::server::session` (timeouts read in the same statement).
const SESSION: &str = "SELECT s.id, s.user_id, s.login_at, s.last_seen_at, s.expires_at, s.mfa_pending, \
       u.email, u.name, u.role, u.user_type, u.dealer_id, COALESCE(u.is_active, false) AS user_active, \
       u.mfa_enabled_at IS NOT NULL AS mfa_enabled, d.status AS dealer_status, \
       (SELECT value FROM settings WHERE category = $2 AND key = $3) AS idle, \
       (SELECT value FROM settings WHERE category = $4 AND key = $5) AS absolute, \
       (SELECT value FROM settings WHERE category = $6 AND key = $7) AS mfa_roles, \
       ARRAY(SELECT ma.module::text FROM module_access ma WHERE ma.user_id = u.id ORDER BY ma.module) AS perm_modules, \
       ARRAY(SELECT permission_bits(ma.can_view, ma.can_create, ma.can_edit, ma.can_delete, ma.can_approve) \
               FROM module_access ma WHERE ma.user_id = u.id ORDER BY ma.module) AS perm_bits \
  FROM session_logs s JOIN users u ON u.id = s.user_id LEFT JOIN dealers d ON d.id = u.dealer_id \
 WHERE s.token_hash = $1 AND s.is_active IS TRUE";

/// The users list's columns, as the app's statement writes them for a first page by name.
const PAGE: &str = "SELECT u.id, u.email::text AS email, u.name::text AS name, u.role, \
     u.user_type, u.dealer_id, d.dealer_code::text AS dealer_code, \
     d.dealer_name::text AS dealer_name, u.designation::text AS designation, \
     COALESCE(u.is_active, false) AS is_active, u.last_login, u.created_at, \
     (u.mfa_enabled_at IS NOT NULL) AS mfa_enabled, \
     ARRAY(SELECT ma.module::text FROM module_access ma WHERE ma.user_id = u.id ORDER BY ma.module) AS perm_modules, \
     ARRAY(SELECT permission_bits(ma.can_view, ma.can_create, ma.can_edit, ma.can_delete, ma.can_approve) \
             FROM module_access ma WHERE ma.user_id = u.id ORDER BY ma.module) AS perm_bits, \
     (lower(u.name::text))::text AS sort_key \
     FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id WHERE true \
     ORDER BY lower(u.name::text) ASC, u.id ASC LIMIT $1";

const COUNT: &str = "SELECT count(*) FROM (SELECT 1 FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id \
     WHERE true LIMIT $1) capped";

#[derive(sqlx::FromRow)]
struct SessionRow {
    login_at: Option<NaiveDateTime>,
    last_seen_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    mfa_pending: bool,
    role: Role,
    user_active: bool,
    idle: Option<String>,
    absolute: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    email: String,
    name: String,
    role: Role,
    user_type: UserType,
    dealer_id: Option<Uuid>,
    dealer_code: Option<String>,
    dealer_name: Option<String>,
    designation: Option<String>,
    is_active: bool,
    last_login: Option<NaiveDateTime>,
    created_at: Option<NaiveDateTime>,
    mfa_enabled: bool,
    perm_modules: Vec<String>,
    perm_bits: Vec<i32>,
    sort_key: Option<String>,
}

#[derive(Deserialize)]
struct Body {
    query: UserQuery,
}

/// Serves the bare users list on `addr` until the process is stopped.
pub async fn serve(pool: PgPool, addr: SocketAddr) -> anyhow::Result<()> {
    let router = Router::new()
        .route("/api/admin/users/list", post(users_list))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    eprintln!("bare users list on http://{addr}/api/admin/users/list");
    axum::serve(listener, router).await?;
    Ok(())
}

async fn users_list(
    State(pool): State<PgPool>,
    headers: HeaderMap,
    Json(body): Json<Body>,
) -> Result<Json<Page<UserRow>>, (StatusCode, String)> {
    let q = body.query;
    if !q.search.is_empty()
        || q.sort != UserSort::Name
        || q.descending
        || q.after.is_some()
        || q.role.is_some()
        || q.user_type.is_some()
        || !q.dealer.is_empty()
        || q.active.is_some()
    {
        return Err((
            StatusCode::BAD_REQUEST,
            "the bare handler serves the first page by name only".into(),
        ));
    }
    let failed = |e: sqlx::Error| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let token = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| token_from_header(v, false))
        .ok_or((StatusCode::UNAUTHORIZED, "no session".into()))?;
    let hash = app::auth::server::tokens::hash_token(&token);
    let session: SessionRow = sqlx::query_as(SESSION)
        .bind(hash)
        .bind(IDLE_TIMEOUT_MINUTES.category)
        .bind(IDLE_TIMEOUT_MINUTES.key)
        .bind(ABSOLUTE_TIMEOUT_HOURS.category)
        .bind(ABSOLUTE_TIMEOUT_HOURS.key)
        .bind(MFA_REQUIRED_ROLES.category)
        .bind(MFA_REQUIRED_ROLES.key)
        .fetch_optional(&pool)
        .await
        .map_err(failed)?
        .ok_or((StatusCode::UNAUTHORIZED, "no session".into()))?;
    let now = Utc::now().naive_utc();
    let idle = IDLE_TIMEOUT_MINUTES.int_or_default(session.idle.as_deref());
    let absolute = ABSOLUTE_TIMEOUT_HOURS.int_or_default(session.absolute.as_deref());
    let login_at = session.login_at.unwrap_or(now);
    if now >= session.expires_at
        || now >= login_at + Duration::hours(absolute)
        || now >= session.last_seen_at + Duration::minutes(idle)
        || !session.user_active
        || session.mfa_pending
    {
        return Err((StatusCode::UNAUTHORIZED, "session over".into()));
    }
    if !matches!(session.role, Role::SuperAdmin | Role::ManufacturerAdmin) {
        return Err((StatusCode::FORBIDDEN, "not an administrator".into()));
    }
    let mut tx = pool.begin().await.map_err(failed)?;
    let mut rows: Vec<Row> = sqlx::query_as(PAGE)
        .bind(i64::from(PAGE_SIZE) + 1)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed)?;
    let total: i64 = sqlx::query_scalar(COUNT)
        .bind(COUNT_CAP + 1)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    let next = if rows.len() > PAGE_SIZE as usize {
        rows.truncate(PAGE_SIZE as usize);
        rows.last()
            .map(|r| Cursor::new(r.sort_key.as_deref().unwrap_or_default(), r.id))
    } else {
        None
    };
    let rows = rows
        .into_iter()
        .map(|r| UserRow {
            permissions: Permissions::from_rows(
                r.perm_modules
                    .iter()
                    .map(String::as_str)
                    .zip(r.perm_bits.iter().copied()),
            ),
            id: r.id,
            email: r.email,
            name: r.name,
            role: r.role,
            user_type: r.user_type,
            dealer_id: r.dealer_id,
            dealer_code: r.dealer_code,
            dealer_name: r.dealer_name,
            designation: r.designation,
            is_active: r.is_active,
            last_login: r.last_login,
            created_at: r.created_at,
            mfa_enabled: r.mfa_enabled,
        })
        .collect();
    Ok(Json(Page {
        rows,
        next,
        total: Some(total),
    }))
}
