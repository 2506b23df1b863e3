//! The audit viewer (server only): the trail newest first, filtered by actor, entity, action and
//! dates, keyset-paginated on (time, id).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use sqlx::{Postgres, QueryBuilder};
use tracing::instrument;
use uuid::Uuid;

use crate::admin::model::{AuditQuery, AuditRow};
use crate::audit::AuditEntity;
use crate::auth::authorize::Area;
use crate::auth::server::Ctx;
use crate::error::{AppError, FieldError};
use crate::export::Cell;
use crate::export::stream::ListExport;
use crate::list::sql::{
    capped_count, contains_pattern, prefix_pattern, push_page_limit, split_page,
};
use crate::list::{Cursor, Page, TIMESTAMP_FORMAT, search_text};

/// An audit row as the statement returns it.
#[derive(sqlx::FromRow)]
pub struct AuditDbRow {
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

/// The checked filters of an audit query.
struct Filters {
    actor: Option<String>,
    entity: Option<AuditEntity>,
    entity_id: Option<Uuid>,
    action: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

fn filters(q: &AuditQuery) -> Result<Filters, AppError> {
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
    let mut text = |field: &str, value: &str| match search_text(field, value) {
        Ok(v) => v,
        Err(AppError::Validation { fields }) => {
            errors.extend(fields);
            None
        }
        Err(_) => None,
    };
    let actor = text("actor", &q.actor);
    let action = text("action", &q.action);
    if !errors.is_empty() {
        return Err(AppError::Validation { fields: errors });
    }
    Ok(Filters {
        actor,
        entity: q.entity_type,
        entity_id: q.entity_id,
        action,
        from,
        to,
    })
}

fn push_filters(qb: &mut QueryBuilder<Postgres>, f: &Filters) {
    qb.push(" FROM audit_logs a LEFT JOIN users u ON u.id = a.user_id WHERE true");
    if let Some(actor) = &f.actor {
        qb.push(" AND lower(u.email::text || ' ' || u.name::text) LIKE ")
            .push_bind(contains_pattern(actor));
    }
    if let Some(entity) = f.entity {
        qb.push(" AND a.entity_type = ").push_bind(entity);
    }
    if let Some(id) = f.entity_id {
        qb.push(" AND a.entity_id = ").push_bind(id);
    }
    if let Some(action) = &f.action {
        qb.push(" AND a.action LIKE ")
            .push_bind(prefix_pattern(action));
    }
    if let Some(from) = f.from {
        qb.push(" AND a.created_at >= ")
            .push_bind(from.and_hms_opt(0, 0, 0));
    }
    if let Some(to) = f.to {
        qb.push(" AND a.created_at < ")
            .push_bind((to + Duration::days(1)).and_hms_opt(0, 0, 0));
    }
}

/// The audit list's statement for `q`: columns, filters, newest-first order and position, with
/// no page limit (the list adds one; the export takes every row). Checks the filters.
fn statement(q: &AuditQuery) -> Result<QueryBuilder<Postgres>, AppError> {
    let f = filters(q)?;
    let after = q.after.as_ref().map(Cursor::datetime_parts).transpose()?;
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT a.id, a.created_at, a.user_id, u.email::text AS actor_email, a.action::text AS action, \
         a.entity_type::text AS entity_type, a.entity_id, a.old_values, a.new_values, \
         a.ip_address::text AS ip_address, a.user_agent",
    );
    push_filters(&mut qb, &f);
    if let Some((at, id)) = after {
        qb.push(" AND (a.created_at, a.id) < (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    qb.push(" ORDER BY a.created_at DESC, a.id DESC");
    Ok(qb)
}

/// One page of audit entries, newest first, keyset-paginated on (time, id).
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id))]
pub async fn page(ctx: &Ctx, q: &AuditQuery) -> Result<Page<AuditRow>, AppError> {
    let f = filters(q)?;
    let mut qb = statement(q)?;
    push_page_limit(&mut qb);
    let mut tx = ctx.read().await?;
    let rows: Vec<AuditDbRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let (rows, next) = split_page(rows, |r| {
        Cursor::new(
            r.created_at.unwrap_or_default().format(TIMESTAMP_FORMAT),
            r.id,
        )
    });
    let total = if q.after.is_none() {
        Some(capped_count(&mut tx, |qb| push_filters(qb, &f)).await?)
    } else {
        None
    };
    tx.finish().await?;
    Ok(Page {
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
        total,
    })
}

/// The audit trail as a file: every entry the viewer would show for these filters, newest
/// first, with the values before and after as JSON text.
pub struct AuditExport(pub AuditQuery);

impl ListExport for AuditExport {
    type Row = AuditDbRow;

    fn area(&self) -> Area {
        Area::AuditLog
    }

    fn entity(&self) -> AuditEntity {
        AuditEntity::AuditLog
    }

    fn name(&self) -> String {
        "audit-trail".into()
    }

    fn sheet(&self) -> &'static str {
        "Audit trail"
    }

    fn header(&self) -> Vec<&'static str> {
        vec![
            "Time (UTC)",
            "Actor",
            "Action",
            "Entity",
            "Entity id",
            "Before",
            "After",
            "IP address",
            "User agent",
        ]
    }

    fn params(&self) -> String {
        self.0.to_params(false)
    }

    fn statement(&self, _ctx: &Ctx) -> Result<QueryBuilder<Postgres>, AppError> {
        statement(&self.0)
    }

    fn cells(&self, r: AuditDbRow) -> Vec<Cell> {
        vec![
            r.created_at.into(),
            r.actor_email.into(),
            r.action.into(),
            r.entity_type.into(),
            r.entity_id.map(|id| id.to_string()).into(),
            r.old_values.map(|v| v.to_string()).into(),
            r.new_values.map(|v| v.to_string()).into(),
            r.ip_address.into(),
            r.user_agent.into(),
        ]
    }
}
