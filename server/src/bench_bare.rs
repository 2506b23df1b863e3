//! `server bench-bare`: the yardstick `make bench` holds the app's lists against. Plain axum
//! routes and sqlx, nothing else: no Leptos server function, no middleware (session gate, origin
//! check, limits, headers, compression, tracing), no `admit`, no kept counts. Each route does the
//! work the app's list endpoint of the same path does for a list without search or filters (any
//! order, any page), as plain statements with the same text:
//!
//! 1. looks the session up by the cookie's token hash (the app's session query: user, dealer,
//!    timeouts, permissions) and refuses an expired session, an inactive account or dealer, or a
//!    caller whom the app's `authorize` does not let view the list (whose answer also gives a
//!    dealer user's dealer filter);
//! 2. reads the 51 rows of the page and, on a first page, the capped count (every time, where the
//!    app keeps big counts), as the app's `read_as` reads: a dealer user's in a transaction under
//!    the application role with their dealer declared, so row-level security applies;
//!    manufacturer staff's on a plain pooled connection;
//! 3. writes the same JSON (`Page<…>`).
//!
//! The users list's statements are written out here as the app's statement builder writes them
//! for the first page by name; the module lists' statements are built by the modules' own
//! builders (`repo::push_filters`, `push_keyset`, …), so they cannot drift from the app's.
//! A search or filter is refused (400), so the bench cannot measure a different query by mistake.
//! `server/tests/lists.rs` checks that each route answers what the app answers. Not for
//! production use.

use std::net::SocketAddr;

use anyhow::Context;
use app::admin::model::{UserQuery, UserRow, UserSort};
use app::admin::server::users::UserDbRow;
use app::auth::authorize::{Action, Actor, Area, Permissions, Scope, authorize};
use app::auth::flags::ModuleGrant;
use app::auth::roles::{Role, UserType};
use app::auth::server::access::{Reader, read_as};
use app::auth::server::cookie::token_from_header;
use app::dealers::DealerStatus;
use app::list::sql::{SearchPlan, capped_count, push_keyset, push_page_limit, split_page};
use app::list::{COUNT_CAP, Cursor, PAGE_SIZE, Page};
use app::modules::Module;
use app::modules::pcc::model::{PccQuery, PccRow};
use app::modules::pcc::server::repo as pcc;
use app::modules::registrations::model::{EventKind, RegQuery, RegRow};
use app::modules::registrations::server::repo as reg;
use app::settings::{ABSOLUTE_TIMEOUT_HOURS, IDLE_TIMEOUT_MINUTES, MFA_REQUIRED_ROLES};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{Duration, NaiveDateTime, Utc};
use serde::Deserialize;
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

/// A refusal or failure: the status and a line of text.
type Refusal = (StatusCode, String);

/// The session query of `app::auth::server::session` (timeouts read in the same statement).
const SESSION: &str = "SELECT s.id, s.user_id, s.login_at, s.last_seen_at, s.expires_at, s.mfa_pending, \
       u.email, u.name, u.role, u.user_type, u.dealer_id, COALESCE(u.is_active, false) AS user_active, \
       u.mfa_enabled_at IS NOT NULL AS mfa_enabled, d.status AS dealer_status, \
       (SELECT value FROM settings WHERE category = $2 AND key = $3) AS idle, \
       (SELECT value FROM settings WHERE category = $4 AND key = $5) AS absolute, \
       (SELECT value FROM settings WHERE category = $6 AND key = $7) AS mfa_roles, \
       ARRAY(SELECT ROW(ma.module, permission_bits(ma.can_view, ma.can_create, ma.can_edit, ma.can_delete, ma.can_approve))::module_grant \
               FROM module_access ma WHERE ma.user_id = u.id ORDER BY ma.module) AS grants \
  FROM session_logs s JOIN users u ON u.id = s.user_id LEFT JOIN dealers d ON d.id = u.dealer_id \
 WHERE s.token_hash = $1 AND s.is_active IS TRUE";

/// The users list's page, as the app's statement builder writes it for a super admin's first page
/// by name.
const USERS_PAGE: &str = "SELECT u.id, u.email::text AS email, u.name::text AS name, u.role, \
     u.user_type, u.dealer_id, d.dealer_code::text AS dealer_code, \
     d.dealer_name::text AS dealer_name, u.designation::text AS designation, \
     COALESCE(u.is_active, false) AS is_active, u.last_login, u.created_at, \
     (u.mfa_enabled_at IS NOT NULL) AS mfa_enabled, \
     ARRAY(SELECT ROW(ma.module, permission_bits(ma.can_view, ma.can_create, ma.can_edit, ma.can_delete, ma.can_approve))::module_grant \
             FROM module_access ma WHERE ma.user_id = u.id ORDER BY ma.module) AS grants, \
     (lower(u.name::text))::text AS sort_key \
     FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id WHERE true \
     ORDER BY lower(u.name::text) ASC, u.id ASC LIMIT $1";

const USERS_COUNT: &str = "SELECT count(*) FROM (SELECT 1 FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id \
     WHERE true LIMIT $1) capped";

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: Uuid,
    login_at: Option<NaiveDateTime>,
    last_seen_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    mfa_pending: bool,
    role: Role,
    user_type: UserType,
    dealer_id: Option<Uuid>,
    user_active: bool,
    dealer_status: Option<DealerStatus>,
    idle: Option<String>,
    absolute: Option<String>,
    grants: Vec<ModuleGrant>,
}

/// What the app's `authorize` answers for viewing `area`: the dealer filter a list applies, or
/// 403 with its reason.
fn may_view(actor: &Actor, area: Area) -> Result<Option<Uuid>, Refusal> {
    let decision = authorize(actor, Action::View, area, Scope::Any);
    if decision.allowed {
        Ok(decision.dealer_filter)
    } else {
        Err((StatusCode::FORBIDDEN, decision.reason))
    }
}

/// Opens the request's reads as the app does (`read_as`: a dealer user's under row-level
/// security).
async fn read(pool: &PgPool, actor: &Actor) -> Result<Reader, Refusal> {
    read_as(pool, actor).await.map_err(failed)
}

fn failed(e: impl std::fmt::Display) -> Refusal {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

fn bad_request(what: &str) -> Refusal {
    (
        StatusCode::BAD_REQUEST,
        format!("the bare handler serves {what} without search or filters only"),
    )
}

/// The caller of the session whose token the request's cookie carries, if it is still open.
async fn caller(pool: &PgPool, headers: &HeaderMap) -> Result<Actor, Refusal> {
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
        .fetch_optional(pool)
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
        || session.dealer_status.is_some_and(|s| !s.is_active())
    {
        return Err((StatusCode::UNAUTHORIZED, "session over".into()));
    }
    Ok(Actor {
        id: session.user_id,
        role: session.role,
        user_type: session.user_type,
        dealer_id: session.dealer_id,
        active: session.user_active,
        dealer_active: session.dealer_status.is_none_or(DealerStatus::is_active),
        permissions: Permissions::from_grants(&session.grants),
    })
}

/// The bare routes, each at the path of the app's endpoint it stands beside.
pub fn router(pool: PgPool) -> Router {
    Router::new()
        .route("/api/admin/users/list", post(users_list))
        .route("/api/pcc/list", post(pcc_list))
        .route("/api/registrations/list", post(registrations_list))
        .with_state(pool)
}

/// Serves the bare lists on `addr` until the process is stopped.
pub async fn serve(pool: PgPool, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    eprintln!("bare lists on http://{addr}/api/…/list");
    axum::serve(listener, router(pool)).await?;
    Ok(())
}

#[derive(Deserialize)]
struct UsersBody {
    query: UserQuery,
}

/// The users list as a super admin sees it: the first page by name only (its statements are
/// written out above).
async fn users_list(
    State(pool): State<PgPool>,
    headers: HeaderMap,
    Json(body): Json<UsersBody>,
) -> Result<Json<Page<UserRow>>, Refusal> {
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
        return Err(bad_request("the users list's first page by name"));
    }
    let caller = caller(&pool, &headers).await?;
    may_view(&caller, Area::Users)?;
    // A manufacturer admin's list leaves super admins out: a different statement.
    if caller.role != Role::SuperAdmin {
        return Err((
            StatusCode::FORBIDDEN,
            "the bare users list is a super admin's".into(),
        ));
    }
    let mut tx = read(&pool, &caller).await?;
    let rows: Vec<UserDbRow> = sqlx::query_as(USERS_PAGE)
        .bind(i64::from(PAGE_SIZE) + 1)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed)?;
    let total: i64 = sqlx::query_scalar(USERS_COUNT)
        .bind(COUNT_CAP + 1)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed)?;
    tx.finish().await.map_err(failed)?;
    let (rows, next) = split_page(rows, UserDbRow::cursor);
    let rows = rows.into_iter().map(UserDbRow::into_row).collect();
    Ok(Json(Page {
        rows,
        next,
        total: Some(total),
    }))
}

#[derive(Deserialize)]
struct PccBody {
    query: PccQuery,
}

/// The applications list, by the PCC module's statement builders.
async fn pcc_list(
    State(pool): State<PgPool>,
    headers: HeaderMap,
    Json(body): Json<PccBody>,
) -> Result<Json<Page<PccRow>>, Refusal> {
    let q = body.query;
    if !q.search.is_empty()
        || q.status.is_some()
        || q.brand.is_some()
        || q.from.is_some()
        || q.to.is_some()
    {
        return Err(bad_request("the applications list"));
    }
    let caller = caller(&pool, &headers).await?;
    let dealer_filter = may_view(&caller, Area::Module(Module::DealerPcc))?;
    let (key, timestamp) = pcc::sort_key(q.sort);
    let mut qb = QueryBuilder::<Postgres>::new(pcc::LIST_COLUMNS);
    qb.push(format_args!(", ({key})::text AS sort_key"));
    pcc::push_filters(
        &mut qb,
        &q,
        None,
        SearchPlan::Walk,
        dealer_filter,
        pcc::LIST_FROM,
    );
    push_keyset(
        &mut qb,
        key,
        "p.id",
        timestamp,
        q.ascending,
        after(&q.after, timestamp)?,
    );
    let count = |qb: &mut QueryBuilder<Postgres>| {
        pcc::push_filters(
            qb,
            &q,
            None,
            SearchPlan::Walk,
            dealer_filter,
            pcc::COUNT_FROM,
        )
    };
    let cursor = |r: &pcc::ListRow| Cursor::new(&r.sort_key, r.row.id);
    let page = read_page(&pool, &caller, qb, q.after.is_none(), count, cursor, |r| {
        r.row
    })
    .await?;
    Ok(Json(page))
}

#[derive(Deserialize)]
struct RegBody {
    kind: EventKind,
    query: RegQuery,
}

#[derive(sqlx::FromRow)]
struct RegListRow {
    #[sqlx(flatten)]
    row: RegRow,
    sort_key: String,
}

/// A kind's registrations list, by the registrations module's statement builders.
async fn registrations_list(
    State(pool): State<PgPool>,
    headers: HeaderMap,
    Json(body): Json<RegBody>,
) -> Result<Json<Page<RegRow>>, Refusal> {
    let (kind, q) = (body.kind, body.query);
    if !q.search.is_empty()
        || !q.dealer.is_empty()
        || q.event.is_some()
        || q.status.is_some()
        || q.from.is_some()
        || q.to.is_some()
    {
        return Err(bad_request("the registrations list"));
    }
    let caller = caller(&pool, &headers).await?;
    let dealer_filter = may_view(&caller, Area::Module(kind.module()))?;
    let (key, timestamp) = reg::sort_key(q.sort);
    let mut qb = QueryBuilder::<Postgres>::new(reg::row_columns(kind));
    qb.push(format_args!(", ({key})::text AS sort_key"));
    qb.push(reg::row_from(kind));
    reg::push_filters(&mut qb, kind, &q, None, false, None, dealer_filter);
    push_keyset(
        &mut qb,
        key,
        "r.id",
        timestamp,
        q.ascending,
        after(&q.after, timestamp)?,
    );
    let from = format!(" FROM {} r", reg::cols(kind).table);
    let count = |qb: &mut QueryBuilder<Postgres>| {
        qb.push(from);
        reg::push_filters(qb, kind, &q, None, false, None, dealer_filter)
    };
    let cursor = |r: &RegListRow| Cursor::new(&r.sort_key, r.row.id);
    let page = read_page(&pool, &caller, qb, q.after.is_none(), count, cursor, |r| {
        r.row
    })
    .await?;
    Ok(Json(page))
}

/// A cursor's parts, or 400.
fn after(cursor: &Option<Cursor>, timestamp: bool) -> Result<Option<(&str, Uuid)>, Refusal> {
    cursor
        .as_ref()
        .map(|c| c.sort_parts(timestamp))
        .transpose()
        .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))
}

/// A module list's page: the 51 rows of `page` (its statement without the limit) read as
/// `caller` reads, and on the `first` page the capped count over the `FROM … WHERE …` that
/// `count` pushes. `cursor` makes the next page's cursor from the last row shown, `row` what the
/// list shows of a row.
async fn read_page<R, T>(
    pool: &PgPool,
    caller: &Actor,
    mut page: QueryBuilder<Postgres>,
    first: bool,
    count: impl FnOnce(&mut QueryBuilder<Postgres>),
    cursor: impl Fn(&R) -> Cursor,
    row: impl FnMut(R) -> T,
) -> Result<Page<T>, Refusal>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    push_page_limit(&mut page);
    let mut tx = read(pool, caller).await?;
    let rows: Vec<R> = page
        .build_query_as()
        .fetch_all(&mut *tx)
        .await
        .map_err(failed)?;
    let (rows, next) = split_page(rows, cursor);
    let total = if first {
        Some(capped_count(&mut tx, count).await.map_err(failed)?)
    } else {
        None
    };
    tx.finish().await.map_err(failed)?;
    Ok(Page {
        rows: rows.into_iter().map(row).collect(),
        next,
        total,
    })
}
