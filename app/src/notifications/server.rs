//! Notifications on the server: sending them inside a change's transaction, and the caller's own
//! list, count and read marks.

use sqlx::{PgConnection, Postgres, QueryBuilder};
use tracing::instrument;
use uuid::Uuid;

use super::{LINK_MAX, Notice, NoticeKind, NotificationQuery, NotificationRow, TITLE_MAX};
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::list::sql::{push_page_limit, split_page};
use crate::list::{Cursor, Page};
use crate::live::LiveEvent;
use crate::live::server::publish;

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Whether `user` still works (active) for `dealer`: a user moved to another dealer, or
/// deactivated, no longer hears of that dealer's records.
pub async fn still_at_dealer(
    conn: &mut PgConnection,
    user: Uuid,
    dealer: Uuid,
) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND dealer_id = $2 AND is_active IS TRUE) AS "yes!""#,
        user,
        dealer
    )
    .fetch_one(conn)
    .await?)
}

/// Notifies `recipients` (duplicates and the empty list are fine) in the transaction `conn` is in,
/// and tells their open pages when it commits.
pub async fn notify(
    conn: &mut PgConnection,
    recipients: &[Uuid],
    notice: &Notice,
) -> Result<(), AppError> {
    let mut recipients = recipients.to_vec();
    recipients.sort_unstable();
    recipients.dedup();
    if recipients.is_empty() {
        return Ok(());
    }
    let link = notice.link.as_deref().map(|l| clip(l, LINK_MAX));
    sqlx::query!(
        r#"INSERT INTO notifications (user_id, title, message, type, link)
           SELECT r, $2, $3, $4, $5 FROM UNNEST($1::uuid[]) AS r"#,
        &recipients,
        clip(&notice.title, TITLE_MAX),
        notice.message,
        notice.kind as NoticeKind,
        link
    )
    .execute(&mut *conn)
    .await?;
    for user_id in recipients {
        publish(&mut *conn, &LiveEvent::Notification { user_id }).await?;
    }
    Ok(())
}

/// The caller's unread count.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn unread(ctx: &Ctx) -> Result<i64, AppError> {
    let mut tx = ctx.begin().await?;
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM notifications WHERE user_id = $1 AND is_read IS NOT TRUE"#,
        ctx.actor.id
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(n)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    title: String,
    message: String,
    kind: NoticeKind,
    is_read: bool,
    link: Option<String>,
    created_at: chrono::NaiveDateTime,
}

/// A page of the caller's notifications, newest first.
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id))]
pub async fn list(ctx: &Ctx, q: &NotificationQuery) -> Result<Page<NotificationRow>, AppError> {
    let after = q.after.as_ref().map(Cursor::datetime_parts).transpose()?;
    let mut tx = ctx.begin().await?;
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT id, title::text AS title, message, COALESCE(type, 'info') AS kind, \
         COALESCE(is_read, false) AS is_read, link::text AS link, created_at \
         FROM notifications WHERE user_id = ",
    );
    qb.push_bind(ctx.actor.id);
    if q.unread_only {
        qb.push(" AND is_read IS NOT TRUE");
    }
    if let Some((at, id)) = after {
        qb.push(" AND (created_at, id) < (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    qb.push(" ORDER BY created_at DESC, id DESC");
    push_page_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let (rows, next) = split_page(rows, |r| {
        Cursor::new(r.created_at.format(crate::list::TIMESTAMP_FORMAT), r.id)
    });
    tx.commit().await?;
    Ok(Page {
        rows: rows
            .into_iter()
            .map(|r| NotificationRow {
                id: r.id,
                title: r.title,
                message: r.message,
                kind: r.kind,
                is_read: r.is_read,
                link: r.link,
                created_at: r.created_at,
            })
            .collect(),
        next,
        total: None,
    })
}

/// Marks one (or every) unread notification of the caller read; the bell follows live.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn mark_read(ctx: &Ctx, id: Option<Uuid>) -> Result<u64, AppError> {
    let mut tx = ctx.begin().await?;
    let changed = sqlx::query!(
        "UPDATE notifications SET is_read = true WHERE user_id = $1 AND is_read IS NOT TRUE AND ($2::uuid IS NULL OR id = $2)",
        ctx.actor.id,
        id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed > 0 {
        publish(
            &mut tx,
            &LiveEvent::Notification {
                user_id: ctx.actor.id,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}
