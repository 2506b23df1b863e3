//! The audit viewer, the settings screen and the dashboard (server only).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::json;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::admin::model::{
    ActiveUser, AuditPage, AuditQuery, AuditRow, Dashboard, KNOWN_SETTINGS, KnownSetting,
    ModuleStat, PAGE_SIZE, SettingKind, SettingRow,
};
use crate::audit::{self, AuditEntry};
use crate::auth::authorize::Actor;
use crate::auth::server::RequestMeta;
use crate::auth::server::access::begin_as;
use crate::error::{AppError, FieldError};
use crate::modules::Module;
use crate::state::AppState;

#[derive(sqlx::FromRow)]
struct AuditDbRow {
    id: Uuid,
    created_at: Option<NaiveDateTime>,
    user_id: Option<Uuid>,
    actor_email: Option<String>,
    action: String,
    entity_type: String,
    entity_id: Option<Uuid>,
    old_values: Option<serde_json::Value>,
    new_values: Option<serde_json::Value>,
    ip_address: Option<String>,
    user_agent: Option<String>,
}

fn day(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    if value.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(field, "Enter a date as YYYY-MM-DD."));
            None
        }
    }
}

/// One page of audit entries, newest first, keyset-paginated on (time, id).
pub async fn audit_page(conn: &mut PgConnection, q: &AuditQuery) -> Result<AuditPage, AppError> {
    let mut errors = Vec::new();
    let from = day("from", &q.from, &mut errors);
    let to = day("to", &q.to, &mut errors);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errors.push(FieldError::new(
            "to",
            "The end date is before the start date.",
        ));
    }
    for (field, value) in [
        ("actor", &q.actor),
        ("entity", &q.entity_type),
        ("action", &q.action),
    ] {
        if value.chars().count() > 100 {
            errors.push(FieldError::new(field, "Use at most 100 characters."));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation { fields: errors });
    }
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT a.id, a.created_at, a.user_id, u.email::text AS actor_email, a.action::text AS action, \
         a.entity_type::text AS entity_type, a.entity_id, a.old_values, a.new_values, \
         a.ip_address::text AS ip_address, a.user_agent \
         FROM audit_logs a LEFT JOIN users u ON u.id = a.user_id WHERE true",
    );
    if !q.actor.is_empty() {
        qb.push(" AND lower(u.email::text || ' ' || u.name::text) LIKE ")
            .push_bind(super::contains_pattern(&q.actor));
    }
    if !q.entity_type.is_empty() {
        qb.push(" AND a.entity_type = ")
            .push_bind(q.entity_type.clone());
    }
    if let Some(id) = q.entity_id {
        qb.push(" AND a.entity_id = ").push_bind(id);
    }
    if !q.action.is_empty() {
        qb.push(" AND a.action LIKE ")
            .push_bind(format!("{}%", super::escape_like(&q.action)));
    }
    if let Some(f) = from {
        qb.push(" AND a.created_at >= ")
            .push_bind(f.and_hms_opt(0, 0, 0));
    }
    if let Some(t) = to {
        qb.push(" AND a.created_at < ")
            .push_bind((t + Duration::days(1)).and_hms_opt(0, 0, 0));
    }
    if let Some(cursor) = &q.after {
        let bad = || AppError::BadRequest {
            message: "That page link is no longer valid; start from the first page.".into(),
        };
        let (at, id) = cursor.rsplit_once('~').ok_or_else(bad)?;
        let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%.f").map_err(|_| bad())?;
        let id = Uuid::parse_str(id).map_err(|_| bad())?;
        qb.push(" AND (a.created_at, a.id) < (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    qb.push(" ORDER BY a.created_at DESC, a.id DESC LIMIT ")
        .push_bind(i64::from(PAGE_SIZE) + 1);
    let mut rows: Vec<AuditDbRow> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let next = if rows.len() > PAGE_SIZE as usize {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().and_then(|r| {
            r.created_at
                .map(|at| format!("{}~{}", at.format("%Y-%m-%dT%H:%M:%S%.f"), r.id))
        })
    } else {
        None
    };
    Ok(AuditPage {
        rows: rows
            .into_iter()
            .map(|r| AuditRow {
                id: r.id,
                created_at: r.created_at.unwrap_or_default(),
                actor_id: r.user_id,
                actor_email: r.actor_email,
                action: r.action,
                entity_type: r.entity_type,
                entity_id: r.entity_id,
                old_values: r.old_values,
                new_values: r.new_values,
                ip_address: r.ip_address,
                user_agent: r.user_agent,
            })
            .collect(),
        next,
    })
}

/// The settings the settings screen edits, with their stored values.
pub async fn settings(conn: &mut PgConnection) -> Result<Vec<SettingRow>, AppError> {
    let rows = sqlx::query!("SELECT category, key, value, description, updated_at FROM settings")
        .fetch_all(&mut *conn)
        .await?;
    Ok(KNOWN_SETTINGS
        .iter()
        .map(|k| {
            let stored = rows
                .iter()
                .find(|r| r.category == k.category && r.key == k.key);
            SettingRow {
                category: k.category.into(),
                key: k.key.into(),
                label: k.label.into(),
                value: stored.and_then(|r| r.value.clone()).unwrap_or_default(),
                description: stored.and_then(|r| r.description.clone()),
                numeric: matches!(k.kind, SettingKind::Integer { .. }),
                hint: k.hint(),
                updated_at: stored.and_then(|r| r.updated_at),
            }
        })
        .collect())
}

/// Changes one setting after checking its value against its bounds.
pub async fn update_setting(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    category: &str,
    key: &str,
    value: &str,
) -> Result<SettingRow, AppError> {
    let known = KnownSetting::find(category, key).ok_or(AppError::NotFound)?;
    let value = known
        .normalise(value)
        .map_err(|message| AppError::field("value", message))?;
    let mut tx = begin_as(&state.pool, actor).await?;
    let old = sqlx::query_scalar!(
        "SELECT value FROM settings WHERE category = $1 AND key = $2 FOR UPDATE",
        category,
        key
    )
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    if old.as_deref() != Some(value.as_str()) {
        sqlx::query!(
            r#"INSERT INTO settings (category, key, value, is_system) VALUES ($1, $2, $3, true)
               ON CONFLICT (category, key) DO UPDATE SET value = EXCLUDED.value"#,
            category,
            key,
            value
        )
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            meta,
            AuditEntry::new(Some(actor.id), "setting.changed", "setting", None)
                .with_old(json!({ "setting": format!("{category}.{key}"), "value": old }))
                .with_new(json!({ "setting": format!("{category}.{key}"), "value": value })),
        )
        .await?;
    }
    let row = settings(&mut tx)
        .await?
        .into_iter()
        .find(|s| s.category == category && s.key == key)
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

/// The dashboard, from the seed's `v_active_users` and `v_module_statistics`.
pub async fn dashboard(conn: &mut PgConnection) -> Result<Dashboard, AppError> {
    let counts = sqlx::query!(
        r#"SELECT count(*) AS "active!",
                  count(*) FILTER (WHERE user_type = 'dealer') AS "dealer!",
                  count(*) FILTER (WHERE last_login IS NULL) AS "never!"
             FROM v_active_users"#
    )
    .fetch_one(&mut *conn)
    .await?;
    let recent = sqlx::query!(
        r#"SELECT id AS "id!", email AS "email!", name AS "name!", role AS "role!", dealer_code,
                  last_login, accessible_modules AS "accessible_modules!"
             FROM v_active_users WHERE last_login IS NOT NULL
            ORDER BY last_login DESC LIMIT 10"#
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| ActiveUser {
        id: r.id,
        email: r.email,
        name: r.name,
        role: r.role,
        dealer_code: r.dealer_code,
        last_login: r.last_login,
        accessible_modules: r.accessible_modules,
    })
    .collect();
    let stats = sqlx::query!(
        r#"SELECT module AS "module!", total_users AS "total!", can_create AS "create!",
                  can_edit AS "edit!", can_approve AS "approve!"
             FROM v_module_statistics"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let modules = Module::ALL
        .into_iter()
        .map(|m| {
            let s = stats.iter().find(|s| s.module == m.key());
            ModuleStat {
                module: m,
                total_users: s.map_or(0, |s| s.total),
                can_create: s.map_or(0, |s| s.create),
                can_edit: s.map_or(0, |s| s.edit),
                can_approve: s.map_or(0, |s| s.approve),
            }
        })
        .collect();
    let dealers_by_status = sqlx::query!(
        r#"SELECT COALESCE(status, 'active') AS "status!", count(*) AS "n!" FROM dealers GROUP BY 1 ORDER BY 1"#
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.status, r.n))
    .collect();
    Ok(Dashboard {
        active_users: counts.active,
        active_dealer_users: counts.dealer,
        never_signed_in: counts.never,
        recent,
        modules,
        dealers_by_status,
    })
}
