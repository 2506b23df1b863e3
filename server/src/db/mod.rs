//! The database: connection pool, migrations and the embedded cluster.

pub mod backup;
pub mod embedded;

use std::str::FromStr;

use anyhow::Context;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::DbConfig;
use embedded::EmbeddedPostgres;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// The database the embedded cluster serves the app from.
pub const EMBEDDED_DATABASE: &str = "oneaftersales";

/// A pool, and the embedded cluster behind it when there is one.
pub struct Database {
    /// The connection pool.
    pub pool: PgPool,
    /// The embedded cluster to stop at shutdown, if this process runs one.
    pub embedded: Option<std::sync::Arc<EmbeddedPostgres>>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts the embedded cluster when it is unset.
    pub async fn connect(config: &DbConfig) -> anyhow::Result<Self> {
        match &config.database_url {
            Some(url) => {
                let options = PgConnectOptions::from_str(url).map_err(|e| {
                    anyhow::anyhow!("DATABASE_URL is not a valid PostgreSQL URL: {e}")
                })?;
                let pool = pool(options, config.max_connections).await?;
                Ok(Self {
                    pool,
                    embedded: None,
                })
            }
            None => {
                let pg = EmbeddedPostgres::start(
                    &config.data_dir,
                    config.pg_bin_dir.as_deref(),
                    &config.pg_os_user,
                )
                .await?;
                let admin = pool(pg.connect_options(embedded::SUPERUSER), 1).await?;
                ensure_embedded_database(&admin).await?;
                admin.close().await;
                let pool = pool(
                    pg.connect_options(EMBEDDED_DATABASE),
                    config.max_connections,
                )
                .await?;
                Ok(Self {
                    pool,
                    embedded: Some(std::sync::Arc::new(pg)),
                })
            }
        }
    }

    /// Closes the pool, then stops the embedded cluster if this process started it.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(pg) = self.embedded {
            pg.stop().await?;
        }
        Ok(())
    }
}

/// A pool over `options`. Every connection runs in UTC: the seed's columns are `TIMESTAMP` without
/// time zone, and the application stores UTC in them.
pub async fn pool(options: PgConnectOptions, max_connections: u32) -> anyhow::Result<PgPool> {
    let options = options
        .application_name("one-aftersales")
        .options([("timezone", "UTC")]);
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL: {e}"))?;
    Ok(pool)
}

/// Applies pending migrations, then publishes the shipped first version of each survey form
/// that has none (data the migrations cannot build: it is checked Rust-side).
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| anyhow::anyhow!("applying migrations: {e}"))?;
    app::modules::surveys::server::forms::ensure_defaults(pool)
        .await
        .map_err(|e| anyhow::anyhow!("publishing the default survey forms: {e}"))
}

async fn ensure_embedded_database(admin: &PgPool) -> anyhow::Result<()> {
    let name = EMBEDDED_DATABASE;
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS "exists!""#,
        name
    )
    .fetch_one(admin)
    .await?;
    if !exists {
        // Identifiers cannot be bound parameters, hence the literal; it names EMBEDDED_DATABASE.
        sqlx::query("CREATE DATABASE oneaftersales")
            .execute(admin)
            .await?;
        tracing::info!(database = name, "created database");
    }
    Ok(())
}

/// Drops (disconnecting its sessions) and recreates database `name` on the server of `url`, and
/// returns the URL of the new database.
pub async fn recreate_database(url: &str, name: &str) -> anyhow::Result<String> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    anyhow::ensure!(
        valid,
        "database name must be 1-63 lowercase letters, digits or underscores"
    );
    let mut scratch: url::Url = url.parse().context("DATABASE_URL is not a URL")?;
    scratch.set_path(&format!("/{name}"));
    let admin = pool(PgConnectOptions::from_str(url)?, 1).await?;
    // Identifiers cannot be bound; `name` was checked above to hold only [a-z0-9_].
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await?;
    admin.close().await;
    Ok(scratch.into())
}
