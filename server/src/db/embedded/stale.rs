//! What a crashed cluster leaves behind, and clearing it before a start: lock files naming a
//! process that is gone (or is now another program, or a zombie), and the crashed postmaster's
//! processes still holding its shared memory. Read from `/proc`.

use std::path::{Path, PathBuf};

use super::{EmbeddedError, EmbeddedPostgres, SOCKET_PORT, io};

/// How long a start waits for the processes of a crashed cluster to exit.
const LEFTOVER_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

impl EmbeddedPostgres {
    /// Removes `postmaster.pid` and the socket's lock file when the process they name is not this
    /// cluster's live postmaster. After a crash (`kill -9`, power loss, a container restart) they
    /// stay; once the number is reused by another program, or the dead postmaster lingers as a
    /// zombie (a container without an init that reaps), both `pg_ctl` and PostgreSQL take the
    /// cluster for running and refuse to start it. A live postmaster of this cluster is never
    /// touched.
    pub(super) fn clear_stale_lock(&self) -> Result<(), EmbeddedError> {
        for (lock, pid) in self.lock_holders() {
            if pid.is_some_and(|pid| !works_in(pid, &self.cluster_dir)) {
                tracing::warn!(
                    pid,
                    lock = %lock.display(),
                    "removing a stale lock file: the process it names is not this cluster's PostgreSQL"
                );
                std::fs::remove_file(&lock).map_err(io(format!("removing {}", lock.display())))?;
            }
        }
        Ok(())
    }

    /// The lock files there are (`postmaster.pid`, the socket's), each with the process number
    /// on its first line.
    fn lock_holders(&self) -> Vec<(PathBuf, Option<i32>)> {
        [
            self.cluster_dir.join("postmaster.pid"),
            self.socket_dir.join(format!(".s.PGSQL.{SOCKET_PORT}.lock")),
        ]
        .into_iter()
        .filter_map(|lock| {
            let text = std::fs::read_to_string(&lock).ok()?;
            let pid = text
                .lines()
                .next()
                .and_then(|l| l.trim().parse::<i32>().ok());
            Some((lock, pid))
        })
        .collect()
    }

    /// Waits (up to [`LEFTOVER_WAIT`]) for the processes of a crashed postmaster to exit: they do
    /// once they notice it is gone, and PostgreSQL refuses to start while they hold its shared
    /// memory. A postmaster killed a moment ago counts too while it is still exiting: its working
    /// directory is already unreadable, so it would be taken for a live one and its lock kept,
    /// and once it is a zombie PostgreSQL takes that lock for a running server.
    pub(super) async fn await_leftovers(&self) {
        let deadline = tokio::time::Instant::now() + LEFTOVER_WAIT;
        loop {
            let mut left = processes_working_in(&self.cluster_dir);
            left.extend(
                self.lock_holders()
                    .into_iter()
                    .filter_map(|(_, pid)| pid)
                    .filter(|&pid| matches!(inspect(pid), Process::Postgres { cwd: None })),
            );
            if left.is_empty() {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(
                    ?left,
                    "processes of an earlier PostgreSQL are still running"
                );
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}

/// What `/proc` says of a process.
enum Process {
    /// Gone, or there is no `/proc` to ask.
    Unknown,
    /// Something other than a live PostgreSQL process (another program, or a zombie).
    Other,
    /// A live PostgreSQL process, with its working directory when it may be read.
    Postgres { cwd: Option<PathBuf> },
}

fn inspect(pid: i32) -> Process {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let Ok(stat) = std::fs::read_to_string(proc_dir.join("stat")) else {
        return Process::Unknown;
    };
    // `pid (comm) state ...`: the name is in parentheses and may itself hold spaces.
    let Some((name, rest)) = stat.split_once('(').and_then(|(_, r)| r.rsplit_once(')')) else {
        return Process::Unknown;
    };
    let zombie = rest.trim_start().starts_with(['Z', 'X']);
    if zombie || name != "postgres" {
        return Process::Other;
    }
    Process::Postgres {
        cwd: std::fs::read_link(proc_dir.join("cwd")).ok(),
    }
}

/// Whether process `pid` is a live PostgreSQL process working in `cluster_dir` (PostgreSQL
/// changes into its data directory). Where `/proc` cannot say, the process is taken to be one;
/// a process that is gone is left to PostgreSQL, which sees that itself.
fn works_in(pid: i32, cluster_dir: &Path) -> bool {
    match inspect(pid) {
        Process::Unknown => !Path::new("/proc/self").exists(),
        Process::Other => false,
        Process::Postgres { cwd } => cwd.is_none_or(|cwd| cwd == cluster_dir),
    }
}

/// The live PostgreSQL processes working in `cluster_dir`.
fn processes_working_in(cluster_dir: &Path) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| {
            matches!(inspect(pid), Process::Postgres { cwd: Some(cwd) } if cwd == cluster_dir)
        })
        .collect()
}
