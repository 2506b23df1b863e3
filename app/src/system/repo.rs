//! Queries behind the status page.

use sqlx::PgPool;
use tracing::instrument;

use super::api::{AppliedMigration, PingResult, SystemStatus};
use crate::auth::server::Ctx;
use crate::error::AppError;

/// Database version, name, clock and applied migrations.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn system_status(ctx: &Ctx) -> Result<SystemStatus, AppError> {
    let mut conn = ctx.state.pool.acquire().await?;
    let info = sqlx::query!(
        r#"SELECT version() AS "version!", current_database() AS "database!", now() AS "now!""#
    )
    .fetch_one(&mut *conn)
    .await?;
    let migrations = sqlx::query_as!(
        AppliedMigration,
        r#"SELECT version, description, installed_on, success
           FROM _sqlx_migrations ORDER BY version"#
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(SystemStatus {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        database_version: info.version,
        database_name: info.database,
        database_time: info.now,
        migrations,
    })
}

/// One trivial query, for liveness of the database connection.
pub async fn ping(pool: &PgPool) -> Result<(), AppError> {
    sqlx::query_scalar!(r#"SELECT 1 AS "one!""#)
        .fetch_one(pool)
        .await?;
    Ok(())
}

/// [`ping`], timed on the server.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn timed_ping(ctx: &Ctx) -> Result<PingResult, AppError> {
    let started = std::time::Instant::now();
    ping(&ctx.state.pool).await?;
    let database_micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    Ok(PingResult { database_micros })
}
