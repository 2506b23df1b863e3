//! The workflow core's database side (server only): record numbers, the timeline, and the
//! answer to a stale version.

use chrono::{Datelike, NaiveDateTime};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{HistoryEntry, Step};
use crate::error::AppError;
use crate::modules::Module;

/// The next number of `prefix` in `year`, formatted `PCC-2026-000123`. Gap-free and unique: the
/// counter row stays locked by this transaction until it ends, so concurrent submissions queue,
/// and a rollback gives the number back.
pub async fn next_number(
    conn: &mut PgConnection,
    prefix: &str,
    at: NaiveDateTime,
) -> Result<String, AppError> {
    let year = at.year();
    let n = sqlx::query_scalar!(r#"SELECT next_record_number($1, $2) AS "n!""#, prefix, year)
        .fetch_one(conn)
        .await?;
    Ok(format!("{prefix}-{year}-{n:06}"))
}

/// One timeline entry to write.
pub struct NewHistory<'a> {
    /// The record's module.
    pub module: Module,
    /// The record.
    pub record_id: Uuid,
    /// Its dealer.
    pub dealer_id: Uuid,
    /// The step.
    pub step: Step,
    /// The status left (none on creation).
    pub from: Option<&'a str>,
    /// The status reached.
    pub to: &'a str,
    /// Who took it.
    pub actor_id: Uuid,
    /// Their name now.
    pub actor_name: &'a str,
    /// Their comment.
    pub comment: Option<&'a str>,
}

/// Writes a timeline entry (in the step's transaction).
pub async fn record_history(conn: &mut PgConnection, h: NewHistory<'_>) -> Result<(), AppError> {
    sqlx::query!(
        r#"INSERT INTO record_history (module, record_id, dealer_id, step, from_status, to_status, actor_id, actor_name, comment)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        h.module as Module,
        h.record_id,
        h.dealer_id,
        h.step as Step,
        h.from,
        h.to,
        h.actor_id,
        h.actor_name,
        h.comment
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A record's timeline, oldest first.
pub async fn history(
    conn: &mut PgConnection,
    record_id: Uuid,
) -> Result<Vec<HistoryEntry>, AppError> {
    Ok(sqlx::query_as!(
        HistoryEntry,
        r#"SELECT step AS "step: Step", from_status, to_status, actor_name, created_at AS at, comment
             FROM record_history WHERE record_id = $1 ORDER BY created_at, id"#,
        record_id
    )
    .fetch_all(conn)
    .await?)
}

/// The 409 for a save or step quoting `seen` when the record is at `current`: nothing changes,
/// and the user learns who changed it and when (from its latest timeline entry or last editor).
pub fn stale(
    seen: i32,
    current: i32,
    changed_by: Option<String>,
    changed_at: NaiveDateTime,
    now: &str,
) -> Result<(), AppError> {
    if seen == current {
        return Ok(());
    }
    let who = changed_by.clone().unwrap_or_else(|| "someone else".into());
    Err(AppError::Conflict {
        message: format!(
            "{who} changed this record after you opened it; it is {now} now. Nothing was saved: reload to see their change."
        ),
        changed_by,
        changed_at: Some(crate::components::time::minutes(&changed_at)),
    })
}
