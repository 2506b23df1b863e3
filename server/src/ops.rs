//! Operating the data: backups on a schedule and on demand, the list of backups, restore to a
//! point in time, moving the database with `pg_dump`/`pg_restore`, and the daily export of the
//! audit trail to files of its own.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use nix::sys::signal::kill;
use nix::unistd::Pid;
use sqlx::PgPool;

use crate::db::backup::{self, Kind};
use crate::db::embedded::EmbeddedPostgres;

/// The file the serving process writes its pid to, so a restore can refuse while it runs.
pub fn pid_file(data_dir: &Path) -> PathBuf {
    data_dir.join("server.pid")
}

/// Marks this process as the server of `data_dir` until the returned guard is dropped.
pub fn claim_data_dir(data_dir: &Path) -> anyhow::Result<PidGuard> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let path = pid_file(data_dir);
    std::fs::write(&path, std::process::id().to_string())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(PidGuard(path))
}

/// Removes the pid file when the server stops.
pub struct PidGuard(PathBuf);

impl Drop for PidGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The pid of a live server of `data_dir`, if one runs (a stale file after a crash is not one).
pub fn running_server(data_dir: &Path) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(pid_file(data_dir))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (pid != i32::try_from(std::process::id()).unwrap_or(0)
        && kill(Pid::from_raw(pid), None).is_ok())
    .then_some(pid)
}

/// `backup.retention_days`.
async fn retention_days(pool: &PgPool) -> anyhow::Result<i64> {
    let mut conn = pool.acquire().await?;
    let [days] = app::settings::ints(&mut conn, [app::settings::BACKUP_RETENTION_DAYS]).await?;
    Ok(days)
}

/// Takes the backup that is due, if one is; returns when the newest backup was consistent.
pub async fn scheduled_backup(
    pg: &EmbeddedPostgres,
    pool: &PgPool,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    if backup::pgbackrest().is_none() {
        return Ok(None);
    }
    let backups = backup::list(pg).await?;
    if let Some(kind) = backup::due(&backups, Utc::now()) {
        let started = std::time::Instant::now();
        backup::backup(pg, kind, retention_days(pool).await?).await?;
        tracing::info!(?kind, took = ?started.elapsed(), "scheduled backup taken");
        return Ok(backup::list(pg).await?.iter().map(|b| b.stopped).max());
    }
    Ok(backups.iter().map(|b| b.stopped).max())
}

/// Runs [`scheduled_backup`] hourly (and at start), reporting the newest backup's time to
/// `report` (the metrics' gauge).
pub fn spawn_backup_schedule(
    pg: Arc<EmbeddedPostgres>,
    pool: PgPool,
    report: impl Fn(DateTime<Utc>) + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            match scheduled_backup(&pg, &pool).await {
                Ok(Some(at)) => report(at),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(error = %e, "the scheduled backup failed; retrying in an hour")
                }
            }
        }
    })
}

/// `server backup`: a backup now.
pub async fn backup_now(pg: &EmbeddedPostgres, pool: &PgPool, full: bool) -> anyhow::Result<()> {
    let kind = if full || backup::list(pg).await?.is_empty() {
        Kind::Full
    } else {
        Kind::Differential
    };
    let started = std::time::Instant::now();
    backup::backup(pg, kind, retention_days(pool).await?).await?;
    println!("{kind:?} backup taken in {:.1?}", started.elapsed());
    Ok(())
}

/// `server backups`: the backups, their sizes, and the time range a restore can reach.
pub async fn list_backups(pg: &EmbeddedPostgres, pool: &PgPool) -> anyhow::Result<()> {
    let backups = backup::list(pg).await?;
    if backups.is_empty() {
        println!(
            "no backups yet (the server takes one at start and daily; `server backup` takes one now)"
        );
        return Ok(());
    }
    println!(
        "{:<26} {:<5} {:<20} {:>12} {:>12}",
        "backup", "type", "consistent at (UTC)", "database", "stored"
    );
    for b in &backups {
        println!(
            "{:<26} {:<5} {:<20} {:>12} {:>12}",
            b.label,
            b.kind,
            b.stopped.format("%Y-%m-%d %H:%M:%S"),
            bytes(b.database_bytes),
            bytes(b.stored_bytes)
        );
    }
    let archived: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT last_archived_time FROM pg_stat_archiver")
            .fetch_one(pool)
            .await?;
    let from = backups.iter().map(|b| b.stopped).min().unwrap_or_default();
    let to = archived.map_or_else(
        || "the newest backup".to_owned(),
        |t| {
            format!(
                "{} (WAL is shipped at least every {} s while anything is written)",
                t.format("%Y-%m-%d %H:%M:%S"),
                backup::ARCHIVE_TIMEOUT_SECONDS
            )
        },
    );
    println!(
        "\nrecoverable: from {} to {to}",
        from.format("%Y-%m-%d %H:%M:%S")
    );
    Ok(())
}

fn bytes(n: u64) -> String {
    #[allow(clippy::cast_precision_loss, reason = "a size for people to read")]
    let mib = n as f64 / 1_048_576.0;
    format!("{mib:.1} MiB")
}

/// Parses a restore target: `YYYY-MM-DD HH:MM[:SS]`, UTC.
pub fn parse_target(text: &str) -> anyhow::Result<NaiveDateTime> {
    let text = text.trim();
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .with_context(|| format!("“{text}” is not a time like 2026-12-01 10:15 (UTC)"))
}

/// `server restore --to TIME`: the cluster as it was at `target` (UTC). Refuses while a server
/// runs on this data directory, or when `target` is outside what the backups can reach.
pub async fn restore(pg: &EmbeddedPostgres, target: NaiveDateTime) -> anyhow::Result<()> {
    if let Some(pid) = running_server(pg.data_dir()) {
        bail!("the server (pid {pid}) is running on this data directory: stop it first");
    }
    let backups = backup::list(pg).await?;
    let Some(earliest) = backups.iter().map(|b| b.stopped).min() else {
        bail!("there is no backup to restore from");
    };
    // Targets count in whole seconds, and a backup serves only times after its stop second.
    if target <= earliest.naive_utc() {
        bail!(
            "the earliest point the backups reach is just after {} UTC",
            earliest.format("%Y-%m-%d %H:%M:%S")
        );
    }
    if target > Utc::now().naive_utc() {
        bail!("{target} is in the future");
    }
    let started = std::time::Instant::now();
    pg.stop_now().await?;
    backup::restore(pg, target).await?;
    println!(
        "restored to {target} UTC in {:.1?}; start the server",
        started.elapsed()
    );
    Ok(())
}

fn client_tool(pg_bin_dir: Option<&Path>, tool: &str) -> PathBuf {
    crate::db::embedded::find_bin_dir(pg_bin_dir)
        .map(|d| d.join(tool))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(tool))
}

/// `server export FILE`: the whole database as a `pg_dump` custom-format file.
pub async fn export(url: &str, file: &Path, pg_bin_dir: Option<&Path>) -> anyhow::Result<()> {
    let status = tokio::process::Command::new(client_tool(pg_bin_dir, "pg_dump"))
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(file)
        .arg(format!("--dbname={url}"))
        .status()
        .await
        .context("running pg_dump")?;
    if !status.success() {
        bail!("pg_dump failed ({status})");
    }
    Ok(())
}

/// `server import FILE`: loads an export into this database, which must be empty.
pub async fn import(
    pool: &PgPool,
    url: &str,
    file: &Path,
    pg_bin_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(pool)
    .await?;
    if tables > 0 {
        bail!("this database already holds {tables} tables: import into an empty one");
    }
    // The application role the dump's grants name exists cluster-wide, not in the dump.
    sqlx::query(
        "DO $$ BEGIN CREATE ROLE oap_app NOLOGIN NOBYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    )
    .execute(pool)
    .await?;
    let status = tokio::process::Command::new(client_tool(pg_bin_dir, "pg_restore"))
        .args(["--no-owner", "--exit-on-error", "--single-transaction"])
        .arg(format!("--dbname={url}"))
        .arg(file)
        .status()
        .await
        .context("running pg_restore")?;
    if !status.success() {
        bail!("pg_restore failed ({status}); nothing was imported");
    }
    Ok(())
}

/// Writes the audit trail of each whole UTC day not yet exported, up to yesterday, to
/// `<dir>/audit-YYYY-MM-DD.jsonl` (one entry per line, chain hashes included); returns the days
/// written. A file appears whole or not at all (written aside, then renamed).
pub async fn export_audit_days(pool: &PgPool, dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let yesterday = Utc::now()
        .date_naive()
        .pred_opt()
        .context("a date before today")?;
    let first: Option<NaiveDate> =
        sqlx::query_scalar("SELECT min(created_at)::date FROM audit_logs")
            .fetch_one(pool)
            .await?;
    let Some(first) = first else {
        return Ok(0);
    };
    let mut written = 0;
    let mut day = first;
    while day <= yesterday {
        let path = dir.join(format!("audit-{day}.jsonl"));
        if !path.exists() {
            let rows: Vec<(String,)> = sqlx::query_as(
                "SELECT jsonb_build_object('seq', seq, 'id', id, 'created_at', created_at, 'user_id', user_id,
                        'action', action, 'entity_type', entity_type, 'entity_id', entity_id,
                        'old_values', old_values, 'new_values', new_values, 'ip_address', ip_address,
                        'user_agent', user_agent, 'prev_hash', encode(prev_hash, 'hex'),
                        'row_hash', encode(row_hash, 'hex'))::text
                   FROM audit_logs WHERE created_at >= $1 AND created_at < $1 + interval '1 day'
                  ORDER BY seq",
            )
            .bind(day.and_hms_opt(0, 0, 0).unwrap_or_default())
            .fetch_all(pool)
            .await?;
            let partial = path.with_extension("jsonl.partial");
            let mut file = std::fs::File::create(&partial)
                .with_context(|| format!("creating {}", partial.display()))?;
            for (line,) in rows {
                writeln!(file, "{line}")?;
            }
            file.sync_all()?;
            std::fs::rename(&partial, &path)?;
            written += 1;
        }
        day = day.succ_opt().context("a date after this one")?;
    }
    Ok(written)
}
