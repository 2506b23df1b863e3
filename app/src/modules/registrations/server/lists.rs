//! The registrations list and the approval queue's part of it.

use tracing::instrument;

use super::super::model::{EventKind, RegQuery, RegRow};
use super::super::workflow::{RegStatus, TRANSITIONS};
use super::repo;
use super::service::{area, href, scope};
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::list::sql::{capped_count, push_keyset, push_page_limit, split_page};
use crate::list::{Cursor, Page, check_range, search_text};
use crate::queue::{QueueItem, QueueQuery};
use crate::workflow::{Step, available};

/// A list row and its sort key.
#[derive(sqlx::FromRow)]
struct ListRow {
    #[sqlx(flatten)]
    row: RegRow,
    sort_key: String,
}

/// One page of a kind's registrations.
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn list(ctx: &Ctx, kind: EventKind, q: &RegQuery) -> Result<Page<RegRow>, AppError> {
    let search = search_text("q", &q.search)?;
    let dealer = search_text("dealer", &q.dealer)?;
    check_range(q.from, q.to)?;
    let dealer_filter = ctx.decision.dealer_filter;
    let (key, timestamp) = repo::sort_key(q.sort);
    let after = q
        .after
        .as_ref()
        .map(|c| c.sort_parts(timestamp))
        .transpose()?;
    let mut tx = ctx.begin().await?;
    let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(repo::row_columns(kind));
    qb.push(format_args!(", ({key})::text AS sort_key"));
    qb.push(repo::row_from(kind));
    repo::push_filters(
        &mut qb,
        kind,
        q,
        search.as_deref(),
        dealer.as_deref(),
        dealer_filter,
    );
    push_keyset(&mut qb, key, "r.id", timestamp, q.ascending, after);
    push_page_limit(&mut qb);
    let rows: Vec<ListRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let (rows, next) = split_page(rows, |r| Cursor::new(&r.sort_key, r.row.id));
    let total = if q.after.is_none() {
        let from = format!(" FROM {} r", repo::cols(kind).table);
        Some(
            capped_count(&mut tx, |qb| {
                qb.push(from);
                repo::push_filters(
                    qb,
                    kind,
                    q,
                    search.as_deref(),
                    dealer.as_deref(),
                    dealer_filter,
                )
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

/// Seat holders awaiting confirmation that the caller may confirm, for the approval queue.
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn queue(
    ctx: &Ctx,
    kind: EventKind,
    q: &QueueQuery,
    limit: i64,
) -> Result<Vec<QueueItem>, AppError> {
    let mut tx = ctx.begin().await?;
    let rows = repo::awaiting(&mut tx, kind, q, limit).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let scope = scope(r.dealer_id, r.registered_by);
            let steps: Vec<Step> = available(
                TRANSITIONS,
                RegStatus::Registered,
                &ctx.actor,
                area(kind),
                scope,
            )
            .into_iter()
            .filter(|s| *s == Step::Confirm)
            .collect();
            (!steps.is_empty()).then(|| QueueItem {
                module: kind.module(),
                id: r.id,
                number: r.number,
                version: r.version,
                status: format!("{} · {}", r.person, r.event_name),
                dealer_code: r.dealer_code,
                dealer_name: r.dealer_name,
                brand: r.brand,
                submitted_at: r.created_at,
                reviewer: None,
                steps,
                href: href(kind, r.id),
            })
        })
        .collect())
}
