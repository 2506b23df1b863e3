//! The registrations list, the same rows as a file ([`RegExport`], from the list's own
//! statement), and the approval queue's part of it.

use sqlx::{Postgres, QueryBuilder};
use tracing::instrument;

use super::super::model::{EventKind, RegQuery, RegRow};
use super::super::workflow::{RegStatus, TRANSITIONS};
use super::repo;
use super::service::{area, href, scope};
use crate::audit::AuditEntity;
use crate::auth::authorize::Area;
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::export::Cell;
use crate::export::stream::ListExport;
use crate::list::sql::{self, DealerFilter, push_keyset, push_page_limit, split_page};
use crate::list::{Cursor, Page, check_range, search_text};
use crate::queue::{QueueItem, QueueQuery};
use crate::workflow::{Step, available};

/// A list row and its sort key.
#[derive(sqlx::FromRow)]
pub struct ListRow {
    #[sqlx(flatten)]
    row: RegRow,
    sort_key: String,
}

/// A kind's list statement for `q`: columns, filters, order and position, with no page limit
/// (the list adds one; the export takes every row). Checks the filters. `narrow`: the search
/// matches few registrations ([`crate::list::sql::search_is_narrow`]).
fn statement(
    ctx: &Ctx,
    kind: EventKind,
    q: &RegQuery,
    narrow: bool,
    dealer: Option<DealerFilter<'_>>,
) -> Result<QueryBuilder<Postgres>, AppError> {
    let search = search_text("q", &q.search)?;
    check_range(q.from, q.to)?;
    let (key, timestamp) = repo::sort_key(q.sort);
    let after = q
        .after
        .as_ref()
        .map(|c| c.sort_parts(timestamp))
        .transpose()?;
    let mut qb = QueryBuilder::<Postgres>::new(repo::row_columns(kind));
    qb.push(format_args!(", ({key})::text AS sort_key"));
    qb.push(repo::row_from(kind));
    repo::push_filters(
        &mut qb,
        kind,
        q,
        search.as_deref(),
        narrow,
        dealer,
        ctx.decision.dealer_filter,
    );
    push_keyset(&mut qb, key, "r.id", timestamp, q.ascending, after);
    Ok(qb)
}

/// One page of a kind's registrations.
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn list(ctx: &Ctx, kind: EventKind, q: &RegQuery) -> Result<Page<RegRow>, AppError> {
    let search = search_text("q", &q.search)?;
    let dealer_text = search_text("dealer", &q.dealer)?;
    let mut tx = ctx.read().await?;
    let dealer = match &dealer_text {
        Some(text) => Some(sql::dealer_filter(&mut tx, text).await?),
        None => None,
    };
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
    let mut qb = statement(ctx, kind, q, narrow, dealer)?;
    push_page_limit(&mut qb);
    let rows: Vec<ListRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let (rows, next) = split_page(rows, |r| Cursor::new(&r.sort_key, r.row.id));
    let total = if q.after.is_none() {
        let dealer_filter = ctx.decision.dealer_filter;
        let from = format!(" FROM {} r", repo::cols(kind).table);
        Some(
            ctx.state
                .counts
                .count(ctx, &mut tx, kind.module(), q, |qb| {
                    qb.push(from);
                    repo::push_filters(
                        qb,
                        kind,
                        q,
                        search.as_deref(),
                        narrow,
                        dealer,
                        dealer_filter,
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

/// A kind's registrations list as a file: every registration the list would show for these
/// filters, in its order.
pub struct RegExport(pub EventKind, pub RegQuery);

impl ListExport for RegExport {
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
        "Registrations"
    }

    fn header(&self) -> Vec<&'static str> {
        vec![
            "Number",
            "Dealer code",
            "Dealer",
            "Name",
            "E-mail",
            self.0.detail_label(),
            "Event",
            "Event date",
            "Status",
            "Waitlist position",
            "Last changed (UTC)",
        ]
    }

    fn params(&self) -> String {
        self.1.to_params(false)
    }

    fn statement(&self, ctx: &Ctx) -> Result<QueryBuilder<Postgres>, AppError> {
        // A file reads every match anyway: the order walk costs no more than collecting, and
        // the dealers matched need no naming.
        let dealer = search_text("dealer", &self.1.dealer)?;
        statement(
            ctx,
            self.0,
            &self.1,
            false,
            dealer.as_deref().map(DealerFilter::Matching),
        )
    }

    fn cells(&self, row: ListRow) -> Vec<Cell> {
        let r = row.row;
        let standing = r.standing().0;
        vec![
            r.number.into(),
            r.dealer_code.into(),
            r.dealer_name.into(),
            r.person.into(),
            r.email.into(),
            r.detail.into(),
            r.event_name.into(),
            r.event_date.into(),
            standing.into(),
            r.waitlist_position.into(),
            r.updated_at.into(),
        ]
    }
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
