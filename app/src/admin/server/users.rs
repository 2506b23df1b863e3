//! User administration: the list, one user, create, edit, (de)activate, reset links, sessions,
//! permissions and role templates (server only). Every function decides with `authorize` on the
//! facts it reads under lock, and writes the change and its audit row in one transaction that runs
//! as the application role.

use serde_json::{Value, json};
use sqlx::{PgConnection, Postgres, QueryBuilder, Transaction};
use uuid::Uuid;

use crate::admin::model::{
    Explanation, PAGE_SIZE, RoleTemplate, UserDetail, UserForm, UserPage, UserQuery, UserRow,
    UserSort,
};
use crate::audit::{self, AuditEntry};
use crate::auth::authorize::{
    Action, Actor, Area, FlagSet, Permissions, Scope, TargetUser, UserChange, authorize,
};
use crate::auth::roles::{Role, UserType};
use crate::auth::server::RequestMeta;
use crate::auth::server::access::{begin_as, enforce, enforce_in};
use crate::auth::server::service::{LinkPurpose, issue_password_link};
use crate::auth::server::session::{self, EndReason};
use crate::error::AppError;
use crate::modules::Module;
use crate::state::AppState;

/// Lists count matches up to this many; beyond it they say "more than".
pub const COUNT_CAP: i64 = crate::admin::model::COUNT_CAP;

/// Most users one bulk template application may touch.
pub const MAX_BULK: usize = 200;

#[derive(sqlx::FromRow)]
struct UserDbRow {
    id: Uuid,
    email: String,
    name: String,
    role: String,
    user_type: String,
    dealer_id: Option<Uuid>,
    dealer_code: Option<String>,
    dealer_name: Option<String>,
    designation: Option<String>,
    is_active: bool,
    last_login: Option<chrono::NaiveDateTime>,
    created_at: Option<chrono::NaiveDateTime>,
    mfa_enabled: bool,
    perm_modules: Vec<String>,
    perm_bits: Vec<i32>,
    sort_key: Option<String>,
}

const USER_COLUMNS: &str = "SELECT u.id, u.email::text AS email, u.name::text AS name, u.role::text AS role, \
     u.user_type::text AS user_type, u.dealer_id, d.dealer_code::text AS dealer_code, \
     d.dealer_name::text AS dealer_name, u.designation::text AS designation, \
     COALESCE(u.is_active, false) AS is_active, u.last_login, u.created_at, \
     (u.mfa_enabled_at IS NOT NULL) AS mfa_enabled, \
     ARRAY(SELECT ma.module::text FROM module_access ma WHERE ma.user_id = u.id ORDER BY ma.module) AS perm_modules, \
     ARRAY(SELECT ((ma.can_view IS TRUE)::int + 2 * (ma.can_create IS TRUE)::int + 4 * (ma.can_edit IS TRUE)::int \
                   + 8 * (ma.can_delete IS TRUE)::int + 16 * (ma.can_approve IS TRUE)::int) \
             FROM module_access ma WHERE ma.user_id = u.id ORDER BY ma.module) AS perm_bits";

fn sort_key(sort: UserSort) -> (&'static str, &'static str) {
    // (expression, type of the cursor value); each matches an index of migration 5.
    match sort {
        UserSort::Name => ("lower(u.name::text)", "text"),
        UserSort::Email => ("lower(u.email::text)", "text"),
        UserSort::Created => (
            "COALESCE(u.created_at, '-infinity'::timestamp)",
            "timestamp",
        ),
        UserSort::LastLogin => (
            "COALESCE(u.last_login, '-infinity'::timestamp)",
            "timestamp",
        ),
    }
}

fn push_filters(qb: &mut QueryBuilder<Postgres>, q: &UserQuery, dealer_filter: Option<Uuid>) {
    qb.push(" FROM users u LEFT JOIN dealers d ON d.id = u.dealer_id WHERE true");
    if !q.search.trim().is_empty() {
        qb.push(" AND lower(u.name::text || ' ' || u.email::text) LIKE ")
            .push_bind(super::contains_pattern(&q.search));
    }
    if let Some(role) = q.role {
        qb.push(" AND u.role = ").push_bind(role.key());
    }
    if let Some(t) = q.user_type {
        qb.push(" AND u.user_type = ").push_bind(t.key());
    }
    if let Some(d) = q.dealer_id {
        qb.push(" AND u.dealer_id = ").push_bind(d);
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

/// The sort key and id of a page cursor; for timestamp orders the key must read as one (as
/// PostgreSQL writes it), so a tampered cursor is a bad request rather than a database error.
fn parse_cursor(cursor: &str, key_type: &str) -> Result<(String, Uuid), AppError> {
    let bad = || AppError::BadRequest {
        message: "That page link is no longer valid; start from the first page.".into(),
    };
    let (key, id) = cursor.rsplit_once('~').ok_or_else(bad)?;
    if key_type == "timestamp"
        && key != "-infinity"
        && chrono::NaiveDateTime::parse_from_str(key, "%Y-%m-%d %H:%M:%S%.f").is_err()
    {
        return Err(bad());
    }
    Ok((key.to_owned(), Uuid::parse_str(id).map_err(|_| bad())?))
}

fn to_row(r: UserDbRow) -> Result<UserRow, AppError> {
    let permissions = Permissions::from_rows(
        r.perm_modules
            .iter()
            .map(String::as_str)
            .zip(r.perm_bits.iter().copied()),
    );
    Ok(UserRow {
        role: Role::from_key(&r.role)
            .ok_or_else(|| AppError::internal(format_args!("unknown role {}", r.role)))?,
        user_type: UserType::from_key(&r.user_type)
            .ok_or_else(|| AppError::internal(format_args!("unknown user type {}", r.user_type)))?,
        id: r.id,
        email: r.email,
        name: r.name,
        dealer_id: r.dealer_id,
        dealer_code: r.dealer_code,
        dealer_name: r.dealer_name,
        designation: r.designation,
        is_active: r.is_active,
        last_login: r.last_login,
        created_at: r.created_at,
        mfa_enabled: r.mfa_enabled,
        permissions,
    })
}

/// The module permissions of `ids`.
pub async fn permissions_of(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, Permissions)>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT user_id AS "user_id!", module::text AS "module!",
                  ((can_view IS TRUE)::int + 2 * (can_create IS TRUE)::int + 4 * (can_edit IS TRUE)::int
                   + 8 * (can_delete IS TRUE)::int + 16 * (can_approve IS TRUE)::int) AS "bits!"
             FROM module_access WHERE user_id = ANY($1)"#,
        ids
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids
        .iter()
        .map(|id| {
            let mine = rows
                .iter()
                .filter(|r| r.user_id == *id)
                .map(|r| (r.module.as_str(), r.bits));
            (*id, Permissions::from_rows(mine))
        })
        .collect())
}

/// One page of the users list: keyset-paginated on the chosen order, so page 2,000 costs what
/// page 1 costs.
pub async fn list(
    conn: &mut PgConnection,
    q: &UserQuery,
    dealer_filter: Option<Uuid>,
) -> Result<UserPage, AppError> {
    if q.search.chars().count() > crate::admin::model::MAX_SEARCH {
        return Err(AppError::field("q", "Search for at most 100 characters."));
    }
    let (key, key_type) = sort_key(q.sort);
    let (cmp, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let mut qb = QueryBuilder::<Postgres>::new(USER_COLUMNS);
    qb.push(format_args!(", ({key})::text AS sort_key"));
    push_filters(&mut qb, q, dealer_filter);
    if let Some(cursor) = &q.after {
        let (after_key, after_id) = parse_cursor(cursor, key_type)?;
        qb.push(format_args!(" AND ({key}, u.id) {cmp} (CAST("))
            .push_bind(after_key)
            .push(format_args!(" AS {key_type}), "))
            .push_bind(after_id)
            .push(")");
    }
    qb.push(format_args!(" ORDER BY {key} {dir}, u.id {dir} LIMIT "))
        .push_bind(i64::from(PAGE_SIZE) + 1);
    let mut rows: Vec<UserDbRow> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let next = if rows.len() > PAGE_SIZE as usize {
        rows.truncate(PAGE_SIZE as usize);
        rows.last()
            .map(|r| format!("{}~{}", r.sort_key.clone().unwrap_or_default(), r.id))
    } else {
        None
    };
    let total = if q.after.is_none() {
        // Counted up to a cap: "more than 10,000" is as useful as the exact figure and costs a
        // bounded scan, however many users there are.
        let mut count = QueryBuilder::<Postgres>::new("SELECT count(*) FROM (SELECT 1");
        push_filters(&mut count, q, dealer_filter);
        count
            .push(" LIMIT ")
            .push_bind(COUNT_CAP + 1)
            .push(") capped");
        Some(
            count
                .build_query_scalar::<i64>()
                .fetch_one(&mut *conn)
                .await?,
        )
    } else {
        None
    };
    let rows = rows
        .into_iter()
        .map(to_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(UserPage { rows, next, total })
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
    to_row(r)
}

/// Serialises every change that could leave no active super admin (the key is arbitrary but fixed).
const SUPER_ADMINS_LOCK: i64 = 0x0A5_5A01;

/// Active super admins, counted under a transaction-scoped lock: two admins deactivating each
/// other at the same moment must not both see "two left".
async fn active_super_admins(conn: &mut PgConnection) -> Result<u32, AppError> {
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", SUPER_ADMINS_LOCK)
        .execute(&mut *conn)
        .await?;
    count_super_admins(conn).await
}

/// Active super admins, for showing (no lock).
async fn count_super_admins(conn: &mut PgConnection) -> Result<u32, AppError> {
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM users WHERE role = 'super_admin' AND is_active IS TRUE"#
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The facts `authorize` needs about a user, locked for the rest of the transaction.
///
/// `FOR NO KEY UPDATE`, not `FOR UPDATE`: a refusal is audited from another connection while this
/// lock is held, and the audit row's foreign key to the actor (who may be this very user) takes a
/// key-share lock that `FOR UPDATE` would block forever.
struct Target {
    facts: TargetUser,
    email: String,
    name: String,
    user_type: UserType,
    dealer_id: Option<Uuid>,
    designation: Option<String>,
    last_login: Option<chrono::NaiveDateTime>,
}

async fn lock_target(conn: &mut PgConnection, id: Uuid) -> Result<Target, AppError> {
    let r = sqlx::query!(
        r#"SELECT id, email, name, role, user_type, dealer_id, designation, COALESCE(is_active, false) AS "active!", last_login
             FROM users WHERE id = $1 FOR NO KEY UPDATE"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    let role = Role::from_key(&r.role)
        .ok_or_else(|| AppError::internal(format_args!("unknown role {}", r.role)))?;
    Ok(Target {
        facts: TargetUser {
            id: r.id,
            role,
            active: r.active,
        },
        email: r.email,
        name: r.name,
        user_type: UserType::from_key(&r.user_type).unwrap_or(role.user_type()),
        dealer_id: r.dealer_id,
        designation: r.designation,
        last_login: r.last_login,
    })
}

/// A request transaction.
type Tx = Transaction<'static, Postgres>;

/// Decides on `target` inside `tx`: allowed, `tx` comes back; refused, it is rolled back and the
/// refusal audited.
async fn decide(
    tx: Tx,
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    action: Action,
    target: TargetUser,
    change: UserChange,
) -> Result<Tx, AppError> {
    enforce_in(
        tx,
        &state.pool,
        meta,
        actor,
        action,
        Area::Users,
        Scope::User { target, change },
    )
    .await
}

/// A request transaction and user `id`, once `actor` may see them (refused: rolled back, audited).
async fn open_user(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    id: Uuid,
) -> Result<(Tx, UserRow), AppError> {
    let mut tx = begin_as(&state.pool, actor).await?;
    let user = row(&mut tx, id).await?;
    let target = TargetUser {
        id,
        role: user.role,
        active: user.is_active,
    };
    let tx = decide(
        tx,
        state,
        meta,
        actor,
        Action::View,
        target,
        UserChange::Details,
    )
    .await?;
    Ok((tx, user))
}

/// A request transaction with user `id` locked, once `actor` may edit their details (refused:
/// rolled back, audited).
async fn open_for_edit(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    id: Uuid,
) -> Result<(Tx, Target), AppError> {
    let mut tx = begin_as(&state.pool, actor).await?;
    let target = lock_target(&mut tx, id).await?;
    let tx = decide(
        tx,
        state,
        meta,
        actor,
        Action::Edit,
        target.facts,
        UserChange::Details,
    )
    .await?;
    Ok((tx, target))
}

/// Everything the user screen shows about `id`.
pub async fn detail(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    id: Uuid,
) -> Result<UserDetail, AppError> {
    let (mut tx, user) = open_user(state, meta, actor, id).await?;
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

/// Checks that a dealer-role user's dealer exists (a field error otherwise).
async fn check_dealer(conn: &mut PgConnection, dealer_id: Option<Uuid>) -> Result<(), AppError> {
    if let Some(d) = dealer_id {
        let exists = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM dealers WHERE id = $1) AS "e!""#,
            d
        )
        .fetch_one(&mut *conn)
        .await?;
        if !exists {
            return Err(AppError::field("dealer_id", "That dealer does not exist."));
        }
    }
    Ok(())
}

/// The permissions in `role`'s template.
pub async fn template(conn: &mut PgConnection, role: Role) -> Result<Permissions, AppError> {
    let rows = sqlx::query!(
        r#"SELECT module::text AS "module!",
                  (can_view::int + 2 * can_create::int + 4 * can_edit::int + 8 * can_delete::int
                   + 16 * can_approve::int) AS "bits!"
             FROM role_templates WHERE role = $1"#,
        role.key()
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Permissions::from_rows(
        rows.iter().map(|r| (r.module.as_str(), r.bits)),
    ))
}

fn permissions_json(p: &Permissions) -> Value {
    let map: serde_json::Map<String, Value> = Module::ALL
        .into_iter()
        .map(|m| (m.key().to_owned(), Value::String(p.get(m).describe())))
        .collect();
    Value::Object(map)
}

/// `{"<module>": "View, Edit"}`, with the template's role when there is one.
fn flags_json(role: Option<Role>, module: Module, flags: FlagSet) -> Value {
    let mut map = serde_json::Map::new();
    if let Some(role) = role {
        map.insert("role".into(), Value::String(role.key().into()));
    }
    map.insert(module.key().into(), Value::String(flags.describe()));
    Value::Object(map)
}

/// Replaces `user`'s flags in every module with `new`, writing only what changes.
async fn write_permissions(
    conn: &mut PgConnection,
    user: Uuid,
    new: &Permissions,
    by: Uuid,
) -> Result<(), AppError> {
    for module in Module::ALL {
        write_flags(conn, user, module, new.get(module), by).await?;
    }
    Ok(())
}

/// Sets `user`'s flags in `module`; no flags at all means no row.
async fn write_flags(
    conn: &mut PgConnection,
    user: Uuid,
    module: Module,
    flags: FlagSet,
    by: Uuid,
) -> Result<(), AppError> {
    if flags.is_empty() {
        sqlx::query!(
            "DELETE FROM module_access WHERE user_id = $1 AND module = $2",
            user,
            module.key()
        )
        .execute(&mut *conn)
        .await?;
        return Ok(());
    }
    sqlx::query!(
        r#"INSERT INTO module_access (user_id, module, can_view, can_create, can_edit, can_delete, can_approve, granted_at, granted_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now() AT TIME ZONE 'UTC', $8)
           ON CONFLICT (user_id, module) DO UPDATE
              SET can_view = EXCLUDED.can_view, can_create = EXCLUDED.can_create, can_edit = EXCLUDED.can_edit,
                  can_delete = EXCLUDED.can_delete, can_approve = EXCLUDED.can_approve,
                  granted_at = EXCLUDED.granted_at, granted_by = EXCLUDED.granted_by"#,
        user,
        module.key(),
        flags.has(Action::View),
        flags.has(Action::Create),
        flags.has(Action::Edit),
        flags.has(Action::Delete),
        flags.has(Action::Approve),
        by
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Refuses unless `actor` may grant every flag of `permissions` (each module checked on its own).
async fn check_grants(
    mut tx: Tx,
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    target: TargetUser,
    permissions: &Permissions,
) -> Result<Tx, AppError> {
    for module in Module::ALL {
        let flags = permissions.get(module);
        if !flags.is_empty() {
            let change = UserChange::Grant { module, flags };
            tx = decide(tx, state, meta, actor, Action::Edit, target, change).await?;
        }
    }
    Ok(tx)
}

/// A duplicate email (either unique constraint) as a field error; anything else as usual.
fn unique_email(e: sqlx::Error) -> AppError {
    if let sqlx::Error::Database(db) = &e
        && matches!(
            db.constraint(),
            Some("users_email_key" | "users_email_lower_key")
        )
    {
        return AppError::field("email", "A user with this email address already exists.");
    }
    AppError::from(e)
}

/// Creates a user with their role's template permissions and mails them an invitation link to
/// choose their password. The administrator never sees or sets the password.
pub async fn create(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    form: &UserForm,
) -> Result<Uuid, AppError> {
    let valid = form
        .validate()
        .map_err(|fields| AppError::Validation { fields })?;
    let new_user = TargetUser {
        id: Uuid::nil(),
        role: valid.role,
        active: true,
    };
    enforce(
        &state.pool,
        meta,
        actor,
        Action::Create,
        Area::Users,
        Scope::User {
            target: new_user,
            change: UserChange::Details,
        },
    )
    .await?;
    // An unusable password: a hash of random characters nobody ever sees, so sign-in costs the
    // same for this account as for any other until the invitation is used.
    let placeholder = state
        .auth
        .passwords
        .hash(crate::auth::password::generate_password())
        .await?;
    let mut tx = begin_as(&state.pool, actor).await?;
    check_dealer(&mut tx, valid.dealer_id).await?;
    let permissions = template(&mut tx, valid.role).await?;
    tx = check_grants(tx, state, meta, actor, new_user, &permissions).await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO users (email, password_hash, name, role, user_type, dealer_id, designation, is_active, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8) RETURNING id"#,
        valid.email,
        placeholder,
        valid.name,
        valid.role.key(),
        valid.user_type.key(),
        valid.dealer_id,
        valid.designation,
        actor.id
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_email)?;
    write_permissions(&mut tx, id, &permissions, actor.id).await?;
    let minutes = issue_password_link(
        &mut tx,
        &state.auth.public_url,
        id,
        &valid.email,
        LinkPurpose::Invitation,
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(Some(actor.id), "user.created", "user", Some(id)).with_new(json!({
            "email": valid.email,
            "name": valid.name,
            "role": valid.role.key(),
            "user_type": valid.user_type.key(),
            "dealer_id": valid.dealer_id,
            "designation": valid.designation,
            "permissions": permissions_json(&permissions),
            "invitation_valid_minutes": minutes,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a user's name, role, type, dealer and designation. A new role, type or dealer changes
/// what the user may reach, so their sessions end and they sign in again under the new rules.
pub async fn update(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    id: Uuid,
    form: &UserForm,
) -> Result<(), AppError> {
    let mut tx = begin_as(&state.pool, actor).await?;
    let target = lock_target(&mut tx, id).await?;
    // The email is the sign-in identity and is not edited here; validate the rest against it.
    let form = UserForm {
        email: target.email.clone(),
        ..form.clone()
    };
    let valid = form
        .validate()
        .map_err(|fields| AppError::Validation { fields })?;
    tx = decide(
        tx,
        state,
        meta,
        actor,
        Action::Edit,
        target.facts,
        UserChange::Details,
    )
    .await?;
    if valid.role != target.facts.role {
        let count = active_super_admins(&mut tx).await?;
        tx = decide(
            tx,
            state,
            meta,
            actor,
            Action::Edit,
            target.facts,
            UserChange::Role {
                to: valid.role,
                active_super_admins: count,
            },
        )
        .await?;
    }
    // A new role starts from its template: flags granted for the old role (a dealer's service head
    // may delete PCC applications) must not carry over to the new one unchecked.
    let role_changed = valid.role != target.facts.role || valid.user_type != target.user_type;
    let permissions = if role_changed {
        let old = permissions_of(&mut tx, &[id]).await?.remove(0).1;
        let new = template(&mut tx, valid.role).await?;
        tx = check_grants(tx, state, meta, actor, target.facts, &new).await?;
        Some((old, new))
    } else {
        None
    };
    check_dealer(&mut tx, valid.dealer_id).await?;
    sqlx::query!(
        "UPDATE users SET name = $2, role = $3, user_type = $4, dealer_id = $5, designation = $6 WHERE id = $1",
        id,
        valid.name,
        valid.role.key(),
        valid.user_type.key(),
        valid.dealer_id,
        valid.designation
    )
    .execute(&mut *tx)
    .await?;
    if let Some((_, new)) = &permissions {
        write_permissions(&mut tx, id, new, actor.id).await?;
    }
    let reach_changed = role_changed || valid.dealer_id != target.dealer_id;
    let ended = if reach_changed {
        session::end_all(&mut tx, id, None, EndReason::Revoked, meta, Some(actor.id)).await?
    } else {
        0
    };
    let mut old = json!({
        "name": target.name,
        "role": target.facts.role.key(),
        "user_type": target.user_type.key(),
        "dealer_id": target.dealer_id,
        "designation": target.designation,
    });
    let mut new = json!({
        "name": valid.name,
        "role": valid.role.key(),
        "user_type": valid.user_type.key(),
        "dealer_id": valid.dealer_id,
        "designation": valid.designation,
    });
    if let Some((before, after)) = &permissions {
        old["permissions"] = permissions_json(before);
        new["permissions"] = permissions_json(after);
    }
    if old != new {
        audit::record(
            &mut tx,
            meta,
            AuditEntry::new(Some(actor.id), "user.updated", "user", Some(id))
                .with_old(old)
                .with_new(if ended > 0 {
                    let mut n = new;
                    n["sessions_ended"] = json!(ended);
                    n
                } else {
                    new
                }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deactivates (ending every session) or reactivates a user.
pub async fn set_active(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    id: Uuid,
    active: bool,
) -> Result<usize, AppError> {
    let mut tx = begin_as(&state.pool, actor).await?;
    let target = lock_target(&mut tx, id).await?;
    let change = if active {
        UserChange::Details
    } else {
        UserChange::Deactivate {
            active_super_admins: active_super_admins(&mut tx).await?,
        }
    };
    tx = decide(tx, state, meta, actor, Action::Edit, target.facts, change).await?;
    if target.facts.active == active {
        return Ok(0);
    }
    sqlx::query!("UPDATE users SET is_active = $2 WHERE id = $1", id, active)
        .execute(&mut *tx)
        .await?;
    let ended = if active {
        0
    } else {
        session::end_all(
            &mut tx,
            id,
            None,
            EndReason::Deactivated,
            meta,
            Some(actor.id),
        )
        .await?
    };
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(
            Some(actor.id),
            if active {
                "user.reactivated"
            } else {
                "user.deactivated"
            },
            "user",
            Some(id),
        )
        .with_old(json!({ "is_active": !active }))
        .with_new(json!({ "is_active": active, "sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Mails the user a link to choose a new password: an invitation for someone who never signed
/// in, a reset otherwise.
pub async fn send_password_link(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    id: Uuid,
) -> Result<(), AppError> {
    let (mut tx, target) = open_for_edit(state, meta, actor, id).await?;
    if !target.facts.active {
        return Err(AppError::BadRequest {
            message: "Reactivate the account before sending it a password link.".into(),
        });
    }
    let purpose = if target.last_login.is_none() {
        LinkPurpose::Invitation
    } else {
        LinkPurpose::AdminReset
    };
    let minutes =
        issue_password_link(&mut tx, &state.auth.public_url, id, &target.email, purpose).await?;
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(Some(actor.id), "user.password_link_sent", "user", Some(id)).with_new(
            json!({
                "kind": if purpose == LinkPurpose::Invitation { "invitation" } else { "reset" },
                "valid_minutes": minutes,
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends one of a user's sessions, or all of them when `session_id` is `None`.
pub async fn revoke_sessions(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    id: Uuid,
    session_id: Option<Uuid>,
) -> Result<usize, AppError> {
    let (mut tx, _) = open_for_edit(state, meta, actor, id).await?;
    let ended = match session_id {
        Some(sid) => {
            let theirs = sqlx::query_scalar!(
                "SELECT id FROM session_logs WHERE id = $1 AND user_id = $2",
                sid,
                id
            )
            .fetch_optional(&mut *tx)
            .await?;
            if theirs.is_none() {
                return Err(AppError::NotFound);
            }
            usize::from(session::end(&mut tx, sid, EndReason::Revoked, meta, Some(actor.id)).await?)
        }
        None => {
            session::end_all(&mut tx, id, None, EndReason::Revoked, meta, Some(actor.id)).await?
        }
    };
    tx.commit().await?;
    Ok(ended)
}

/// Turns one flag of one user on or off; returns the user's flags in that module afterwards.
pub async fn set_permission(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    id: Uuid,
    module: Module,
    action: Action,
    on: bool,
) -> Result<FlagSet, AppError> {
    let mut tx = begin_as(&state.pool, actor).await?;
    let target = lock_target(&mut tx, id).await?;
    let granted = if on {
        FlagSet::EMPTY.with(action, true)
    } else {
        FlagSet::EMPTY
    };
    tx = decide(
        tx,
        state,
        meta,
        actor,
        Action::Edit,
        target.facts,
        UserChange::Grant {
            module,
            flags: granted,
        },
    )
    .await?;
    let old = permissions_of(&mut tx, &[id])
        .await?
        .remove(0)
        .1
        .get(module);
    let new = old.with(action, on);
    if new != old {
        write_flags(&mut tx, id, module, new, actor.id).await?;
        audit::record(
            &mut tx,
            meta,
            AuditEntry::new(Some(actor.id), "permission.changed", "user", Some(id))
                .with_old(flags_json(None, module, old))
                .with_new(flags_json(None, module, new)),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(new)
}

/// Replaces the permissions of each of `ids` with a role template: `template` for all, or each
/// user's own role's when `None`. All or nothing: one refusal refuses the batch.
pub async fn apply_template(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    ids: &[Uuid],
    template_role: Option<Role>,
) -> Result<usize, AppError> {
    if ids.is_empty() {
        return Err(AppError::field("users", "Select at least one user."));
    }
    if ids.len() > MAX_BULK {
        return Err(AppError::field(
            "users",
            format!("Select at most {MAX_BULK} users at a time."),
        ));
    }
    let mut tx = begin_as(&state.pool, actor).await?;
    let mut changed = 0;
    let mut ids = ids.to_vec();
    // A fixed locking order, so two bulk changes never deadlock.
    ids.sort();
    ids.dedup();
    for id in ids {
        let target = lock_target(&mut tx, id).await?;
        let role = template_role.unwrap_or(target.facts.role);
        let new = template(&mut tx, role).await?;
        tx = decide(
            tx,
            state,
            meta,
            actor,
            Action::Edit,
            target.facts,
            UserChange::Details,
        )
        .await?;
        tx = check_grants(tx, state, meta, actor, target.facts, &new).await?;
        let old = permissions_of(&mut tx, &[id]).await?.remove(0).1;
        if old == new {
            continue;
        }
        write_permissions(&mut tx, id, &new, actor.id).await?;
        audit::record(
            &mut tx,
            meta,
            AuditEntry::new(
                Some(actor.id),
                "permission.template_applied",
                "user",
                Some(id),
            )
            .with_old(permissions_json(&old))
            .with_new({
                let mut v = permissions_json(&new);
                v["template"] = json!(role.key());
                v
            }),
        )
        .await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok(changed)
}

/// The "why" panel: would `id` be allowed `action` in `area`, and on which facts.
pub async fn explain(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    id: Uuid,
    action: Action,
    area: Area,
) -> Result<Explanation, AppError> {
    let (mut tx, user) = open_user(state, meta, actor, id).await?;
    let dealer_status = match user.dealer_id {
        Some(d) => sqlx::query_scalar!("SELECT status FROM dealers WHERE id = $1", d)
            .fetch_optional(&mut *tx)
            .await?
            .flatten(),
        None => None,
    };
    tx.commit().await?;
    let subject = Actor {
        id,
        role: user.role,
        user_type: user.user_type,
        dealer_id: user.dealer_id,
        active: user.is_active,
        dealer_active: dealer_status.as_deref() == Some("active"),
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
            dealer_status.as_deref().unwrap_or("unknown")
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

/// Every role's template.
pub async fn templates(state: &AppState, actor: &Actor) -> Result<Vec<RoleTemplate>, AppError> {
    let mut tx = begin_as(&state.pool, actor).await?;
    let mut out = Vec::new();
    for role in Role::ALL {
        out.push(RoleTemplate {
            role,
            permissions: template(&mut tx, role).await?,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// Turns one flag of a role template on or off; returns the template's flags in that module.
pub async fn set_template_flag(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    role: Role,
    module: Module,
    action: Action,
    on: bool,
) -> Result<FlagSet, AppError> {
    enforce(
        &state.pool,
        meta,
        actor,
        Action::Edit,
        Area::RoleTemplates,
        Scope::Any,
    )
    .await?;
    let mut tx = begin_as(&state.pool, actor).await?;
    // Locked: two admins toggling different flags of one cell must not overwrite each other.
    sqlx::query!(
        "SELECT role FROM role_templates WHERE role = $1 AND module = $2 FOR UPDATE",
        role.key(),
        module.key()
    )
    .fetch_optional(&mut *tx)
    .await?;
    let old = template(&mut tx, role).await?.get(module);
    let new = old.with(action, on);
    if new != old {
        sqlx::query!(
            r#"UPDATE role_templates SET can_view = $3, can_create = $4, can_edit = $5, can_delete = $6,
                      can_approve = $7, updated_by = $8
                WHERE role = $1 AND module = $2"#,
            role.key(),
            module.key(),
            new.has(Action::View),
            new.has(Action::Create),
            new.has(Action::Edit),
            new.has(Action::Delete),
            new.has(Action::Approve),
            actor.id
        )
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            meta,
            AuditEntry::new(
                Some(actor.id),
                "role_template.changed",
                "role_template",
                None,
            )
            .with_old(flags_json(Some(role), module, old))
            .with_new(flags_json(Some(role), module, new)),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(new)
}
