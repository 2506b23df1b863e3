//! Dealer administration (server only): list, one dealer, create and edit. A dealer that stops
//! being active takes its users' sessions with it; sign-in already refuses them.

use serde_json::json;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::admin::model::{
    DealerForm, DealerOption, DealerPage, DealerQuery, DealerRow, PAGE_SIZE, ValidDealer,
};
use crate::audit::{self, AuditEntry};
use crate::auth::authorize::Actor;
use crate::auth::server::RequestMeta;
use crate::auth::server::access::begin_as;
use crate::auth::server::session::{self, EndReason};
use crate::error::AppError;
use crate::state::AppState;

const DEALER_COLUMNS: &str = "SELECT d.id, d.dealer_code::text AS dealer_code, d.dealer_name::text AS dealer_name, \
     d.address, d.city::text AS city, d.state::text AS state, d.country::text AS country, \
     d.postal_code::text AS postal_code, d.phone::text AS phone, d.email::text AS email, \
     d.brand::text AS brand, COALESCE(d.status, 'active')::text AS status, \
     (SELECT count(*) FROM users u WHERE u.dealer_id = d.id AND u.is_active IS TRUE) AS active_users";

fn push_filters(qb: &mut QueryBuilder<Postgres>, q: &DealerQuery) {
    qb.push(" FROM dealers d WHERE true");
    if !q.search.trim().is_empty() {
        let pattern = super::contains_pattern(&q.search);
        qb.push(" AND (lower(d.dealer_code::text) LIKE ")
            .push_bind(pattern.clone())
            .push(" OR lower(d.dealer_name::text) LIKE ")
            .push_bind(pattern.clone())
            .push(" OR lower(COALESCE(d.city, '')::text) LIKE ")
            .push_bind(pattern)
            .push(")");
    }
    if let Some(status) = &q.status {
        qb.push(" AND COALESCE(d.status, 'active') = ")
            .push_bind(status.clone());
    }
    if let Some(brand) = &q.brand {
        qb.push(" AND d.brand = ").push_bind(brand.clone());
    }
}

/// One page of dealers in code order (keyset on the unique code).
pub async fn list(conn: &mut PgConnection, q: &DealerQuery) -> Result<DealerPage, AppError> {
    if q.search.chars().count() > crate::admin::model::MAX_SEARCH {
        return Err(AppError::field("q", "Search for at most 100 characters."));
    }
    let mut qb = QueryBuilder::<Postgres>::new(DEALER_COLUMNS);
    push_filters(&mut qb, q);
    if let Some(after) = &q.after {
        qb.push(" AND d.dealer_code > ").push_bind(after.clone());
    }
    qb.push(" ORDER BY d.dealer_code LIMIT ")
        .push_bind(i64::from(PAGE_SIZE) + 1);
    let mut rows: Vec<DealerRow> = qb
        .build_query_as::<DealerDbRow>()
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(DealerRow::from)
        .collect();
    let next = if rows.len() > PAGE_SIZE as usize {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| r.dealer_code.clone())
    } else {
        None
    };
    let total = if q.after.is_none() {
        let mut count = QueryBuilder::<Postgres>::new("SELECT count(*)");
        push_filters(&mut count, q);
        Some(
            count
                .build_query_scalar::<i64>()
                .fetch_one(&mut *conn)
                .await?,
        )
    } else {
        None
    };
    Ok(DealerPage { rows, next, total })
}

#[derive(sqlx::FromRow)]
struct DealerDbRow {
    id: Uuid,
    dealer_code: String,
    dealer_name: String,
    address: Option<String>,
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
    postal_code: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    brand: Option<String>,
    status: String,
    active_users: Option<i64>,
}

impl From<DealerDbRow> for DealerRow {
    fn from(r: DealerDbRow) -> Self {
        DealerRow {
            id: r.id,
            dealer_code: r.dealer_code,
            dealer_name: r.dealer_name,
            address: r.address,
            city: r.city,
            state: r.state,
            country: r.country,
            postal_code: r.postal_code,
            phone: r.phone,
            email: r.email,
            brand: r.brand,
            status: r.status,
            active_users: r.active_users.unwrap_or(0),
        }
    }
}

/// One dealer.
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<DealerRow, AppError> {
    let mut qb = QueryBuilder::<Postgres>::new(DEALER_COLUMNS);
    qb.push(" FROM dealers d WHERE d.id = ").push_bind(id);
    qb.build_query_as::<DealerDbRow>()
        .fetch_optional(&mut *conn)
        .await?
        .map(DealerRow::from)
        .ok_or(AppError::NotFound)
}

/// Every dealer, for pickers, in code order.
pub async fn options(conn: &mut PgConnection) -> Result<Vec<DealerOption>, AppError> {
    Ok(sqlx::query_as!(
        DealerOption,
        r#"SELECT id, dealer_code AS code, dealer_name AS name, COALESCE(status, 'active') AS "status!"
             FROM dealers ORDER BY dealer_code LIMIT 5000"#
    )
    .fetch_all(&mut *conn)
    .await?)
}

fn as_json(d: &ValidDealer) -> serde_json::Value {
    serde_json::to_value(d).unwrap_or_default()
}

fn unique_code(e: sqlx::Error) -> AppError {
    if let sqlx::Error::Database(db) = &e
        && db.constraint() == Some("dealers_dealer_code_key")
    {
        return AppError::field("dealer_code", "Another dealer already has this code.");
    }
    AppError::from(e)
}

/// Creates a dealer.
pub async fn create(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    form: &DealerForm,
) -> Result<Uuid, AppError> {
    let d = form
        .validate()
        .map_err(|fields| AppError::Validation { fields })?;
    let mut tx = begin_as(&state.pool, actor).await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO dealers (dealer_code, dealer_name, address, city, state, country, postal_code, phone, email, brand, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id"#,
        d.dealer_code,
        d.dealer_name,
        d.address,
        d.city,
        d.state,
        d.country,
        d.postal_code,
        d.phone,
        d.email,
        d.brand,
        d.status
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_code)?;
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(Some(actor.id), "dealer.created", "dealer", Some(id)).with_new(as_json(&d)),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Edits a dealer. Leaving `active` ends the sessions of all its users.
pub async fn update(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    id: Uuid,
    form: &DealerForm,
) -> Result<usize, AppError> {
    let d = form
        .validate()
        .map_err(|fields| AppError::Validation { fields })?;
    let mut tx = begin_as(&state.pool, actor).await?;
    let old = sqlx::query!(
        r#"SELECT dealer_code, dealer_name, address, city, state, country, postal_code, phone, email,
                  brand, COALESCE(status, 'active') AS "status!"
             FROM dealers WHERE id = $1 FOR NO KEY UPDATE"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let before = ValidDealer {
        dealer_code: old.dealer_code,
        dealer_name: old.dealer_name,
        address: old.address,
        city: old.city,
        state: old.state,
        country: old.country,
        postal_code: old.postal_code,
        phone: old.phone,
        email: old.email,
        brand: old.brand.unwrap_or_default(),
        status: old.status,
    };
    if before == d {
        return Ok(0);
    }
    sqlx::query!(
        r#"UPDATE dealers SET dealer_code = $2, dealer_name = $3, address = $4, city = $5, state = $6, country = $7,
                  postal_code = $8, phone = $9, email = $10, brand = $11, status = $12
            WHERE id = $1"#,
        id,
        d.dealer_code,
        d.dealer_name,
        d.address,
        d.city,
        d.state,
        d.country,
        d.postal_code,
        d.phone,
        d.email,
        d.brand,
        d.status
    )
    .execute(&mut *tx)
    .await
    .map_err(unique_code)?;
    let mut ended = 0;
    if d.status != "active" {
        let users = sqlx::query_scalar!("SELECT id FROM users WHERE dealer_id = $1", id)
            .fetch_all(&mut *tx)
            .await?;
        for user in users {
            ended += session::end_all(
                &mut tx,
                user,
                None,
                EndReason::DealerBlocked,
                meta,
                Some(actor.id),
            )
            .await?;
        }
    }
    let (old_json, mut new_json) = (as_json(&before), as_json(&d));
    if ended > 0 {
        new_json["sessions_ended"] = json!(ended);
    }
    audit::record(
        &mut tx,
        meta,
        AuditEntry::new(Some(actor.id), "dealer.updated", "dealer", Some(id))
            .with_old(old_json)
            .with_new(new_json),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}
