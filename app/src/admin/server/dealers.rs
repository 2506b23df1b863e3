//! Dealer administration (server only): list, one dealer, pickers, create and edit. Each change
//! locks the dealer, is decided again by `authorize` under the lock, and is audited in the same
//! transaction. A dealer that stops being active takes its users' sessions with it; sign-in
//! already refuses them.

use serde_json::json;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use tracing::instrument;
use uuid::Uuid;

use crate::admin::model::{DealerForm, DealerOption, DealerQuery, DealerRow, ValidDealer};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::{Action, Area, Scope};
use crate::auth::server::Ctx;
use crate::auth::server::session::{self, EndReason};
use crate::components::SUGGESTIONS;
use crate::dealers::{Brand, DealerStatus};
use crate::email::Email;
use crate::error::AppError;
use crate::export::Cell;
use crate::export::stream::ListExport;
use crate::list::sql::{capped_count, contains_pattern, push_page_limit, split_page};
use crate::list::{Cursor, Page, search_text};

const DEALER_COLUMNS: &str = "SELECT d.id, d.dealer_code::text AS dealer_code, d.dealer_name::text AS dealer_name, \
     d.address, d.city::text AS city, d.state::text AS state, d.country::text AS country, \
     d.postal_code::text AS postal_code, d.phone::text AS phone, d.email::text AS email, \
     d.brand, COALESCE(d.status, 'active') AS status, \
     (SELECT count(*) FROM users u WHERE u.dealer_id = d.id AND u.is_active IS TRUE) AS active_users";

fn push_filters(qb: &mut QueryBuilder<Postgres>, q: &DealerQuery, search: Option<&str>) {
    qb.push(" FROM dealers d WHERE true");
    if let Some(search) = search {
        let pattern = contains_pattern(search);
        qb.push(" AND (lower(d.dealer_code::text) LIKE ")
            .push_bind(pattern.clone())
            .push(" OR lower(d.dealer_name::text) LIKE ")
            .push_bind(pattern.clone())
            .push(" OR lower(COALESCE(d.city, '')::text) LIKE ")
            .push_bind(pattern)
            .push(")");
    }
    if let Some(status) = q.status {
        qb.push(" AND COALESCE(d.status, 'active') = ")
            .push_bind(status);
    }
    if let Some(brand) = q.brand {
        qb.push(" AND d.brand = ").push_bind(brand);
    }
}

/// The dealers list's statement for `q`: columns, filters, code order and position, with no
/// page limit (the list adds one; the export takes every row). Checks the filters.
fn statement(q: &DealerQuery) -> Result<QueryBuilder<Postgres>, AppError> {
    let search = search_text("q", &q.search)?;
    let after = q.after.as_ref().map(Cursor::parts).transpose()?;
    let mut qb = QueryBuilder::<Postgres>::new(DEALER_COLUMNS);
    push_filters(&mut qb, q, search.as_deref());
    if let Some((code, id)) = after {
        qb.push(" AND (d.dealer_code, d.id) > (")
            .push_bind(code.to_owned())
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    qb.push(" ORDER BY d.dealer_code, d.id");
    Ok(qb)
}

/// One page of dealers in code order (keyset on the unique code and the id).
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id))]
pub async fn list(ctx: &Ctx, q: &DealerQuery) -> Result<Page<DealerRow>, AppError> {
    let mut qb = statement(q)?;
    push_page_limit(&mut qb);
    let mut tx = ctx.read().await?;
    let rows: Vec<DealerDbRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let (rows, next) = split_page(rows, |r| Cursor::new(&r.dealer_code, r.id));
    let total = if q.after.is_none() {
        let search = search_text("q", &q.search)?;
        Some(capped_count(&mut tx, |qb| push_filters(qb, q, search.as_deref())).await?)
    } else {
        None
    };
    tx.finish().await?;
    Ok(Page {
        rows: rows.into_iter().map(DealerRow::from).collect(),
        next,
        total,
    })
}

/// The dealers list as a file: every dealer the list would show for these filters, in code
/// order.
pub struct DealerExport(pub DealerQuery);

impl ListExport for DealerExport {
    type Row = DealerDbRow;

    fn area(&self) -> Area {
        Area::Dealers
    }

    fn entity(&self) -> AuditEntity {
        AuditEntity::Dealer
    }

    fn name(&self) -> String {
        "dealers".into()
    }

    fn sheet(&self) -> &'static str {
        "Dealers"
    }

    fn header(&self) -> Vec<&'static str> {
        vec![
            "Code",
            "Name",
            "Brand",
            "Status",
            "Address",
            "City",
            "State",
            "Country",
            "Postal code",
            "Phone",
            "E-mail",
            "Active users",
        ]
    }

    fn params(&self) -> String {
        self.0.to_params(false)
    }

    fn statement(&self, _ctx: &Ctx) -> Result<QueryBuilder<Postgres>, AppError> {
        statement(&self.0)
    }

    fn cells(&self, row: DealerDbRow) -> Vec<Cell> {
        let d = DealerRow::from(row);
        vec![
            d.dealer_code.into(),
            d.dealer_name.into(),
            d.brand.map(Brand::label).into(),
            d.status.label().into(),
            d.address.into(),
            d.city.into(),
            d.state.into(),
            d.country.into(),
            d.postal_code.into(),
            d.phone.into(),
            d.email.into(),
            d.active_users.into(),
        ]
    }
}

/// A dealers list row as the statement returns it.
#[derive(sqlx::FromRow)]
pub struct DealerDbRow {
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
    brand: Option<Brand>,
    status: DealerStatus,
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
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn get(ctx: &Ctx, id: Uuid) -> Result<DealerRow, AppError> {
    let mut tx = ctx.begin().await?;
    let mut qb = QueryBuilder::<Postgres>::new(DEALER_COLUMNS);
    qb.push(" FROM dealers d WHERE d.id = ").push_bind(id);
    let dealer = qb
        .build_query_as::<DealerDbRow>()
        .fetch_optional(&mut *tx)
        .await?
        .map(DealerRow::from)
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(dealer)
}

/// Every dealer, for pickers, in code order.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn options(ctx: &Ctx) -> Result<Vec<DealerOption>, AppError> {
    let mut tx = ctx.begin().await?;
    let options = sqlx::query_as!(
        DealerOption,
        r#"SELECT id, dealer_code AS code, dealer_name AS name,
                  COALESCE(status, 'active') AS "status!: DealerStatus"
             FROM dealers ORDER BY dealer_code LIMIT 5000"#
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(options)
}

/// At most [`SUGGESTIONS`] dealers whose code or name contains `text`, in code order: what the
/// dealer filters suggest as you type (`text` checked as list search text, on field `dealer`).
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn suggest(ctx: &Ctx, text: &str) -> Result<Vec<DealerOption>, AppError> {
    let Some(text) = search_text("dealer", text)? else {
        return Ok(Vec::new());
    };
    let mut tx = ctx.begin().await?;
    let options = sqlx::query_as!(
        DealerOption,
        r#"SELECT id, dealer_code AS code, dealer_name AS name,
                  COALESCE(status, 'active') AS "status!: DealerStatus"
             FROM dealers
            WHERE lower(dealer_code::text || ' ' || dealer_name::text) LIKE $1
            ORDER BY dealer_code LIMIT $2"#,
        contains_pattern(&text),
        SUGGESTIONS
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(options)
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
#[instrument(skip(ctx, form), fields(actor = %ctx.actor.id))]
pub async fn create(ctx: &Ctx, form: &DealerForm) -> Result<Uuid, AppError> {
    let d = form
        .validate()
        .map_err(|fields| AppError::Validation { fields })?;
    let tx = ctx.begin().await?;
    let mut tx = ctx
        .decide(tx, Action::Create, Area::Dealers, Scope::Any)
        .await?;
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
        d.email.as_ref().map(Email::as_str),
        d.brand as Brand,
        d.status as DealerStatus
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_code)?;
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::DealerCreated,
            AuditEntity::Dealer,
            Some(id),
        )
        .with_new(as_json(&d)),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The dealer's editable fields, locked for the rest of the transaction (`FOR NO KEY UPDATE`,
/// so users' foreign keys to it are not blocked), and whether they are exactly what is stored
/// (the seed allows rows no form could produce: no brand, a malformed email).
async fn lock_dealer(conn: &mut PgConnection, id: Uuid) -> Result<(ValidDealer, bool), AppError> {
    let old = sqlx::query!(
        r#"SELECT dealer_code, dealer_name, address, city, state, country, postal_code, phone, email,
                  brand AS "brand: Brand", COALESCE(status, 'active') AS "status!: DealerStatus"
             FROM dealers WHERE id = $1 FOR NO KEY UPDATE"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    let email = old.email.as_deref().and_then(Email::parse);
    let exact = old.brand.is_some() && email.is_some() == old.email.is_some();
    let fields = ValidDealer {
        dealer_code: old.dealer_code,
        dealer_name: old.dealer_name,
        address: old.address,
        city: old.city,
        state: old.state,
        country: old.country,
        postal_code: old.postal_code,
        phone: old.phone,
        email,
        brand: old.brand.unwrap_or(Brand::Both),
        status: old.status,
    };
    Ok((fields, exact))
}

/// Edits a dealer. Leaving `active` ends the sessions of all its users.
#[instrument(skip(ctx, form), fields(actor = %ctx.actor.id))]
pub async fn update(ctx: &Ctx, id: Uuid, form: &DealerForm) -> Result<usize, AppError> {
    let d = form
        .validate()
        .map_err(|fields| AppError::Validation { fields })?;
    let mut tx = ctx.begin().await?;
    let (before, exact) = lock_dealer(&mut tx, id).await?;
    let mut tx = ctx
        .decide(tx, Action::Edit, Area::Dealers, Scope::Any)
        .await?;
    if exact && before == d {
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
        d.email.as_ref().map(Email::as_str),
        d.brand as Brand,
        d.status as DealerStatus
    )
    .execute(&mut *tx)
    .await
    .map_err(unique_code)?;
    let mut ended = 0;
    if !d.status.is_active() {
        let users = sqlx::query_scalar!("SELECT id FROM users WHERE dealer_id = $1", id)
            .fetch_all(&mut *tx)
            .await?;
        for user in users {
            ended += session::end_all(
                &mut tx,
                user,
                None,
                EndReason::DealerBlocked,
                &ctx.meta,
                Some(ctx.actor.id),
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
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::DealerUpdated,
            AuditEntity::Dealer,
            Some(id),
        )
        .with_old(old_json)
        .with_new(new_json),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}
