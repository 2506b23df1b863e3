//! Exports too big to wait for (server only). When a list holds more rows for the caller's
//! filters than the setting [`EXPORT_BACKGROUND_ROWS`] (100,000 unless changed), its export runs as a job instead of a download: the same
//! statement, writer and audit row as a streamed export ([`super::stream`]), but the bytes go
//! into `export_pieces` (about a megabyte a row) rather than to the browser. The caller is sent
//! to their notifications at once, and notified when the file is ready, with a link to
//! [`download`] it (theirs alone), or when it failed.
//!
//! A job's file is kept for [`KEEP_DAYS`] days. A job that stops progressing (its server went
//! down mid-export) is marked failed and its owner told, by [`sweep`], so nothing is left
//! "preparing" for ever.

use std::io;

use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use sqlx::{PgConnection, PgPool};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{Format, attachment_body, refusal};
use crate::audit::keyed_enum;
use crate::auth::model::AccessStage;
use crate::auth::server::{AuthSession, Ctx, RequestMeta, Visit};
use crate::error::AppError;
use crate::list::EXPORTS_PATH;
use crate::notifications::server::notify;
use crate::notifications::{Notice, NoticeKind};
use crate::settings::{self, EXPORT_BACKGROUND_ROWS};
use crate::state::AppState;

/// Days a finished file is kept.
pub const KEEP_DAYS: i32 = 7;
/// Minutes without progress after which a running job is taken for dead.
const STALLED_MINUTES: i32 = 10;
/// Bytes stored per piece.
const PIECE: usize = 1024 * 1024;
/// Where the caller goes while their file is prepared.
pub const PREPARING_PATH: &str = "/notifications?export=preparing";

keyed_enum! {
    /// Where a background export stands (`export_jobs.status`).
    pub enum ExportStatus {
        /// Rows are being written.
        Running = "running",
        /// The file is complete and can be downloaded.
        Ready = "ready",
        /// It stopped; the owner was told why.
        Failed = "failed",
    }
}

/// The download link of job `id`.
pub fn file_href(id: Uuid) -> String {
    format!("{EXPORTS_PATH}/files/{id}")
}

/// Whether the export `statement` (the list's own, without a page limit) holds more rows than
/// the setting allows for a download: it is read up to that many rows and one more.
pub(super) async fn too_big(
    ctx: &Ctx,
    mut statement: sqlx::QueryBuilder<sqlx::Postgres>,
) -> Result<bool, AppError> {
    use futures_util::TryStreamExt;
    let mut tx = ctx.begin().await?;
    let [limit] = settings::ints(&mut tx, [EXPORT_BACKGROUND_ROWS]).await?;
    statement.push(" LIMIT ").push_bind(limit + 1);
    let mut n = 0_i64;
    {
        let mut rows = statement.build().fetch(&mut *tx);
        while rows.try_next().await?.is_some() {
            n += 1;
        }
    }
    tx.commit().await?;
    Ok(n > limit)
}

/// Records a new job of the caller's for the file `filename`; answers its id.
pub(super) async fn create(
    ctx: &Ctx,
    list: &str,
    filename: &str,
    format: Format,
) -> Result<Uuid, AppError> {
    let mut conn = ctx.state.pool.acquire().await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO export_jobs (user_id, list, filename, content_type, status)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(ctx.actor.id)
    .bind(list)
    .bind(filename)
    .bind(format.content_type())
    .bind(ExportStatus::Running)
    .fetch_one(&mut *conn)
    .await?)
}

/// Stores the file as the writer produces it, then marks the job ready (or failed) and tells its
/// owner, in one transaction. Dropping `bytes` early (a storage error) stops the writer, whose
/// export is then audited as incomplete.
pub(super) async fn collect(
    pool: PgPool,
    job: Uuid,
    owner: Uuid,
    what: String,
    mut bytes: mpsc::Receiver<io::Result<Bytes>>,
) {
    let stored: Result<i64, String> = async {
        let mut buf: Vec<u8> = Vec::with_capacity(PIECE);
        let (mut seq, mut total) = (0_i32, 0_i64);
        loop {
            let last = match bytes.recv().await {
                Some(Ok(chunk)) => {
                    buf.extend_from_slice(&chunk);
                    false
                }
                Some(Err(e)) => return Err(e.to_string()),
                None => true,
            };
            if buf.len() >= PIECE || (last && !buf.is_empty()) {
                store(&pool, job, seq, &buf)
                    .await
                    .map_err(|e| e.to_string())?;
                total += buf.len() as i64;
                seq += 1;
                buf.clear();
            }
            if last {
                return Ok(total);
            }
        }
    }
    .await;
    drop(bytes);
    if let Err(e) = finish(&pool, job, owner, &what, stored).await {
        tracing::error!(%job, error = %e, "could not record the end of an export job");
    }
}

async fn store(pool: &PgPool, job: Uuid, seq: i32, data: &[u8]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO export_pieces (job_id, seq, data) VALUES ($1, $2, $3)")
        .bind(job)
        .bind(seq)
        .bind(data)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE export_jobs SET progressed_at = now() WHERE id = $1")
        .bind(job)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

async fn finish(
    pool: &PgPool,
    job: Uuid,
    owner: Uuid,
    what: &str,
    stored: Result<i64, String>,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let notice = match &stored {
        Ok(bytes) => {
            sqlx::query(
                "UPDATE export_jobs SET status = $2, bytes = $3, finished_at = now() WHERE id = $1",
            )
            .bind(job)
            .bind(ExportStatus::Ready)
            .bind(bytes)
            .execute(&mut *tx)
            .await?;
            Notice {
                title: format!("Your export of {what} is ready"),
                message: format!(
                    "The file ({}) can be downloaded for {KEEP_DAYS} days.",
                    size_text(*bytes)
                ),
                kind: NoticeKind::Success,
                link: Some(file_href(job)),
            }
        }
        Err(why) => {
            tracing::warn!(%job, error = %why, "export job failed");
            fail(&mut tx, job, why).await?;
            failed_notice(what)
        }
    };
    notify(&mut tx, &[owner], &notice).await?;
    tx.commit().await?;
    Ok(())
}

async fn fail(conn: &mut PgConnection, job: Uuid, why: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE export_jobs SET status = $2, error = $3, finished_at = now() WHERE id = $1",
    )
    .bind(job)
    .bind(ExportStatus::Failed)
    .bind(why)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM export_pieces WHERE job_id = $1")
        .bind(job)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn failed_notice(what: &str) -> Notice {
    Notice {
        title: format!("Your export of {what} failed"),
        message: "The file could not be finished. Please start the export again.".into(),
        kind: NoticeKind::Error,
        link: None,
    }
}

/// "12.3 MB", "640 KB".
fn size_text(bytes: i64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else {
        format!("{} KB", (bytes + 999) / 1000)
    }
}

/// Marks jobs that stopped progressing as failed and tells their owners; deletes files older
/// than [`KEEP_DAYS`]. Answers how many of each.
pub async fn sweep(conn: &mut PgConnection) -> Result<(usize, usize), AppError> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let stalled: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
        "SELECT id, user_id, list::text FROM export_jobs
          WHERE status = $1 AND progressed_at < now() - make_interval(mins => $2)
          FOR UPDATE SKIP LOCKED",
    )
    .bind(ExportStatus::Running)
    .bind(STALLED_MINUTES)
    .fetch_all(&mut *tx)
    .await?;
    for (job, owner, list) in &stalled {
        fail(&mut tx, *job, "stopped: the server ended while it ran").await?;
        notify(&mut tx, &[*owner], &failed_notice(list)).await?;
    }
    let deleted = sqlx::query(
        "DELETE FROM export_jobs WHERE status <> $1 AND finished_at < now() - make_interval(days => $2)",
    )
    .bind(ExportStatus::Running)
    .bind(KEEP_DAYS)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok((stalled.len(), deleted as usize))
}

/// `GET {EXPORTS_PATH}/files/{id}`: a finished file of the signed-in user's, streamed a piece at
/// a time. Anyone else's, or one not ready, is 404.
pub async fn download(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    session: Option<Extension<AuthSession>>,
    Path(id): Path<Uuid>,
) -> Response {
    let visit = Visit {
        state,
        meta: meta.map(|Extension(m)| m).unwrap_or_default(),
        session: session.map(|Extension(s)| s),
    };
    let file = async {
        let session = visit.at_stage(&[AccessStage::Full])?;
        let pool = visit.state.pool;
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT filename::text, content_type::text FROM export_jobs
              WHERE id = $1 AND user_id = $2 AND status = $3",
        )
        .bind(id)
        .bind(session.user.id)
        .bind(ExportStatus::Ready)
        .fetch_optional(&pool)
        .await?;
        let (filename, content_type) = found.ok_or(AppError::NotFound)?;
        // One piece per step, so memory holds a piece whatever the file's size; an error ends
        // the body with it (the client sees a broken download, not a short file).
        let pieces = futures_util::stream::unfold(Some((pool, 0_i32)), move |next| async move {
            let (pool, seq) = next?;
            let piece: Result<Option<Vec<u8>>, sqlx::Error> =
                sqlx::query_scalar("SELECT data FROM export_pieces WHERE job_id = $1 AND seq = $2")
                    .bind(id)
                    .bind(seq)
                    .fetch_optional(&pool)
                    .await;
            match piece {
                Ok(Some(data)) => Some((Ok(Bytes::from(data)), Some((pool, seq + 1)))),
                Ok(None) => None,
                Err(e) => Some((Err(io::Error::other(e)), None)),
            }
        });
        Ok::<_, AppError>(attachment_body(
            &filename,
            &content_type,
            Body::from_stream(pieces),
        ))
    };
    file.await.unwrap_or_else(refusal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(0), "0 KB");
        assert_eq!(size_text(1), "1 KB");
        assert_eq!(size_text(640_000), "640 KB");
        assert_eq!(size_text(12_345_678), "12.3 MB");
    }
}
