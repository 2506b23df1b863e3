//! The responses list and the periods open to a dealer.

use tracing::instrument;

use super::super::model::{OpenPeriod, ResponseQuery, ResponseRow, SurveyKind};
use super::repo;
use super::service::today;
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::list::sql::{capped_count, push_keyset, push_page_limit, split_page};
use crate::list::{Cursor, Page, search_text};

/// A list row and its sort key.
#[derive(sqlx::FromRow)]
struct ListRow {
    #[sqlx(flatten)]
    row: ResponseRow,
    sort_key: String,
}

const SORT_KEY: &str = "s.updated_at";

/// One page of a survey's responses (a dealer user's own dealer's; everyone's for manufacturer
/// staff), last changed first.
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn list(
    ctx: &Ctx,
    kind: SurveyKind,
    q: &ResponseQuery,
) -> Result<Page<ResponseRow>, AppError> {
    let search = search_text("q", &q.search)?;
    let dealer_filter = ctx.decision.dealer_filter;
    let after = q.after.as_ref().map(|c| c.sort_parts(true)).transpose()?;
    let mut tx = ctx.begin().await?;
    let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(repo::ROW_COLUMNS);
    qb.push(format_args!(", ({SORT_KEY})::text AS sort_key"));
    qb.push(repo::row_from(kind));
    repo::push_filters(&mut qb, q, search.as_deref(), dealer_filter);
    push_keyset(&mut qb, SORT_KEY, "s.id", true, q.ascending, after);
    push_page_limit(&mut qb);
    let rows: Vec<ListRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let (rows, next) = split_page(rows, |r| Cursor::new(&r.sort_key, r.row.id));
    let total = if q.after.is_none() {
        let from = format!(" FROM {} s", repo::table(kind));
        Some(
            capped_count(&mut tx, |qb| {
                qb.push(from);
                repo::push_filters(qb, q, search.as_deref(), dealer_filter);
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
