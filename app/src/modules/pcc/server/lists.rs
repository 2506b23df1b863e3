//! The applications list: its pages, and the same rows as a file ([`PccExport`]), both from one
//! statement ([`statement`]) so a download holds exactly what the list shows.

use sqlx::{Postgres, QueryBuilder};
use tracing::instrument;

use super::super::model::{PccQuery, PccRow};
use super::repo;
use super::service::AREA;
use crate::audit::AuditEntity;
use crate::auth::authorize::Area;
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::export::Cell;
use crate::export::stream::ListExport;
use crate::list::sql::{SearchPlan, push_keyset, push_page_limit, split_page};
use crate::list::{Cursor, Page, check_range, search_text};

/// The list's statement for `q`: columns, filters, order and position, with no page limit (the
/// list adds one; the export takes every row). Checks the filters.
/// `plan`: how the search's matches are read ([`repo::search_plan`]).
fn statement(
    ctx: &Ctx,
    q: &PccQuery,
    plan: SearchPlan,
) -> Result<QueryBuilder<Postgres>, AppError> {
    let search = search_text("q", &q.search)?;
    check_range(q.from, q.to)?;
    let (key, timestamp) = repo::sort_key(q.sort);
    let after = q
        .after
        .as_ref()
        .map(|c| c.sort_parts(timestamp))
        .transpose()?;
    let mut qb = QueryBuilder::<Postgres>::new(repo::LIST_COLUMNS);
    qb.push(format_args!(", ({key})::text AS sort_key"));
    repo::push_filters(
        &mut qb,
        q,
        search.as_deref(),
        plan,
        ctx.decision.dealer_filter,
        repo::LIST_FROM,
    );
    push_keyset(&mut qb, key, "p.id", timestamp, q.ascending, after);
    Ok(qb)
}

/// One page of applications.
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id))]
pub async fn list(ctx: &Ctx, q: &PccQuery) -> Result<Page<PccRow>, AppError> {
    let search = search_text("q", &q.search)?;
    let mut tx = ctx.read().await?;
    let plan = match &search {
        Some(s) => {
            repo::search_plan(&mut tx, s, async |conn| {
                ctx.state
                    .counts
                    .search_is_narrow(
                        ctx,
                        conn,
                        crate::modules::Module::DealerPcc,
                        q,
                        Some(s),
                        repo::push_search_ids,
                    )
                    .await
            })
            .await?
        }
        None => SearchPlan::Walk,
    };
    let mut qb = statement(ctx, q, plan)?;
    push_page_limit(&mut qb);
    let rows: Vec<repo::ListRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let (rows, next) = split_page(rows, |r| Cursor::new(&r.sort_key, r.row.id));
    let total = if q.after.is_none() {
        let dealer_filter = ctx.decision.dealer_filter;
        Some(
            ctx.state
                .counts
                .count(ctx, &mut tx, crate::modules::Module::DealerPcc, q, |qb| {
                    repo::push_filters(
                        qb,
                        q,
                        search.as_deref(),
                        plan,
                        dealer_filter,
                        repo::COUNT_FROM,
                    )
                })
                .await?,
        )
    } else {
        None
    };
    tx.finish().await?;
    Ok(Page {
        rows: rows.into_iter().map(|r| r.row).collect(),
        next,
        total,
    })
}

/// The applications list as a file: every application the list would show for these filters,
/// in its order.
pub struct PccExport(pub PccQuery);

impl ListExport for PccExport {
    type Row = repo::ListRow;

    fn area(&self) -> Area {
        AREA
    }

    fn entity(&self) -> AuditEntity {
        AuditEntity::PccApplication
    }

    fn name(&self) -> String {
        "pcc-applications".into()
    }

    fn sheet(&self) -> &'static str {
        "Applications"
    }

    fn header(&self) -> Vec<&'static str> {
        vec![
            "Number",
            "Dealer code",
            "Dealer",
            "Brand",
            "Status",
            "Applied on",
            "Submitted (UTC)",
            "Last changed (UTC)",
            "Reviewer",
        ]
    }

    fn params(&self) -> String {
        self.0.to_params(false)
    }

    fn statement(&self, ctx: &Ctx) -> Result<QueryBuilder<Postgres>, AppError> {
        // A file reads every match anyway: the order walk costs no more than collecting.
        statement(ctx, &self.0, SearchPlan::Walk)
    }

    fn cells(&self, row: repo::ListRow) -> Vec<Cell> {
        let r = row.row;
        vec![
            r.number.unwrap_or_else(|| "Draft".into()).into(),
            r.dealer_code.into(),
            r.dealer_name.into(),
            r.brand.map(|b| b.label()).into(),
            r.status.label().into(),
            r.application_date.into(),
            r.submitted_at.into(),
            r.updated_at.into(),
            r.reviewer.into(),
        ]
    }
}
