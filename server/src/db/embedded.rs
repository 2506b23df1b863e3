//! The embedded PostgreSQL cluster: used when no `DATABASE_URL` is given.
//!
//! It runs the PostgreSQL binaries already installed on the machine (nothing is downloaded) over a
//! cluster under the data directory, reachable only through a Unix socket in a 0700 directory, so
//! no TCP port is opened and no other OS user can connect. Data persists across restarts.
//!
//! Written by hand rather than with `postgresql_embedded` or `pgtemp`: neither can run a persistent
//! cluster from distribution binaries when the server runs as root. PostgreSQL refuses to run as
//! root, so as root the cluster is owned by, and run as, an unprivileged OS user (`postgres` by
//! default).

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use nix::unistd::{Gid, Uid, User, chown};
use sqlx::postgres::PgConnectOptions;
use tokio::process::Command;

mod stale;

/// Port number in the socket's file name (`.s.PGSQL.<port>`); no TCP port is opened.
const SOCKET_PORT: u16 = 5432;
/// The cluster's superuser, created by `initdb -U`.
pub const SUPERUSER: &str = "postgres";
/// Unix socket paths longer than this do not fit `sockaddr_un`.
const MAX_SOCKET_PATH: usize = 100;

/// Why the embedded cluster could not be used; each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// No PostgreSQL server binaries were found.
    #[error(
        "no PostgreSQL server binaries found (looked for initdb in OAP_PG_BIN_DIR, PATH and \
         /usr/lib/postgresql/*/bin). Install them (Debian: `apt-get install postgresql`), set \
         OAP_PG_BIN_DIR to their directory, or set DATABASE_URL to use an existing server"
    )]
    NoBinaries,
    /// Running as root and the OS user to run PostgreSQL as does not exist.
    #[error(
        "running as root, and PostgreSQL refuses to run as root; the OS user '{0}' that should own \
         the embedded cluster does not exist. Create it (`useradd --system {0}`), set \
         OAP_PG_OS_USER to another unprivileged user, or set DATABASE_URL"
    )]
    NoOsUser(String),
    /// The cluster's OS user cannot reach the data directory.
    #[error(
        "the OS user '{user}' that runs the embedded PostgreSQL cannot reach {dir}; set \
         OAP_DATA_DIR to a directory it can enter (e.g. under /var/lib or /tmp), or set DATABASE_URL"
    )]
    Unreachable { user: String, dir: String },
    /// A PostgreSQL tool failed.
    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },
    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> EmbeddedError {
    let context = context.into();
    move |source| EmbeddedError::Io { context, source }
}

/// The OS account PostgreSQL runs as, when it is not the current one.
#[derive(Debug, Clone)]
struct RunAs {
    name: String,
    uid: Uid,
    gid: Gid,
}

/// A running embedded cluster.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    cluster_dir: PathBuf,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<RunAs>,
    started_here: bool,
}

impl EmbeddedPostgres {
    /// Starts the cluster under `data_dir`, creating it on first use. A cluster already running
    /// there (left by a previous run) is reused, and then left running by [`Self::stop`].
    #[tracing::instrument(skip_all, fields(data_dir = %data_dir.display()))]
    pub async fn start(
        data_dir: &Path,
        bin_dir: Option<&Path>,
        os_user: &str,
    ) -> Result<Self, EmbeddedError> {
        std::fs::create_dir_all(data_dir)
            .map_err(io(format!("creating {}", data_dir.display())))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(io(format!("resolving {}", data_dir.display())))?;
        let bin_dir = find_bin_dir(bin_dir).ok_or(EmbeddedError::NoBinaries)?;
        let run_as = if Uid::effective().is_root() {
            let user = User::from_name(os_user)
                .ok()
                .flatten()
                .ok_or_else(|| EmbeddedError::NoOsUser(os_user.to_owned()))?;
            Some(RunAs {
                name: user.name,
                uid: user.uid,
                gid: user.gid,
            })
        } else {
            None
        };

        let pg = Self {
            cluster_dir: data_dir.join("postgres"),
            socket_dir: socket_dir_for(&data_dir),
            bin_dir,
            run_as,
            started_here: false,
        };
        pg.check_reachable(&data_dir).await?;
        pg.prepare_dir(&pg.socket_dir)?;
        if !pg.cluster_dir.join("PG_VERSION").exists() {
            pg.init().await?;
        }
        pg.write_settings()?;
        pg.clear_stale_lock()?;
        if pg.is_running().await {
            tracing::info!("reusing the embedded PostgreSQL already running");
            pg.prepare_backups().await;
            return Ok(pg);
        }
        let log = data_dir.join("postgres.log");
        if !log.exists() {
            std::fs::write(&log, b"").map_err(io(format!("creating {}", log.display())))?;
        }
        pg.give_away(&log)?;
        pg.await_leftovers().await;
        // Again: a postmaster killed a moment ago was maybe still dying at the first look.
        pg.clear_stale_lock()?;
        pg.pg_tool("pg_ctl")
            .arg("start")
            .arg("-D")
            .arg(&pg.cluster_dir)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-s"])
            .run("pg_ctl start")
            .await
            .map_err(|e| with_log_tail(e, &log))?;
        tracing::info!(socket = %pg.socket_dir.display(), "embedded PostgreSQL started");
        let pg = Self {
            started_here: true,
            ..pg
        };
        pg.prepare_backups().await;
        Ok(pg)
    }

    /// Connection options for `database` in this cluster.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(SOCKET_PORT)
            .username(SUPERUSER)
            .database(database)
    }

    /// A connection URL for `database`, for tools that take URLs (`DATABASE_URL` of `make test`).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost:{SOCKET_PORT}/{database}?host={}",
            self.socket_dir.display()
        )
    }

    /// Stops the cluster if this process started it; a cluster that was already running is left so.
    pub async fn stop(&self) -> Result<(), EmbeddedError> {
        if self.started_here {
            self.stop_now().await?;
        }
        Ok(())
    }

    /// Stops the cluster whoever started it (fast shutdown: running transactions roll back).
    pub async fn stop_now(&self) -> Result<(), EmbeddedError> {
        if !self.is_running().await {
            return Ok(());
        }
        self.pg_tool("pg_ctl")
            .arg("stop")
            .arg("-D")
            .arg(&self.cluster_dir)
            .args(["-m", "fast", "-w", "-t", "60", "-s"])
            .run("pg_ctl stop")
            .await?;
        tracing::info!("embedded PostgreSQL stopped");
        Ok(())
    }

    async fn is_running(&self) -> bool {
        self.pg_tool("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(&self.cluster_dir)
            .cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .is_ok_and(|s| s.success())
    }

    async fn init(&self) -> Result<(), EmbeddedError> {
        self.prepare_dir(&self.cluster_dir)?;
        tracing::info!(dir = %self.cluster_dir.display(), "creating the embedded PostgreSQL cluster");
        self.pg_tool("initdb")
            .arg("-D")
            .arg(&self.cluster_dir)
            .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C"])
            .run("initdb")
            .await?;
        let conf = self.cluster_dir.join("postgresql.conf");
        let mut text =
            std::fs::read_to_string(&conf).map_err(io(format!("reading {}", conf.display())))?;
        text.push_str("\n# Settings managed by One Aftersales (rewritten at every start).\ninclude_if_exists = 'oneaftersales.conf'\n");
        std::fs::write(&conf, text).map_err(io(format!("writing {}", conf.display())))
    }

    /// Socket-only access, and WAL archiving to the backup repository when pgBackRest is
    /// installed (see [`super::backup`]). Rewritten at every start, since the socket directory
    /// follows the data directory if it is moved.
    fn write_settings(&self) -> Result<(), EmbeddedError> {
        let path = self.cluster_dir.join("oneaftersales.conf");
        let socket_dir = self.socket_dir.display().to_string().replace('\'', "''");
        let mut text = format!(
            "listen_addresses = ''\nport = {SOCKET_PORT}\nunix_socket_directories = '{socket_dir}'\n\
             unix_socket_permissions = 0700\n"
        );
        text.push_str(&super::backup::archive_settings(self)?);
        std::fs::write(&path, text).map_err(io(format!("writing {}", path.display())))?;
        self.give_away(&path)
    }

    /// Creates `dir` with mode 0700, owned by the cluster's OS user.
    fn prepare_dir(&self, dir: &Path) -> Result<(), EmbeddedError> {
        std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io(format!("restricting {}", dir.display())))?;
        self.give_away(dir)
    }

    /// Creates the backup stanza (idempotent), so archived WAL has somewhere to go. A failure is
    /// logged, not fatal: the portal serves, and `server backup` says what is wrong.
    async fn prepare_backups(&self) {
        if let Err(e) = super::backup::ensure_stanza(self).await {
            tracing::warn!(error = %e, "backups are not ready");
        }
    }

    /// The data directory (the cluster, its socket, its backups and the secret key live here).
    pub fn data_dir(&self) -> &Path {
        self.cluster_dir.parent().unwrap_or(&self.cluster_dir)
    }

    /// The cluster's own directory (`PGDATA`).
    pub fn cluster_dir(&self) -> &Path {
        &self.cluster_dir
    }

    /// The directory of the cluster's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// `program` as a command run as the cluster's OS user (tools that touch its files).
    pub(super) fn cluster_command(&self, program: &Path) -> Command {
        let mut cmd = self.as_cluster_user(Command::new(program));
        cmd.process_group(0).stdin(Stdio::null()).env("LC_ALL", "C");
        cmd
    }

    /// Starts the cluster's processes again after [`Self::stop_now`] (a restore in between).
    pub async fn start_again(&self) -> Result<(), EmbeddedError> {
        let log = self.data_dir().join("postgres.log");
        self.pg_tool("pg_ctl")
            .arg("start")
            .arg("-D")
            .arg(&self.cluster_dir)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "600", "-s"])
            .run("pg_ctl start")
            .await
    }

    /// Whether the cluster's postmaster is up.
    pub async fn running(&self) -> bool {
        self.is_running().await
    }

    pub(super) fn prepare_private_dir(&self, dir: &Path) -> Result<(), EmbeddedError> {
        self.prepare_dir(dir)
    }

    pub(super) fn hand_over(&self, path: &Path) -> Result<(), EmbeddedError> {
        self.give_away(path)
    }

    fn give_away(&self, path: &Path) -> Result<(), EmbeddedError> {
        if let Some(user) = &self.run_as {
            chown(path, Some(user.uid), Some(user.gid)).map_err(|e| EmbeddedError::Io {
                context: format!("handing {} to {}", path.display(), user.name),
                source: e.into(),
            })?;
        }
        Ok(())
    }

    /// As root, PostgreSQL runs as another user, which must be able to enter the data directory.
    async fn check_reachable(&self, data_dir: &Path) -> Result<(), EmbeddedError> {
        let Some(user) = &self.run_as else {
            return Ok(());
        };
        let ok = self
            .as_cluster_user(Command::new("/bin/sh"))
            .args(["-c", "cd \"$1\"", "sh"])
            .arg(data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .is_ok_and(|s| s.success());
        if ok {
            Ok(())
        } else {
            Err(EmbeddedError::Unreachable {
                user: user.name.clone(),
                dir: data_dir.display().to_string(),
            })
        }
    }

    fn as_cluster_user(&self, mut cmd: Command) -> Command {
        if let Some(user) = &self.run_as {
            cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
            if let Ok(Some(u)) = User::from_uid(user.uid) {
                cmd.env("HOME", u.dir).env("USER", &user.name);
            }
        }
        cmd
    }

    fn pg_tool(&self, tool: &str) -> Tool {
        let mut cmd = self.as_cluster_user(Command::new(self.bin_dir.join(tool)));
        // Its own process group: a Ctrl-C meant for the server must not reach PostgreSQL, which is
        // stopped in order once the server has drained its connections.
        cmd.process_group(0)
            .env_remove("PGDATA")
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .kill_on_drop(false);
        Tool { cmd }
    }
}

struct Tool {
    cmd: Command,
}

impl Tool {
    fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    async fn run(mut self, what: &str) -> Result<(), EmbeddedError> {
        let output = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .await
            .map_err(io(format!("running {what}")))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(EmbeddedError::Command {
                command: what.to_owned(),
                detail: format!(
                    "{}\n{}{}",
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            })
        }
    }
}

/// `err` with the last lines of PostgreSQL's log, which say why it did not start.
fn with_log_tail(err: EmbeddedError, log: &Path) -> EmbeddedError {
    let EmbeddedError::Command { command, detail } = err else {
        return err;
    };
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(8)..].join("\n");
    EmbeddedError::Command {
        command,
        detail: format!("{detail}{} says:\n{tail}", log.display()),
    }
}

/// The socket directory: inside the data directory when the path fits a Unix socket address,
/// otherwise a directory under /tmp named after the data directory.
fn socket_dir_for(data_dir: &Path) -> PathBuf {
    let inside = data_dir.join("run");
    let socket_file_len = inside.as_os_str().len() + "/.s.PGSQL.5432".len();
    if socket_file_len <= MAX_SOCKET_PATH {
        return inside;
    }
    let digest = data_dir
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    std::env::temp_dir().join(format!("oap-pg-{digest:016x}"))
}

/// The directory with `initdb`, `pg_ctl` and `postgres`: the given one, else the one holding
/// `initdb` on PATH, else the newest `/usr/lib/postgresql/<version>/bin`.
pub fn find_bin_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    let has_tools = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|t| dir.join(t).is_file())
    };
    if let Some(dir) = explicit {
        return has_tools(dir).then(|| dir.to_path_buf());
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = on_path.into_iter().find(|d| has_tools(d)) {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            has_tools(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_data_dirs_keep_their_socket_inside() {
        assert_eq!(
            socket_dir_for(Path::new("/srv/oap")),
            PathBuf::from("/srv/oap/run")
        );
    }

    #[test]
    fn long_data_dirs_get_a_stable_socket_dir_that_fits() {
        let long = PathBuf::from(format!("/srv/{}", "x".repeat(120)));
        let a = socket_dir_for(&long);
        assert_eq!(a, socket_dir_for(&long));
        assert!(a.as_os_str().len() + 15 <= MAX_SOCKET_PATH);
    }
}
