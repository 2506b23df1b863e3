//! Survey periods: the list with each period's progress, opening and changing a period
//! (manufacturer staff), and the dealers that have not submitted.

use chrono::NaiveDate;
use serde_json::json;
use sqlx::PgConnection;
use tracing::instrument;
use uuid::Uuid;

use super::super::model::{MissingDealer, PeriodForm, PeriodRow, SurveyKind};
use super::repo;
use super::service::area;
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::{Action, Scope};
use crate::auth::server::Ctx;
use crate::error::{AppError, FieldError};
use crate::list::sql::{capped_count, contains_pattern, push_page_limit, split_page};
use crate::list::{Cursor, Page, search_text};
use crate::workflow::Side;

/// The periods of `kind`, newest first, with their submitted and draft counts (as far as the
/// caller sees: a dealer user counts their own). With `open_on`, only those open that day or
/// starting within 31 days of it.
pub async fn rows(
    conn: &mut PgConnection,
    kind: SurveyKind,
    open_on: Option<NaiveDate>,
) -> Result<Vec<PeriodRow>, sqlx::Error> {
    let sql = format!(
        "SELECT p.id, p.name::text AS name, p.starts_on, p.ends_on, p.version, \
                COALESCE(c.submitted, 0) AS submitted, COALESCE(c.drafts, 0) AS drafts \
           FROM survey_periods p \
           LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE s.status <> 'draft') AS submitted, \
                                     count(*) FILTER (WHERE s.status = 'draft') AS drafts \
                                FROM {} s WHERE s.period_id = p.id) c ON true \
          WHERE p.kind = $1 AND ($2::date IS NULL OR ($2 <= p.ends_on AND p.starts_on <= $2 + 31)) \
          ORDER BY p.starts_on DESC, p.id",
        repo::table(kind)
    );
    let mut rows: Vec<PeriodRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(kind)
        .bind(open_on)
        .fetch_all(conn)
        .await?;
    let today = super::service::today();
    for r in &mut rows {
        r.state = r.state_on(today);
    }
    Ok(rows)
}

/// Every period of `kind`.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn list(ctx: &Ctx, kind: SurveyKind) -> Result<Vec<PeriodRow>, AppError> {
    let mut tx = ctx.begin().await?;
    let out = rows(&mut tx, kind, None).await?;
    tx.commit().await?;
    Ok(out)
}

/// Opens a period, or changes one (its name and days), if nobody changed it meanwhile.
#[instrument(skip(ctx, form), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn save(ctx: &Ctx, kind: SurveyKind, form: &PeriodForm) -> Result<Uuid, AppError> {
    let (name, starts, ends) = form
        .check()
        .map_err(|fields| AppError::Validation { fields })?;
    let tx = ctx.begin().await?;
    if !Side::Manufacturer.includes(&ctx.actor, Uuid::nil()) {
        return Err(ctx
            .refuse(
                tx,
                Action::Edit,
                area(kind),
                Scope::Any,
                "Only manufacturer staff open and change survey periods.".into(),
            )
            .await);
    }
    let mut tx = ctx.decide(tx, Action::Edit, area(kind), Scope::Any).await?;
    let duplicate = |e: sqlx::Error| match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("survey_periods_name_once") => {
            AppError::Validation {
                fields: vec![FieldError::new(
                    "name",
                    format!("This survey already has a period named “{name}”."),
                )],
            }
        }
        _ => AppError::from(e),
    };
    let (id, old) = match form.id {
        None => {
            let id = sqlx::query_scalar!(
                r#"INSERT INTO survey_periods (kind, name, starts_on, ends_on, created_by, updated_by)
                   VALUES ($1, $2, $3, $4, $5, $5) RETURNING id"#,
                kind as SurveyKind,
                name,
                starts,
                ends,
                ctx.actor.id
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(duplicate)?;
            (id, None)
        }
        Some(id) => {
            let row = sqlx::query!(
                r#"SELECT name::text AS "name!", starts_on, ends_on, version, updated_at,
                          user_display_name(updated_by) AS updated_by
                     FROM survey_periods WHERE id = $1 AND kind = $2 FOR UPDATE"#,
                id,
                kind as SurveyKind
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
            crate::workflow::server::stale(
                form.version,
                row.version,
                row.updated_by,
                row.updated_at,
                "changed",
            )?;
            sqlx::query!(
                r#"UPDATE survey_periods SET name = $2, starts_on = $3, ends_on = $4,
                          version = version + 1, updated_by = $5 WHERE id = $1"#,
                id,
                name,
                starts,
                ends,
                ctx.actor.id
            )
            .execute(&mut *tx)
            .await
            .map_err(duplicate)?;
            // A period renamed renames the seed's `survey_period` text of its responses too.
            let sql = format!(
                "UPDATE {} SET survey_period = $2 WHERE period_id = $1",
                repo::table(kind)
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(&name)
                .execute(&mut *tx)
                .await?;
            (
                id,
                Some(
                    json!({ "name": row.name, "starts_on": row.starts_on, "ends_on": row.ends_on }),
                ),
            )
        }
    };
    let mut entry = AuditEntry::new(
        Some(ctx.actor.id),
        if old.is_some() {
            AuditAction::RecordSaved
        } else {
            AuditAction::RecordCreated
        },
        AuditEntity::SurveyPeriod,
        Some(id),
    )
    .with_new(json!({ "kind": kind, "name": name, "starts_on": starts, "ends_on": ends }));
    if let Some(old) = old {
        entry = entry.with_old(old);
    }
    audit::record(&mut tx, &ctx.meta, entry).await?;
    tx.commit().await?;
    Ok(id)
}

/// Active dealers without a submitted response to `period`, by dealer code (the manufacturer's
/// chase list).
#[instrument(skip(ctx), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn missing(
    ctx: &Ctx,
    kind: SurveyKind,
    period: Uuid,
    search: &str,
    after: Option<&Cursor>,
) -> Result<Page<MissingDealer>, AppError> {
    let search = search_text("q", search)?;
    let after = after.map(Cursor::parts).transpose()?;
    let tx = ctx.begin().await?;
    if !Side::Manufacturer.includes(&ctx.actor, Uuid::nil()) {
        return Err(ctx
            .refuse(
                tx,
                Action::View,
                area(kind),
                Scope::Any,
                "Only manufacturer staff see which dealers have not responded.".into(),
            )
            .await);
    }
    let mut tx = tx;
    let push_where = |qb: &mut sqlx::QueryBuilder<sqlx::Postgres>| {
        qb.push(format_args!(
            " FROM dealers d WHERE d.status = 'active' AND NOT EXISTS (SELECT 1 FROM {} s \
              WHERE s.dealer_id = d.id AND s.period_id = ",
            repo::table(kind)
        ))
        .push_bind(period)
        .push(" AND s.status <> 'draft')");
        if let Some(s) = &search {
            qb.push(" AND lower(d.dealer_code::text || ' ' || d.dealer_name::text) LIKE ")
                .push_bind(contains_pattern(s));
        }
    };
    let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
        "SELECT d.id AS dealer_id, d.dealer_code::text AS dealer_code, \
                d.dealer_name::text AS dealer_name, d.city::text AS city, \
                EXISTS (SELECT 1 FROM {} s WHERE s.dealer_id = d.id AND s.period_id = ",
        repo::table(kind)
    ));
    qb.push_bind(period).push(") AS has_draft");
    push_where(&mut qb);
    if let Some((code, id)) = after {
        qb.push(" AND (d.dealer_code::text, d.id) > (")
            .push_bind(code.to_owned())
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    qb.push(" ORDER BY d.dealer_code::text, d.id");
    push_page_limit(&mut qb);
    let rows: Vec<MissingDealer> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let (rows, next) = split_page(rows, |r| Cursor::new(&r.dealer_code, r.dealer_id));
    let total = if after.is_none() {
        Some(capped_count(&mut tx, push_where).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok(Page { rows, next, total })
}
