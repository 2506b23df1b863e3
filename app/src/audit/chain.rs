//! The audit chain's verification (server only). Each audit row holds its place (`seq`), the
//! previous row's hash and its own (migration `audit_chain`, whose `audit_row_hash` is the one
//! definition of a row's hash). Walking the rows in order, the first of these names the row where
//! the trail was tampered with:
//!
//! - a row whose content no longer gives its hash was **changed**;
//! - a gap in `seq`, or a head that is ahead of the last row, means rows were **removed**;
//! - a row whose previous hash is not the hash of the row before it was **inserted out of order**
//!   (or the rows around it were rewritten).
//!
//! A full walk reads every row once, in batches; the housekeeping loop checks only what was
//! appended since the last good check. Each outcome is recorded for the audit viewer.

use sqlx::PgConnection;

use super::ChainState;
use crate::error::AppError;

/// Rows read per query.
const BATCH: i64 = 5_000;

/// What is wrong at the first broken place of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The row's content does not give its stored hash.
    Changed { seq: i64, id: uuid::Uuid },
    /// Rows from `seq` on (up to the next present one) are missing.
    Removed { seq: i64 },
    /// The row does not follow the one before it.
    OutOfOrder { seq: i64, id: uuid::Uuid },
}

impl Break {
    /// The seq where the chain breaks.
    pub fn seq(&self) -> i64 {
        match self {
            Break::Changed { seq, .. } | Break::Removed { seq } | Break::OutOfOrder { seq, .. } => {
                *seq
            }
        }
    }
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Changed { seq, id } => {
                write!(f, "entry {seq} ({id}) was changed after it was written")
            }
            Break::Removed { seq } => write!(f, "entry {seq} was removed"),
            Break::OutOfOrder { seq, id } => write!(
                f,
                "entry {seq} ({id}) does not follow the entry before it: one of the two was \
                 inserted out of order or rewritten"
            ),
        }
    }
}

/// A walk's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The first seq looked at.
    pub from_seq: i64,
    /// The last seq found intact.
    pub through_seq: i64,
    /// Rows read.
    pub rows_checked: i64,
    /// The first break, if any.
    pub broken: Option<Break>,
}

/// Walks the chain after `from_seq` (0: from the start), trusting the row at `from_seq` (a
/// previous check found it intact).
pub async fn verify(conn: &mut PgConnection, from_seq: i64) -> Result<Report, AppError> {
    let mut last_hash: Vec<u8> = if from_seq == 0 {
        sqlx::query_scalar!(
            r#"SELECT sha256(convert_to('One Aftersales audit chain', 'UTF8')) AS "h!""#
        )
        .fetch_one(&mut *conn)
        .await?
    } else {
        sqlx::query_scalar!("SELECT row_hash FROM audit_logs WHERE seq = $1", from_seq)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| AppError::internal(format!("audit entry {from_seq} is gone")))?
    };
    let mut report = Report {
        from_seq,
        through_seq: from_seq,
        rows_checked: 0,
        broken: None,
    };
    loop {
        let rows = sqlx::query!(
            r#"SELECT seq, id, prev_hash, row_hash, audit_row_hash(prev_hash, a) AS "expected!"
                 FROM audit_logs a WHERE seq > $1 ORDER BY seq LIMIT $2"#,
            report.through_seq,
            BATCH
        )
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            report.rows_checked += 1;
            let broken = if row.seq != report.through_seq + 1 {
                Some(Break::Removed {
                    seq: report.through_seq + 1,
                })
            } else if row.prev_hash != last_hash {
                Some(Break::OutOfOrder {
                    seq: row.seq,
                    id: row.id,
                })
            } else if row.expected != row.row_hash {
                Some(Break::Changed {
                    seq: row.seq,
                    id: row.id,
                })
            } else {
                None
            };
            if broken.is_some() {
                report.broken = broken;
                return Ok(report);
            }
            report.through_seq = row.seq;
            last_hash = row.row_hash;
        }
    }
    // Rows removed from the end leave the head ahead of the last row.
    // Rows added past the head were appended outside the chain.
    let head = sqlx::query!("SELECT seq, hash FROM audit_chain_head")
        .fetch_one(&mut *conn)
        .await?;
    if head.seq > report.through_seq {
        report.broken = Some(Break::Removed {
            seq: report.through_seq + 1,
        });
    } else if head.seq < report.through_seq || head.hash != last_hash {
        let seq = (head.seq + 1).min(report.through_seq);
        let id = sqlx::query_scalar!("SELECT id FROM audit_logs WHERE seq = $1", seq)
            .fetch_one(&mut *conn)
            .await?;
        report.through_seq = seq - 1;
        report.broken = Some(Break::OutOfOrder { seq, id });
    }
    Ok(report)
}

/// Records `report` for the audit viewer and the next incremental check.
pub async fn record_check(conn: &mut PgConnection, report: &Report) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO audit_chain_checks (from_seq, through_seq, rows_checked, broken_at_seq, problem)
         VALUES ($1, $2, $3, $4, $5)",
        report.from_seq,
        report.through_seq,
        report.rows_checked,
        report.broken.as_ref().map(Break::seq),
        report.broken.as_ref().map(ToString::to_string)
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Checks what was appended since the last intact check (everything, the first time, or after a
/// break), and records the outcome.
pub async fn check_new(conn: &mut PgConnection) -> Result<Report, AppError> {
    let from = sqlx::query_scalar!(
        r#"SELECT through_seq FROM audit_chain_checks WHERE broken_at_seq IS NULL
            ORDER BY checked_at DESC LIMIT 1"#
    )
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or(0);
    let last_broken = sqlx::query_scalar!(
        r#"SELECT broken_at_seq IS NOT NULL AS "broken!" FROM audit_chain_checks ORDER BY checked_at DESC LIMIT 1"#
    )
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or(false);
    // After a break, every check starts over, so the break stays reported until it is dealt with.
    let report = verify(conn, if last_broken { 0 } else { from }).await?;
    record_check(conn, &report).await?;
    Ok(report)
}

/// The latest check and the chain's length, for the audit viewer.
pub async fn state(conn: &mut PgConnection) -> Result<ChainState, AppError> {
    let head = sqlx::query_scalar!("SELECT seq FROM audit_chain_head")
        .fetch_one(&mut *conn)
        .await?;
    let last = sqlx::query!(
        "SELECT checked_at, through_seq, problem FROM audit_chain_checks ORDER BY checked_at DESC LIMIT 1"
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(ChainState {
        entries: head,
        checked_at: last.as_ref().map(|c| c.checked_at),
        intact_through: last.as_ref().map_or(0, |c| c.through_seq),
        problem: last.and_then(|c| c.problem),
    })
}
