//! Queries behind the status page.

use sqlx::{PgConnection, PgPool};

use super::api::{AppliedMigration, SystemStatus};
use crate::error::AppError;

/// Database version, name, clock and applied migrations.
pub async fn system_status(conn: &mut PgConnection) -> Result<SystemStatus, AppError> {
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
