//! User administration, the reading side (server only): the list, one user, the "why" panel, and
//! the helpers every user change shares: lock the user, decide on them, count super admins.
//! Changes are in `accounts.rs`, permissions in `permissions.rs`.

use sqlx::{PgConnection, Postgres, QueryBuilder};
use tracing::instrument;
use uuid::Uuid;

use crate::admin::model::{Explanation, UserDetail, UserQuery, UserRow, UserSort};
use crate::audit::AuditEntity;
use crate::auth::authorize::{
    Action, Actor, Area, Permissions, Scope, TargetUser, UserChange, authorize, roles_out_of_reach,
};
use crate::auth::flags::ModuleGrant;
use crate::auth::roles::{Role, UserType};
use crate::auth::server::session;
use crate::auth::server::{Ctx, Tx};
use crate::dealers::DealerStatus;
use crate::error::AppError;
use crate::export::Cell;
use crate::export::stream::ListExport;
use crate::list::counts::Counted;
use crate::list::sql::{contains_pattern, push_dealer_filter, push_page_limit, split_page};
use crate::list::{Cursor, Page, search_text};
use crate::modules::Module;

/// A users list row as the statement returns it.
#[derive(sqlx::FromRow)]
pub struct UserDbRow {
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
    last_login: Option<chrono::NaiveDateTime>,
    created_at: Option<chrono::NaiveDateTime>,
    mfa_enabled: bool,
    grants: Vec<ModuleGrant>,
    sort_key: Option<String>,
}

const USER_COLUMNS: &str = "SELECT u.id, u.email::text AS email, u.name::text AS name, u.role, \
     u.user_type, u.dealer_id, d.dealer_code::text AS dealer_code, \
     d.dealer_name::text AS dealer_name, u.designation::text AS designation, \
     COALESCE(u.is_active, false) AS is_active, u.last_login, u.created_at, \
     (u.mfa_enabled_at IS NOT NULL) AS mfa_enabled, \
     ARRAY(SELECT ROW(ma.module, permission_bits(ma.can_view, ma.can_create, ma.can_edit, ma.can_delete, ma.can_approve))::module_grant \
             FROM module_access ma WHERE ma.user_id = u.id ORDER BY ma.module) AS grants";

/// The sort expression of an order, and whether its cursor key is a timestamp. Each expression
/// matches an index of migration 5.
fn sort_key(sort: UserSort) -> (&'static str, bool) {
    match sort {
        UserSort::Name => ("lower(u.name::text)", false),
        UserSort::Email => ("lower(u.email::text)", false),
        UserSort::Created => ("COALESCE(u.created_at, '-infinity'::timestamp)", true),
        UserSort::LastLogin => ("COALESCE(u.last_login, '-infinity'::timestamp)", true),
    }
}

fn push_filters(
    qb: &mut QueryBuilder<Postgres>,
    q: &UserQuery,
    search: Option<&str>,
    dealer_search: Option<&str>,
    dealer_filter: Option<Uuid>,
    hidden: &[Role],
) {
    qb.push(" FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id WHERE true");
    for role in hidden {
        // Accounts the caller may not see are not listed, whatever the filters ask for.
        qb.push(" AND u.role <> ").push_bind(*role);
    }
    if let Some(search) = search {
        qb.push(" AND lower(u.name::text || ' ' || u.email::text) LIKE ")
            .push_bind(contains_pattern(search));
    }
    if let Some(role) = q.role {
        qb.push(" AND u.role = ").push_bind(role);
    }
    if let Some(t) = q.user_type {
        qb.push(" AND u.user_type = ").push_bind(t);
    }
    if let Some(dealer) = dealer_search {
        qb.push(" AND ");
        push_dealer_filter(qb, "u.dealer_id", dealer);
    }
    if let Some(dealer) = dealer_filter {
        // A dealer-scoped decision narrows any dealer filter the browser asked for.
        qb.push(" AND u.dealer_id = ").push_bind(dealer);
    }
    if let Some(active) = q.active {
        qb.push(" AND COALESCE(u.is_active, false) = ")
            .push_bind(active);
    }
}

impl UserDbRow {
    /// The cursor of the page after this row.
    pub fn cursor(&self) -> Cursor {
        Cursor::new(self.sort_key.as_deref().unwrap_or_default(), self.id)
    }

    /// The row as the list shows it, its module rights gathered.
    pub fn into_row(self) -> UserRow {
        let permissions = Permissions::from_grants(&self.grants);
        UserRow {
            id: self.id,
            email: self.email,
            name: self.name,
            role: self.role,
            user_type: self.user_type,
            dealer_id: self.dealer_id,
            dealer_code: self.dealer_code,
            dealer_name: self.dealer_name,
            designation: self.designation,
            is_active: self.is_active,
            last_login: self.last_login,
            created_at: self.created_at,
            mfa_enabled: self.mfa_enabled,
            permissions,
        }
    }
}

/// The users list's statement for `q`: columns, filters (never a user beyond the caller's
/// reach), order and position, with no page limit (the list adds one; the export takes every
/// row). Checks the filters.
fn statement(ctx: &Ctx, q: &UserQuery) -> Result<QueryBuilder<Postgres>, AppError> {
    let search = search_text("q", &q.search)?;
    let dealer = search_text("dealer", &q.dealer)?;
    let hidden = roles_out_of_reach(ctx.actor.role);
    let (key, timestamp) = sort_key(q.sort);
    let (cmp, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let after = q
        .after
        .as_ref()
        .map(|c| c.sort_parts(timestamp))
        .transpose()?;
    let mut qb = QueryBuilder::<Postgres>::new(USER_COLUMNS);
    qb.push(format_args!(", ({key})::text AS sort_key"));
    push_filters(
        &mut qb,
        q,
        search.as_deref(),
        dealer.as_deref(),
        ctx.decision.dealer_filter,
        hidden,
    );
    if let Some((after_key, after_id)) = after {
        let key_type = if timestamp { "timestamp" } else { "text" };
        qb.push(format_args!(" AND ({key}, u.id) {cmp} (CAST("))
            .push_bind(after_key.to_owned())
            .push(format_args!(" AS {key_type}), "))
            .push_bind(after_id)
            .push(")");
    }
    qb.push(format_args!(" ORDER BY {key} {dir}, u.id {dir}"));
    Ok(qb)
}

/// One page of the users list: keyset-paginated on the chosen order, so page 2,000 costs what
/// page 1 costs.
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id))]
pub async fn list(ctx: &Ctx, q: &UserQuery) -> Result<Page<UserRow>, AppError> {
    let mut qb = statement(ctx, q)?;
    push_page_limit(&mut qb);
    let mut tx = ctx.read().await?;
    let rows: Vec<UserDbRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let (rows, next) = split_page(rows, UserDbRow::cursor);
    let total = if q.after.is_none() {
        let search = search_text("q", &q.search)?;
        let dealer = search_text("dealer", &q.dealer)?;
        let dealer_filter = ctx.decision.dealer_filter;
        let hidden = roles_out_of_reach(ctx.actor.role);
        Some(
            ctx.state
                .counts
                .count(ctx, &mut tx, Counted::Users, q, |qb| {
                    push_filters(
                        qb,
                        q,
                        search.as_deref(),
                        dealer.as_deref(),
                        dealer_filter,
                        hidden,
                    )
                })
                .await?,
        )
    } else {
        None
    };
    tx.finish().await?;
    Ok(Page {
        rows: rows.into_iter().map(UserDbRow::into_row).collect(),
        next,
        total,
    })
}

/// The users list as a file: every user the list would show for these filters, in its order,
/// with their module rights spelled out.
pub struct UserExport(pub UserQuery);

impl ListExport for UserExport {
    type Row = UserDbRow;

    fn area(&self) -> Area {
        Area::Users
    }

    fn entity(&self) -> AuditEntity {
        AuditEntity::User
    }

    fn name(&self) -> String {
        "users".into()
    }

    fn sheet(&self) -> &'static str {
        "Users"
    }

    fn header(&self) -> Vec<&'static str> {
        vec![
            "E-mail",
            "Name",
            "Role",
            "Dealer code",
            "Dealer",
            "Designation",
            "Active",
            "Two-factor",
            "Last sign-in (UTC)",
            "Created (UTC)",
            "Module rights",
        ]
    }

    fn params(&self) -> String {
        self.0.to_params(false)
    }

    fn statement(&self, ctx: &Ctx) -> Result<QueryBuilder<Postgres>, AppError> {
        statement(ctx, &self.0)
    }

    fn cells(&self, row: UserDbRow) -> Vec<Cell> {
        let r = row.into_row();
        let rights: Vec<String> = Module::ALL
            .into_iter()
            .filter(|m| !r.permissions.get(*m).is_empty())
            .map(|m| format!("{}: {}", m.title(), r.permissions.get(m).describe()))
            .collect();
        let rights = rights.join("; ");
        vec![
            r.email.into(),
            r.name.into(),
            r.role.label().into(),
            r.dealer_code.into(),
            r.dealer_name.into(),
            r.designation.into(),
            r.is_active.into(),
            r.mfa_enabled.into(),
            r.last_login.into(),
            r.created_at.into(),
            rights.into(),
        ]
    }
}

/// One user as the lists show them.
pub async fn row(conn: &mut PgConnection, id: Uuid) -> Result<UserRow, AppError> {
    let mut qb = QueryBuilder::<Postgres>::new(USER_COLUMNS);
    qb.push(", NULL::text AS sort_key FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id WHERE u.id = ")
        .push_bind(id);
    let r: UserDbRow = qb
        .build_query_as()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(r.into_row())
}

/// Serialises every change that could leave no active super admin (the key is arbitrary but fixed).
const SUPER_ADMINS_LOCK: i64 = 0x0A5_5A01;

/// Active super admins, counted under a transaction-scoped lock: two admins deactivating each
/// other at the same moment must not both see "two left".
pub(super) async fn active_super_admins(conn: &mut PgConnection) -> Result<u32, AppError> {
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", SUPER_ADMINS_LOCK)
        .execute(&mut *conn)
        .await?;
    count_super_admins(conn).await
}

/// Active super admins, for showing (no lock).
async fn count_super_admins(conn: &mut PgConnection) -> Result<u32, AppError> {
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM users WHERE role = $1 AND is_active IS TRUE"#,
        Role::SuperAdmin as Role
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The facts `authorize` needs about a user, and the rest of their details, locked for the rest
/// of the transaction.
pub(super) struct Target {
    pub facts: TargetUser,
    pub email: String,
    pub name: String,
    pub user_type: UserType,
    pub dealer_id: Option<Uuid>,
    pub designation: Option<String>,
    pub last_login: Option<chrono::NaiveDateTime>,
}

/// Locks user `id` and reads its [`Target`].
///
/// `FOR NO KEY UPDATE`, not `FOR UPDATE`: a refusal is audited from another connection while this
/// lock is held, and the audit row's foreign key to the actor (who may be this very user) takes a
/// key-share lock that `FOR UPDATE` would block forever.
pub(super) async fn lock_target(conn: &mut PgConnection, id: Uuid) -> Result<Target, AppError> {
    let r = sqlx::query!(
        r#"SELECT id, email, name, role AS "role: Role", user_type AS "user_type: UserType", dealer_id,
                  designation, COALESCE(is_active, false) AS "active!", last_login
             FROM users WHERE id = $1 FOR NO KEY UPDATE"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Target {
        facts: TargetUser {
            id: r.id,
            role: r.role,
            active: r.active,
        },
        email: r.email,
        name: r.name,
        user_type: r.user_type,
        dealer_id: r.dealer_id,
        designation: r.designation,
        last_login: r.last_login,
    })
}

/// Decides on user `target` inside `tx` (see [`Ctx::decide`]).
pub(super) async fn decide(
    ctx: &Ctx,
    tx: Tx,
    action: Action,
    target: TargetUser,
    change: UserChange,
) -> Result<Tx, AppError> {
    ctx.decide(tx, action, Area::Users, Scope::User { target, change })
        .await
}

/// A request transaction and user `id`, once the actor may see them.
async fn open_user(ctx: &Ctx, id: Uuid) -> Result<(Tx, UserRow), AppError> {
    let mut tx = ctx.begin().await?;
    let user = row(&mut tx, id).await?;
    let target = TargetUser {
        id,
        role: user.role,
        active: user.is_active,
    };
    let tx = decide(ctx, tx, Action::View, target, UserChange::Details).await?;
    Ok((tx, user))
}

/// A request transaction with user `id` locked, once the actor may edit their details.
pub(super) async fn open_for_edit(ctx: &Ctx, id: Uuid) -> Result<(Tx, Target), AppError> {
    let mut tx = ctx.begin().await?;
    let target = lock_target(&mut tx, id).await?;
    let tx = decide(ctx, tx, Action::Edit, target.facts, UserChange::Details).await?;
    Ok((tx, target))
}

/// Everything the user screen shows about `id`.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn detail(ctx: &Ctx, id: Uuid) -> Result<UserDetail, AppError> {
    let (mut tx, user) = open_user(ctx, id).await?;
    let sessions = session::list_for_user(&mut tx, id, Uuid::nil()).await?;
    let extra = sqlx::query!(
        r#"SELECT c.name AS "created_by?",
                  EXISTS (SELECT 1 FROM password_reset_tokens t
                           WHERE t.user_id = u.id AND t.used IS NOT TRUE AND t.expires_at > now() AT TIME ZONE 'UTC') AS "pending!"
             FROM users u LEFT JOIN users c ON c.id = u.created_by WHERE u.id = $1"#,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let active_super_admins = count_super_admins(&mut tx).await?;
    tx.commit().await?;
    Ok(UserDetail {
        user,
        sessions,
        created_by: extra.created_by,
        active_super_admins,
        pending_link: extra.pending,
    })
}

/// The "why" panel: would `id` be allowed `action` in `area`, and on which facts.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn explain(
    ctx: &Ctx,
    id: Uuid,
    action: Action,
    area: Area,
) -> Result<Explanation, AppError> {
    let (mut tx, user) = open_user(ctx, id).await?;
    let dealer_status = match user.dealer_id {
        Some(d) => sqlx::query_scalar!(
            r#"SELECT COALESCE(status, 'active') AS "status!: DealerStatus" FROM dealers WHERE id = $1"#,
            d
        )
        .fetch_optional(&mut *tx)
        .await?,
        None => None,
    };
    tx.commit().await?;
    let subject = Actor {
        id,
        role: user.role,
        user_type: user.user_type,
        dealer_id: user.dealer_id,
        active: user.is_active,
        dealer_active: dealer_status.is_some_and(DealerStatus::is_active),
        permissions: user.permissions,
    };
    let decision = authorize(&subject, action, area, Scope::Any);
    let mut facts = vec![
        format!(
            "Role: {} ({} user).",
            user.role.label(),
            user.user_type.key()
        ),
        format!(
            "Account: {}.",
            if user.is_active {
                "active"
            } else {
                "deactivated"
            }
        ),
    ];
    if let Some(code) = &user.dealer_code {
        facts.push(format!(
            "Dealer: {code}, status {}.",
            dealer_status.map_or("unknown", DealerStatus::key)
        ));
    }
    if let Area::Module(m) = area {
        facts.push(format!(
            "Flags on {}: {}.",
            m.title(),
            user.permissions.get(m).describe()
        ));
    }
    Ok(Explanation { decision, facts })
}
