//! Command line and environment configuration of the server binary.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// One Aftersales Platform server.
#[derive(Debug, Parser)]
#[command(name = "server", version, about)]
pub struct Cli {
    /// Database settings.
    #[command(flatten)]
    pub db: DbConfig,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// PostgreSQL connection URL. When unset, the server runs its own PostgreSQL cluster from the
    /// installed PostgreSQL binaries under `--data-dir`.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory for the embedded PostgreSQL cluster and other local state.
    #[arg(long, env = "OAP_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Directory holding `initdb`, `pg_ctl` and `postgres`. Found automatically when unset.
    #[arg(long, env = "OAP_PG_BIN_DIR", global = true)]
    pub pg_bin_dir: Option<PathBuf>,

    /// Operating-system user that owns the embedded cluster when the server runs as root
    /// (PostgreSQL refuses to run as root).
    #[arg(
        long,
        env = "OAP_PG_OS_USER",
        default_value = "postgres",
        global = true
    )]
    pub pg_os_user: String,

    /// Largest number of pooled database connections.
    #[arg(
        long,
        env = "OAP_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub max_connections: u32,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations and serve the app (the default).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Create an administrator and print a generated one-time password.
    CreateAdmin(CreateAdminArgs),
    /// Manage the embedded PostgreSQL cluster on its own (used by `make test` without DATABASE_URL).
    EmbeddedDb {
        /// What to do with the cluster.
        #[command(subcommand)]
        action: EmbeddedDbAction,
    },
    /// Drop and recreate an empty database on the `DATABASE_URL` server and print its URL (for
    /// tests: the end-to-end run and the sqlx cache check each get a clean one).
    ScratchDb(ScratchDbArgs),
    /// Take a backup of the embedded database now (differential unless `--full` or the first).
    Backup {
        /// A full backup.
        #[arg(long)]
        full: bool,
    },
    /// List the embedded database's backups, their sizes and the time range a restore can reach.
    Backups,
    /// Restore the embedded database to a point in time (UTC); the server must be stopped.
    Restore {
        /// The time to restore to, e.g. "2026-12-01 10:15" (UTC).
        #[arg(long)]
        to: String,
    },
    /// Write the whole database to a `pg_dump` custom-format file (for moving to another
    /// PostgreSQL; works with DATABASE_URL too).
    Export {
        /// The file to write.
        file: PathBuf,
    },
    /// Load a `server export` file into this database, which must be empty.
    Import {
        /// The file to read.
        file: PathBuf,
    },
    /// Walk the whole audit chain and name the first entry changed, removed or inserted out of
    /// order (exit status 1 if there is one); the outcome shows in the audit viewer.
    AuditVerify,
    /// Fill the database with a realistic, deterministic dealer network (dealers, staff, PCC
    /// applications, events and registrations, survey responses, timelines, audit rows and
    /// notifications). Refuses a database with real users unless told otherwise.
    DemoData(DemoDataArgs),
    /// Serve the bare lists `make bench` measures the app against (users, PCC, registrations:
    /// plain axum routes and sqlx, no framework). Not for production use.
    #[command(hide = true)]
    BenchBare {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:3301")]
        listen: std::net::SocketAddr,
    },
}

/// Options of `demo-data`.
#[derive(Debug, Clone, Args)]
pub struct DemoDataArgs {
    /// Dealers to create.
    #[arg(long, default_value_t = 200)]
    pub dealers: u32,
    /// Staff per dealer (service head, service manager, warranty manager, master technician, in
    /// turn).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub users_per_dealer: u32,
    /// Module records in all: PCC applications, registrations and survey responses.
    #[arg(long, default_value_t = 20_000)]
    pub records: u64,
    /// The same seed (and day) writes the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The day the data leads up to (default: today), e.g. 2026-12-01.
    #[arg(long)]
    pub today: Option<chrono::NaiveDate>,
    /// Add demo data to a database that already holds real users or dealers.
    #[arg(long)]
    pub yes_add_to_existing: bool,
}

/// Options of `scratch-db`.
#[derive(Debug, Clone, Args)]
pub struct ScratchDbArgs {
    /// Database name: lowercase letters, digits and underscores.
    pub name: String,
    /// Apply the migrations to it.
    #[arg(long)]
    pub migrate: bool,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The address users reach the site at, e.g. `https://portal.example.com`: links in mail use
    /// it, and `https://` turns on Secure cookies with the `__Host-` prefix and HSTS. Defaults to
    /// `http://` plus the listening address.
    #[arg(long, env = "OAP_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// 256-bit key (base64url) that encrypts TOTP secrets at rest. When unset, one is generated
    /// into `<data dir>/secret.key` on first start.
    #[arg(long, env = "OAP_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// SMTP server for outgoing mail, e.g. `smtp://user:pass@mail.example.com:587?tls=required`.
    /// When unset, mail goes to the server log and, on a loopback address, to /dev/mailbox.
    #[arg(long, env = "OAP_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Credential requests (sign-in, reset, MFA) allowed per minute per IP; overrides the
    /// `security.auth_rate_limit_per_minute` setting.
    #[arg(long, env = "OAP_AUTH_RATE_LIMIT_PER_MINUTE")]
    pub auth_rate_limit_per_minute: Option<u32>,

    /// Load balancers and reverse proxies in front of the server, as addresses or networks
    /// separated by commas (`10.0.0.0/8, 192.0.2.7`). Only their `X-Forwarded-For` is believed:
    /// it then names the client for rate limits, sessions and audit rows. Empty: no proxy.
    #[arg(long, env = "OAP_TRUSTED_PROXIES", default_value = "", value_parser = crate::http::limits::parse_trusted_proxies)]
    pub trusted_proxies: crate::http::limits::TrustedProxies,

    /// Serve Prometheus metrics at `http://ADDR/metrics` on this separate address (keep it
    /// private: a loopback or internal address). Unset: no metrics.
    #[arg(long, env = "OAP_METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// Keep undelivered mail readable at /dev/mailbox when no SMTP server is set (development
    /// only: it shows reset links to anyone who can reach the site). Honoured only on a loopback
    /// address over plain HTTP.
    #[arg(long, env = "OAP_DEV_MAILBOX", default_value_t = false)]
    pub dev_mailbox: bool,

    /// The `From:` of outgoing mail.
    #[arg(
        long,
        env = "OAP_MAIL_FROM",
        default_value = "One Aftersales <no-reply@oneaftersales.invalid>"
    )]
    pub mail_from: String,

    /// Password for the super admin created on first start. When unset, one is generated and
    /// printed once.
    #[arg(long, env = "OAP_SUPERADMIN_PASSWORD", hide_env_values = true)]
    pub superadmin_password: Option<String>,
}

/// Options of `create-admin`.
#[derive(Debug, Clone, Args)]
pub struct CreateAdminArgs {
    /// Sign-in email of the new administrator.
    #[arg(long)]
    pub email: String,
    /// Full name.
    #[arg(long)]
    pub name: String,
    /// `super_admin` or `manufacturer_admin`.
    #[arg(long, default_value = "manufacturer_admin")]
    pub role: String,
    /// Read the password from the first line of standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Actions of `embedded-db`.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum EmbeddedDbAction {
    /// Start the cluster (creating it if needed) and print a connection URL for its `postgres`
    /// database; it keeps running after this command exits.
    Start,
    /// Stop the cluster.
    Stop,
}
