//! Server functions and DTOs of the system status page, for administrators (the dashboard's
//! area): the database's version and migration history.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::auth::{
    authorize::{Action, Area},
    server::admit,
};
use crate::error::AppError;

/// One migration recorded in `_sqlx_migrations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedMigration {
    /// The timestamp prefix of the migration file.
    pub version: i64,
    /// The rest of the file name, in words.
    pub description: String,
    /// When it was applied.
    pub installed_on: DateTime<Utc>,
    /// Whether it completed.
    pub success: bool,
}

/// What the status page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemStatus {
    /// This build's version.
    pub app_version: String,
    /// `SELECT version()`.
    pub database_version: String,
    /// The database this instance is connected to.
    pub database_name: String,
    /// The database's clock.
    pub database_time: DateTime<Utc>,
    /// Applied migrations, oldest first.
    pub migrations: Vec<AppliedMigration>,
}

/// The answer to a database ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingResult {
    /// How long `SELECT 1` took, measured on the server, in microseconds.
    pub database_micros: u64,
}

/// Reads the system status from PostgreSQL.
#[server(endpoint = "system/status")]
pub async fn get_system_status() -> Result<SystemStatus, AppError> {
    let ctx = admit(Action::View, Area::Dashboard).await?;
    super::repo::system_status(&ctx).await
}

/// Times one round trip to the database.
#[server(endpoint = "system/ping")]
pub async fn ping_database() -> Result<PingResult, AppError> {
    let ctx = admit(Action::View, Area::Dashboard).await?;
    super::repo::timed_ping(&ctx).await
}
