//! Backups and point-in-time recovery of the embedded cluster, with pgBackRest (Debian's
//! `pgbackrest`, which `scripts/bootstrap.sh` installs).
//!
//! - The cluster archives its WAL to a repository under `<data>/backup/repo` (`archive_command`,
//!   at least every [`ARCHIVE_TIMEOUT_SECONDS`] while anything is written): the recovery point
//!   objective.
//! - The server takes a backup itself when the last one is a day old (a full one weekly, a
//!   differential otherwise; [`schedule`]); `server backup` takes one now.
//! - Backups (and the WAL they need) older than the `backup.retention_days` setting are expired
//!   after each backup, keeping whatever recovery to any point of that window needs.
//! - `server restore --to TIME` restores into the data directory (the server stopped), replays
//!   WAL up to TIME and promotes.
//!
//! Without pgBackRest, archiving stays off and the commands say how to install it. With
//! `DATABASE_URL`, the operator's PostgreSQL provides backups (see the README).

use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::embedded::{EmbeddedError, EmbeddedPostgres};

/// The pgBackRest stanza of the embedded cluster.
pub const STANZA: &str = "oap";
/// The longest time between WAL segments shipped to the repository while anything is written.
pub const ARCHIVE_TIMEOUT_SECONDS: u32 = 60;
/// A full backup at least this often; differentials in between.
pub const FULL_EVERY_DAYS: i64 = 7;
/// A backup at least this often.
pub const BACKUP_EVERY_HOURS: i64 = 24;

/// The `pgbackrest` binary, if installed.
pub fn pgbackrest() -> Option<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/bin")])
        .map(|d| d.join("pgbackrest"))
        .find(|p| p.is_file())
}

fn backup_dir(pg: &EmbeddedPostgres) -> PathBuf {
    pg.data_dir().join("backup")
}

/// The configuration file of the embedded cluster's repository.
pub fn config_path(pg: &EmbeddedPostgres) -> PathBuf {
    backup_dir(pg).join("pgbackrest.conf")
}

/// The `postgresql.conf` lines that archive WAL to the repository (empty without pgBackRest).
/// Writes the repository's configuration, with the default retention until a backup rewrites it.
pub fn archive_settings(pg: &EmbeddedPostgres) -> Result<String, EmbeddedError> {
    let Some(tool) = pgbackrest() else {
        tracing::warn!(
            "pgBackRest is not installed: WAL archiving and backups are off (apt-get install pgbackrest)"
        );
        return Ok(String::new());
    };
    if !config_path(pg).exists() {
        write_config(pg, 30)?;
    }
    let command = format!(
        "{} --config={} --stanza={STANZA} archive-push %p",
        tool.display(),
        config_path(pg).display()
    );
    Ok(format!(
        "archive_mode = on\narchive_command = '{}'\narchive_timeout = {ARCHIVE_TIMEOUT_SECONDS}\n",
        command.replace('\'', "''")
    ))
}

/// Writes the repository's configuration, keeping what recovery to any point of the last
/// `retention_days` needs.
pub fn write_config(pg: &EmbeddedPostgres, retention_days: i64) -> Result<(), EmbeddedError> {
    let dir = backup_dir(pg);
    for sub in ["", "repo", "log", "lock", "spool"] {
        pg.prepare_private_dir(&dir.join(sub))?;
    }
    let text = format!(
        "[global]\n\
         repo1-path={repo}\n\
         repo1-retention-full-type=time\n\
         repo1-retention-full={retention_days}\n\
         log-path={log}\n\
         lock-path={lock}\n\
         spool-path={spool}\n\
         log-level-console=warn\n\
         log-level-file=info\n\
         start-fast=y\n\
         \n\
         [{STANZA}]\n\
         pg1-path={cluster}\n\
         pg1-socket-path={socket}\n\
         pg1-port=5432\n\
         pg1-user={user}\n",
        repo = dir.join("repo").display(),
        log = dir.join("log").display(),
        lock = dir.join("lock").display(),
        spool = dir.join("spool").display(),
        cluster = pg.cluster_dir().display(),
        socket = pg.socket_dir().display(),
        user = super::embedded::SUPERUSER,
    );
    let path = config_path(pg);
    std::fs::write(&path, text).map_err(|source| EmbeddedError::Io {
        context: format!("writing {}", path.display()),
        source,
    })?;
    pg.hand_over(&path)
}

/// Creates the stanza if it is not there yet (nothing to do without pgBackRest).
pub async fn ensure_stanza(pg: &EmbeddedPostgres) -> Result<(), EmbeddedError> {
    if pgbackrest().is_none() {
        return Ok(());
    }
    run(pg, &["stanza-create"]).await.map(|_| ())
}

/// Runs `pgbackrest <args>` on the embedded stanza as the cluster's OS user; its output.
async fn run(pg: &EmbeddedPostgres, args: &[&str]) -> Result<String, EmbeddedError> {
    let tool = pgbackrest().ok_or_else(|| EmbeddedError::Command {
        command: "pgbackrest".into(),
        detail: "pgBackRest is not installed (Debian: apt-get install pgbackrest; \
                 scripts/bootstrap.sh run installs it)"
            .into(),
    })?;
    let mut cmd = pg.cluster_command(&tool);
    cmd.arg(format!("--config={}", config_path(pg).display()))
        .arg(format!("--stanza={STANZA}"))
        .args(args);
    let what = format!("pgbackrest {}", args.join(" "));
    let output = cmd.output().await.map_err(|source| EmbeddedError::Io {
        context: format!("running {what}"),
        source,
    })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(EmbeddedError::Command {
            command: what,
            detail: format!(
                "{}\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        })
    }
}

/// Full or differential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Everything.
    Full,
    /// What changed since the last full backup.
    Differential,
}

/// Takes a backup now (creating the stanza on first use), then expires what retention allows.
/// The cluster must be running.
pub async fn backup(
    pg: &EmbeddedPostgres,
    kind: Kind,
    retention_days: i64,
) -> Result<(), EmbeddedError> {
    write_config(pg, retention_days)?;
    run(pg, &["stanza-create"]).await?;
    let kind = match kind {
        Kind::Full => "--type=full",
        Kind::Differential => "--type=diff",
    };
    run(pg, &[kind, "backup"]).await?;
    Ok(())
}

/// One backup in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// pgBackRest's label.
    pub label: String,
    /// `full`, `diff` or `incr`.
    pub kind: String,
    /// When it started.
    pub started: DateTime<Utc>,
    /// When it was consistent (the earliest point it can restore to).
    pub stopped: DateTime<Utc>,
    /// Size of the database it copied, in bytes.
    pub database_bytes: u64,
    /// What it takes in the repository (compressed, only what it added), in bytes.
    pub stored_bytes: u64,
}

/// The backups in the repository, oldest first (none before the first backup).
pub async fn list(pg: &EmbeddedPostgres) -> Result<Vec<BackupInfo>, EmbeddedError> {
    if !config_path(pg).exists() {
        return Ok(Vec::new());
    }
    let text = run(pg, &["--output=json", "info"]).await?;
    Ok(parse_info(&text))
}

fn parse_info(json: &str) -> Vec<BackupInfo> {
    let at = |v: &Value| {
        v.as_i64()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .unwrap_or_default()
    };
    let stanzas: Vec<Value> = serde_json::from_str(json).unwrap_or_default();
    stanzas
        .iter()
        .filter(|s| s["name"] == STANZA)
        .flat_map(|s| s["backup"].as_array().cloned().unwrap_or_default())
        .map(|b| BackupInfo {
            label: b["label"].as_str().unwrap_or_default().to_owned(),
            kind: b["type"].as_str().unwrap_or_default().to_owned(),
            started: at(&b["timestamp"]["start"]),
            stopped: at(&b["timestamp"]["stop"]),
            database_bytes: b["info"]["size"].as_u64().unwrap_or(0),
            stored_bytes: b["info"]["repository"]["delta"].as_u64().unwrap_or(0),
        })
        .collect()
}

/// The kind of backup due at `now` given `backups`, if one is.
pub fn due(backups: &[BackupInfo], now: DateTime<Utc>) -> Option<Kind> {
    let last_full = backups
        .iter()
        .filter(|b| b.kind == "full")
        .map(|b| b.stopped)
        .max();
    let last_any = backups.iter().map(|b| b.stopped).max();
    match (last_full, last_any) {
        (None, _) => Some(Kind::Full),
        (Some(full), _) if now - full >= chrono::Duration::days(FULL_EVERY_DAYS) => {
            Some(Kind::Full)
        }
        (_, Some(any)) if now - any >= chrono::Duration::hours(BACKUP_EVERY_HOURS) => {
            Some(Kind::Differential)
        }
        _ => None,
    }
}

/// Restores the cluster to its state at `target` (UTC): the cluster must be stopped; it is
/// started to replay WAL up to `target`, promoted, and stopped again.
pub async fn restore(pg: &EmbeddedPostgres, target: NaiveDateTime) -> Result<(), EmbeddedError> {
    // Whole seconds: pgBackRest picks the backup set by comparing whole-second stop times.
    let target = format!("--target={}+00", target.format("%Y-%m-%d %H:%M:%S"));
    run(
        pg,
        &[
            "--delta",
            "--type=time",
            &target,
            "--target-action=promote",
            "restore",
        ],
    )
    .await?;
    pg.start_again().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(kind: &str, stopped: &str) -> BackupInfo {
        let at = DateTime::parse_from_rfc3339(stopped)
            .unwrap()
            .with_timezone(&Utc);
        BackupInfo {
            label: String::new(),
            kind: kind.into(),
            started: at,
            stopped: at,
            database_bytes: 0,
            stored_bytes: 0,
        }
    }

    #[test]
    fn a_full_backup_weekly_and_a_differential_daily() {
        let now = DateTime::parse_from_rfc3339("2026-12-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(due(&[], now), Some(Kind::Full));
        assert_eq!(due(&[b("full", "2026-12-10T02:00:00Z")], now), None);
        assert_eq!(
            due(&[b("full", "2026-12-08T02:00:00Z")], now),
            Some(Kind::Differential)
        );
        assert_eq!(
            due(
                &[
                    b("full", "2026-12-08T02:00:00Z"),
                    b("diff", "2026-12-10T02:00:00Z")
                ],
                now
            ),
            None
        );
        assert_eq!(
            due(&[b("full", "2026-12-02T02:00:00Z")], now),
            Some(Kind::Full)
        );
    }

    #[test]
    fn pgbackrest_info_is_read() {
        let json = r#"[{"name":"oap","backup":[{"label":"20261202-101500F","type":"full",
            "timestamp":{"start":1796206500,"stop":1796206510},
            "info":{"size":31457280,"delta":31457280,"repository":{"size":4194304,"delta":4194304}}}]}]"#;
        let list = parse_info(json);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].kind, "full");
        assert_eq!(list[0].stored_bytes, 4_194_304);
        assert_eq!(list[0].stopped.timestamp(), 1_796_206_510);
    }
}
