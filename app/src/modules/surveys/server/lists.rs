//! The responses list, the same rows as a file ([`ResponseExport`], from the list's own
//! statement), and the periods open to a dealer.

use sqlx::{Postgres, QueryBuilder};
use tracing::instrument;

use super::super::model::{OpenPeriod, ResponseQuery, ResponseRow, SurveyKind};
use super::repo;
use super::service::{area, today};
use crate::audit::AuditEntity;
use crate::auth::authorize::Area;
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::export::Cell;
use crate::export::stream::ListExport;
use crate::list::sql::{push_keyset, push_page_limit, split_page};
use crate::list::{Cursor, Page, search_text};

/// A list row and its sort key.
#[derive(sqlx::FromRow)]
pub struct ListRow {
    #[sqlx(flatten)]
    row: ResponseRow,
    sort_key: String,
}

const SORT_KEY: &str = "s.updated_at";

/// A survey's list statement for `q`: columns, filters, order and position, with no page limit
/// (the list adds one; the export takes every row). Checks the filters. `narrow`: the search
/// matches few responses ([`crate::list::sql::search_is_narrow`]).
fn statement(
    ctx: &Ctx,
    kind: SurveyKind,
    q: &ResponseQuery,
    narrow: bool,
) -> Result<QueryBuilder<Postgres>, AppError> {
    let search = search_text("q", &q.search)?;
    let after = q.after.as_ref().map(|c| c.sort_parts(true)).transpose()?;
    let mut qb = QueryBuilder::<Postgres>::new(repo::ROW_COLUMNS);
    qb.push(format_args!(", ({SORT_KEY})::text AS sort_key"));
    qb.push(repo::row_from(kind));
    repo::push_filters(
        &mut qb,
        kind,
        q,
        search.as_deref(),
        narrow,
        ctx.decision.dealer_filter,
    );
    push_keyset(&mut qb, SORT_KEY, "s.id", true, q.ascending, after);
    Ok(qb)
}

/// One page of a survey's responses (a dealer user's own dealer's; everyone's for manufacturer
/// staff), last changed first.
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn list(
    ctx: &Ctx,
    kind: SurveyKind,
    q: &ResponseQuery,
) -> Result<Page<ResponseRow>, AppError> {
    let search = search_text("q", &q.search)?;
    let mut tx = ctx.begin().await?;
    let narrow = ctx
        .state
        .counts
        .search_is_narrow(
            ctx,
            &mut tx,
            kind.module(),
            q,
            search.as_deref(),
            |qb, s| repo::push_search_ids(qb, kind, s),
        )
        .await?;
    let mut qb = statement(ctx, kind, q, narrow)?;
    push_page_limit(&mut qb);
    let rows: Vec<ListRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let (rows, next) = split_page(rows, |r| Cursor::new(&r.sort_key, r.row.id));
    let total = if q.after.is_none() {
        let dealer_filter = ctx.decision.dealer_filter;
        let from = format!(" FROM {} s", repo::table(kind));
        Some(
            ctx.state
                .counts
                .count(ctx, &mut tx, kind.module(), q, |qb| {
                    qb.push(from);
                    repo::push_filters(qb, kind, q, search.as_deref(), narrow, dealer_filter);
                })
                .await?,
        )
    } else {
        None
    };
    tx.commit().await?;
    Ok(Page {
        rows: rows.into_iter().map(|r| r.row).collect(),
        next,
        total,
    })
}

/// A survey's responses as a file, with their scores: every response the list would show for
/// these filters, in its order.
pub struct ResponseExport(pub SurveyKind, pub ResponseQuery);

impl ListExport for ResponseExport {
    type Row = ListRow;

    fn area(&self) -> Area {
        area(self.0)
    }

    fn entity(&self) -> AuditEntity {
        self.0.audit_entity()
    }

    fn name(&self) -> String {
        self.0.module().slug().to_owned()
    }

    fn sheet(&self) -> &'static str {
        "Responses"
    }

    fn header(&self) -> Vec<&'static str> {
        vec![
            "Number",
            "Dealer code",
            "Dealer",
            "Period",
            "Status",
            "Score (%)",
            "Form version",
            "Submitted (UTC)",
            "Last changed (UTC)",
        ]
    }

    fn params(&self) -> String {
        self.1.to_params(false)
    }

    fn statement(&self, ctx: &Ctx) -> Result<QueryBuilder<Postgres>, AppError> {
        // A file reads every match anyway: the order walk costs no more than collecting.
        statement(ctx, self.0, &self.1, false)
    }

    fn cells(&self, row: ListRow) -> Vec<Cell> {
        let r = row.row;
        vec![
            r.number.into(),
            r.dealer_code.into(),
            r.dealer_name.into(),
            r.period_name.into(),
            r.status.label().into(),
            r.score
                .map_or(Cell::Empty, |bp| Cell::Decimal(f64::from(bp) / 100.0)),
            r.form_version.into(),
            r.submitted_at.into(),
            r.updated_at.into(),
        ]
    }
}

/// The periods open today (and those starting within a month), each with the caller's dealer's
/// response to it (none for manufacturer staff).
#[instrument(skip(ctx), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn open_periods(ctx: &Ctx, kind: SurveyKind) -> Result<Vec<OpenPeriod>, AppError> {
    let mut tx = ctx.begin().await?;
    let today = today();
    let periods = super::periods::rows(&mut tx, kind, Some(today)).await?;
    let mut out = Vec::with_capacity(periods.len());
    for period in periods {
        let response = match ctx.actor.dealer_id {
            Some(dealer) => repo::of_dealer(&mut tx, kind, period.id, dealer).await?,
            None => None,
        };
        out.push(OpenPeriod { period, response });
    }
    tx.commit().await?;
    Ok(out)
}
